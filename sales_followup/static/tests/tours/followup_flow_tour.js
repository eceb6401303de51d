/** @odoo-module **/

import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";
import { checkTouchTargets, screenshot } from "./tour_utils";

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

function inDays(days) {
    return formatDate(DateTime.local().plus({ days }));
}

function card(customer) {
    return `.o_kanban_record:contains(${customer})`;
}

function dialogDate(field, date) {
    // The date typed in the field's input, or, once set on 19.0, its button: the date in words,
    // in numbers in its tooltip.
    return [
        `.modal .o_field_widget[name=${field}] input:value(${date})`,
        `.modal .o_field_widget[name=${field}] button[data-tooltip='${date}']`,
    ].join(", ");
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
                trigger: dialogDate("next_date", nextDate),
            },
            {
                content: "The date picker is closed",
                trigger: "body:not(:has(.o_datetime_picker))",
            },
            screenshot("02_log_dialog", ".modal .o_field_widget[name=next_date]"),
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
                trigger: dialogDate("wakeup_date", wakeupDate),
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
                // The date in numbers, or on 19.0 in words with the numbers in its tooltip.
                trigger: [
                    `.o_field_widget[name=followup_wakeup_date]:contains(${wakeupDate})`,
                    `.o_field_widget[name=followup_wakeup_date] [data-tooltip='${wakeupDate}']`,
                ]
                    .map(
                        (wakeup) =>
                            `.o_form_view [name=followup_title]:has(.o_field_widget[name=followup_status]:contains(Dormant)):has(${wakeup})`
                    )
                    .join(", "),
            },
            screenshot("05_dormant", ".o_form_view [name=followup_title]"),
        ];
    },
});

/*
 * The rep's day from the home screen, played by the same test file: open Today, call a
 * customer and log the call, postpone a follow-up with a reason, check in at a visit.
 * Each tap on the way from the landing page to the saved call log is counted (TAP steps).
 */
const CALL_CUSTOMER = "温州东方泵业";
// The lead's phone, +86 577 8888 1234, as the Dial link calls it.
const CALL_HREF = "tel:+8657788881234";
const CALL_SUMMARY = "Called the buyer: needs 12 pumps in June, asks for a quotation by Friday";
const CALL_NEXT_ACTION = "Send the pump quotation";
const POSTPONE_CUSTOMER = "嘉兴华美纺织";
const POSTPONE_REASON = "The buyer is at the Canton Fair until next week";
const VISIT_CUSTOMER = "绍兴万通机械";
const VISIT_SUMMARY = "Visited the workshop: two presses to replace before Q3, budget being approved";

function todayRecord(customer, inside = "", text = "") {
    // Cards on phones, rows on desktops.
    const withText = text ? `:contains(${text})` : "";
    return [".o_kanban_record", ".o_data_row"]
        .map((record) => `${record}:contains(${customer})${withText} ${inside}`.trim())
        .join(", ");
}

function tap(content, trigger, isActive = undefined) {
    return { content: `TAP: ${content}`, trigger, run: "click", ...(isActive && { isActive }) };
}

registry.category("web_tour.tours").add("sales_followup_today_flow", {
    url: "/odoo",
    steps: () => [
        // From the home screen to a saved call log: the counted taps.
        tap("Open the apps", ".o_menu_toggle, .o_navbar_apps_menu button"),
        // Phones open the current app's menu first.
        tap("All apps", ".o_app_menu_sidebar a:contains(All Apps)", ["mobile"]),
        tap("Open Today", ".o_app[data-menu-xmlid='sales_followup.menu_followup_today_root']"),
        {
            content: "Today lists the overdue follow-up to call",
            trigger: todayRecord(CALL_CUSTOMER),
        },
        screenshot("06_today", todayRecord(CALL_CUSTOMER)),
        {
            content: "The card's buttons are touch targets (44 px at least)",
            trigger: todayRecord(CALL_CUSTOMER, ".o_followup_today_log"),
            isActive: ["mobile"],
            run() {
                const card = this.anchor.closest(".o_kanban_record");
                const buttons = card.querySelectorAll("footer .btn");
                if (buttons.length !== 3) {
                    throw new Error(`Dial, Log and Postpone expected, ${buttons.length} buttons`);
                }
                checkTouchTargets(buttons);
            },
        },
        {
            ...tap("Call the customer", todayRecord(CALL_CUSTOMER, ".o_followup_call_button")),
            async run(helpers) {
                const href = this.anchor.getAttribute("href");
                if (href !== CALL_HREF) {
                    throw new Error(`Dial calls ${href}, not ${CALL_HREF}`);
                }
                // A phone hands the tel: link to its dialer and stays on the page; a browser
                // without a dialer would start leaving it: here the link is not followed.
                this.anchor.addEventListener("click", (ev) => ev.preventDefault(), { once: true });
                await helpers.click();
            },
        },
        {
            content: "The log dialog opens with the phone chosen",
            trigger: ".modal .o_field_widget[name=method] .o_selection_badge.active:contains(Phone)",
        },
        {
            content: "What was said on the phone",
            trigger: ".modal .o_field_widget[name=summary] textarea",
            run: `edit ${CALL_SUMMARY}`,
        },
        {
            content: "What to do next",
            trigger: ".modal .o_field_widget[name=next_action] input",
            run: `edit ${CALL_NEXT_ACTION}`,
        },
        tap("Save the log", ".modal .modal-footer .btn-primary:contains(Save)"),
        {
            content: "The notification says what comes next",
            trigger: `.o_notification:contains(Next follow-up):contains(${CALL_NEXT_ACTION})`,
        },
        screenshot("07_saved_notification", ".o_notification"),
        {
            content: "The lead now shows its next action",
            trigger: todayRecord(CALL_CUSTOMER, "", CALL_NEXT_ACTION),
        },

        // Postpone an overdue follow-up: a reason is asked.
        {
            content: "Postpone the follow-up",
            trigger: todayRecord(POSTPONE_CUSTOMER, ".o_followup_today_postpone"),
            run: "click",
        },
        {
            content: "Try without a reason",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The reason is required",
            trigger: ".modal .o_field_widget[name=reason].o_field_invalid",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: `edit ${POSTPONE_REASON}`,
        },
        screenshot("08_postpone", ".modal .o_field_widget[name=reason]"),
        {
            content: "Postpone it",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },

        // A visit, checked in.
        {
            content: "Log the visit",
            trigger: todayRecord(VISIT_CUSTOMER, ".o_followup_today_log"),
            run: "click",
        },
        {
            content: "Contact by visit",
            trigger: ".modal .o_field_widget[name=method] .o_selection_badge:contains(Visit)",
            run: "click",
        },
        {
            content: "Check in here",
            trigger: ".modal .o_followup_checkin_button",
            run: "click",
        },
        {
            content: "The position is taken",
            trigger: ".modal .o_followup_checkin_done a[href*='openstreetmap']",
        },
        {
            content: "What was seen",
            trigger: ".modal .o_field_widget[name=summary] textarea",
            run: `edit ${VISIT_SUMMARY}`,
        },
        screenshot("09_checkin", ".modal .o_followup_checkin_done"),
        {
            content: "Save the visit",
            trigger: ".modal .modal-footer .btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Saved",
            trigger: ".o_notification:contains(Next follow-up)",
        },
    ],
});
