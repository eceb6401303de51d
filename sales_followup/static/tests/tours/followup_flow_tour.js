/** @odoo-module **/

import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";

const { DateTime } = luxon;

/*
 * A salesman's day on the pipeline, played at phone and desktop width by
 * sales_followup/tests/test_tour_followup_flow.py, which creates the leads and checks
 * the records written here. Names, texts and day offsets must match that file.
 */
const LOG_CUSTOMER = "杭州精工阀门";
const RISK_CUSTOMER = "苏州恒达精密";
const DORMANT_CUSTOMER = "宁波港通物流";

const LOG_SUMMARY =
    "Visited the plant: 40 DN50 valves for the May line upgrade, budget approved by the plant manager";
const LOG_CUSTOMER_WORDS = "价格和去年一样的话，月底前就签。";
const LOG_NEXT_ACTION = "Send the quotation with the 40-unit discount";
const NEXT_DATE_DAYS = 12;

const RISK_TYPE = "Comparing competitors";
const RISK_NOTE = "The purchasing manager asked a competitor for a quote on the same valves";

const WAKEUP_DATE_DAYS = 45;
const DORMANT_NOTE = "Budget frozen until the next fiscal year";

// The test hooks the browser: it defines this flag on every page, captures the screen when
// it reads the marker in the console, then dispatches the event so that the tour goes on.
const SCREENSHOT_FLAG = "salesFollowupScreenshots";
const SCREENSHOT_MARKER = "sales_followup:screenshot:";
const SCREENSHOT_EVENT = "sales_followup:screenshot-taken";

function inDays(days) {
    return formatDate(DateTime.local().plus({ days }));
}

function card(customer) {
    return `.o_kanban_record:contains(${customer})`;
}

/**
 * A step that waits for `trigger`, scrolls it into view and has the test capture the screen.
 */
function screenshot(name, trigger) {
    return {
        content: `Screenshot ${name}`,
        trigger,
        async run() {
            this.anchor.scrollIntoView({ block: "center" });
            if (!window[SCREENSHOT_FLAG]) {
                return;
            }
            const taken = new Promise((resolve) => {
                const onTaken = (ev) => {
                    if (ev.detail === name) {
                        document.removeEventListener(SCREENSHOT_EVENT, onTaken);
                        resolve();
                    }
                };
                document.addEventListener(SCREENSHOT_EVENT, onTaken);
            });
            console.log(`${SCREENSHOT_MARKER}${name}`);
            await taken;
        },
    };
}

function openFollowupTab() {
    return [
        {
            content: "Open the Follow-up tab",
            trigger: ".o_notebook .nav-link[name=followup]",
            run: "click",
        },
        {
            content: "The Follow-up tab is shown",
            trigger: ".o_notebook .nav-link[name=followup].active",
        },
    ];
}

registry.category("web_tour.tours").add("sales_followup_followup_flow", {
    url: "/odoo/crm",
    steps: () => {
        const nextDate = inDays(NEXT_DATE_DAYS);
        const wakeupDate = inDays(WAKEUP_DATE_DAYS);
        return [
            // a. The pipeline
            {
                content: "The pipeline shows the lead to log",
                trigger: `.o_opportunity_kanban ${card(LOG_CUSTOMER)}`,
            },
            screenshot("01_pipeline", `${card(LOG_CUSTOMER)} .o_followup_log_button`),

            // b. Log a follow-up from the card
            {
                content: "Open the quick log from the card's pencil",
                trigger: `${card(LOG_CUSTOMER)} .o_followup_log_button`,
                run: "click",
            },
            {
                content: "Contact by visit",
                trigger: ".modal .o_field_widget[name=method] .o_selection_badge:contains(Visit)",
                run: "click",
            },
            {
                content: "What was discussed",
                trigger: ".modal .o_field_widget[name=summary] textarea",
                run: `edit ${LOG_SUMMARY}`,
            },
            {
                content: "What the customer said",
                trigger: ".modal .o_field_widget[name=customer_words] textarea",
                run: `edit ${LOG_CUSTOMER_WORDS}`,
            },
            {
                content: "Customer positive",
                trigger: ".modal .o_field_widget[name=sentiment] .o_selection_badge:contains(Positive)",
                run: "click",
            },
            {
                content: "Next action",
                trigger: ".modal .o_field_widget[name=next_action] input",
                run: `edit ${LOG_NEXT_ACTION}`,
            },
            {
                content: "Next follow-up date",
                trigger: ".modal .o_field_widget[name=next_date] input",
                run: `edit ${nextDate} && press Enter`,
            },
            {
                content: "The date is taken",
                trigger: `.modal .o_field_widget[name=next_date] input:value(${nextDate})`,
            },
            {
                content: "The date picker is closed",
                trigger: "body:not(:has(.o_datetime_picker))",
            },
            screenshot("02_log_dialog", ".modal .o_field_widget[name=next_date] input"),
            {
                content: "Save the log",
                trigger: ".modal .modal-footer .btn-primary:contains(Save)",
                run: "click",
            },
            {
                content: "The dialog is closed",
                trigger: "body:not(:has(.modal))",
            },

            // c. The card shows the new next follow-up date
            {
                content: "The card shows the new next follow-up date",
                trigger: `${card(LOG_CUSTOMER)} .o_followup_next_date [title='${nextDate}']:contains(In ${NEXT_DATE_DAYS} days)`,
            },
            screenshot("03_card_next_date", `${card(LOG_CUSTOMER)} .o_followup_next_date`),

            // d. Raise a risk on another lead
            {
                content: "Open the lead at risk",
                trigger: `${card(RISK_CUSTOMER)} span:contains(${RISK_CUSTOMER})`,
                run: "click",
            },
            {
                content: "The lead's form is open",
                trigger: `.o_form_view .o_field_widget[name=partner_id] input:value(${RISK_CUSTOMER})`,
            },
            ...openFollowupTab(),
            {
                content: "Raise a risk",
                trigger: ".o_notebook button[name=action_followup_raise_risk]",
                run: "click",
            },
            {
                content: "The customer compares competitors",
                trigger: `.modal .o_field_widget[name=type_id] .o_selection_badge:contains(${RISK_TYPE})`,
                run: "click",
            },
            {
                content: "What happened",
                trigger: ".modal .o_field_widget[name=note] textarea",
                run: `edit ${RISK_NOTE}`,
            },
            {
                content: "Raise it",
                trigger: ".modal .modal-footer .btn-primary:contains(Raise)",
                run: "click",
            },
            {
                content: "The dialog is closed",
                trigger: "body:not(:has(.modal))",
            },
            {
                // A list on desktops, cards on phones.
                content: "The risk is listed, open, with its note",
                trigger: [".o_data_row", ".o_kanban_record"]
                    .map(
                        (row) =>
                            `.o_field_widget[name=followup_risk_ids] ${row}:contains(${RISK_TYPE}):contains(Open):contains(${RISK_NOTE})`
                    )
                    .join(", "),
            },
            screenshot("04_risk_raised", ".o_field_widget[name=followup_risk_ids]"),

            // e. Set a third lead dormant
            {
                content: "Back to the pipeline",
                trigger: ".o_back_button",
                run: "click",
            },
            {
                content: "Open the lead with no need now",
                trigger: `${card(DORMANT_CUSTOMER)} span:contains(${DORMANT_CUSTOMER})`,
                run: "click",
            },
            {
                content: "The lead's form is open",
                trigger: `.o_form_view .o_field_widget[name=partner_id] input:value(${DORMANT_CUSTOMER})`,
            },
            ...openFollowupTab(),
            {
                content: "Set it dormant",
                trigger: ".o_notebook button[name=action_followup_set_dormant]",
                run: "click",
            },
            {
                content: "Wake-up date",
                trigger: ".modal .o_field_widget[name=wakeup_date] input",
                run: `edit ${wakeupDate} && press Enter`,
            },
            {
                content: "The date is taken",
                trigger: `.modal .o_field_widget[name=wakeup_date] input:value(${wakeupDate})`,
            },
            {
                content: "Why",
                trigger: ".modal .o_field_widget[name=note] input",
                run: `edit ${DORMANT_NOTE}`,
            },
            {
                content: "Confirm",
                trigger: ".modal .modal-footer button[name=action_apply]",
                run: "click",
            },
            {
                content: "The dialog is closed",
                trigger: "body:not(:has(.modal))",
            },
            {
                content: "The lead is dormant until the wake-up date",
                trigger: `.o_form_view [name=followup_title]:has(.o_field_widget[name=followup_status]:contains(Dormant)):has(.o_field_widget[name=followup_wakeup_date]:contains(${wakeupDate}))`,
            },
            screenshot("05_dormant", ".o_form_view [name=followup_title]"),
        ];
    },
});
