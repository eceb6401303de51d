/** @odoo-module **/

import { registry } from "@web/core/registry";
import { checkTouchTargets, screenshot } from "./tour_utils";

/*
 * A salesman opens the pool (公海) from the home screen, claims a lead another rep of the team
 * released, and logs a first contact. Played at phone and desktop width by
 * sales_followup/tests/test_tour_pool_claim.py, which prepares the pool and checks the records
 * written here. Names and texts must match that file.
 */
const POOL_CUSTOMER = "杭州东立五金机械有限公司";
const POOL_NEED =
    "Stainless fasteners for the new Xiaoshan plant: M8 and M10 bolts, nuts and washers";
// Set on the lead, not public in the pool: the card must not show it before the claim.
const POOL_PHONE = "+86 571 8765 4321";
const OTHER_TEAM_CUSTOMER = "天津北方化工";
const SALESMAN = "Wang Wei";
const FIRST_CONTACT_SUMMARY =
    "First call after the claim: the buyer still needs M8 bolts for the new plant, asks for samples";

const POOL_MENU = "sales_followup.sales_followup_pool_menu";

function poolRecord(customer, inside = "") {
    // Cards on phones, rows on desktops.
    return [".o_followup_pool_kanban .o_kanban_record", ".o_followup_pool_list .o_data_row"]
        .map((record) => `${record}:contains(${customer}) ${inside}`.trim())
        .join(", ");
}

registry.category("web_tour.tours").add("sales_followup_pool_claim", {
    url: "/odoo",
    steps: () => [
        // From the home screen to the pool, as a rep finds it: the CRM app, then its menu.
        {
            content: "Open the apps",
            trigger: ".o_menu_toggle, .o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "All apps",
            trigger: ".o_app_menu_sidebar a:contains(All Apps)",
            isActive: ["mobile"],
            run: "click",
        },
        {
            content: "Open CRM",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
        {
            content: "The pipeline is open, the apps closed",
            trigger: "body:not(:has(.o_app_menu_sidebar)) .o_opportunity_kanban",
        },
        {
            content: "Open the CRM menu",
            trigger: ".o_menu_toggle",
            isActive: ["mobile"],
            run: "click",
        },
        {
            content: "Open the pool",
            trigger: `.o_app_menu_sidebar [data-menu-xmlid='${POOL_MENU}'], .o_menu_sections [data-menu-xmlid='${POOL_MENU}']`,
            run: "click",
        },

        // The pool: the team's lead, without its phone; not the other team's lead.
        {
            content: "The pool shows the lead released by the team, with its need",
            trigger: poolRecord(POOL_CUSTOMER, `:contains(${POOL_NEED})`),
        },
        {
            content: "The phone number is not shown before the claim, nor the other team's lead",
            trigger: poolRecord(POOL_CUSTOMER),
            run() {
                const view = this.anchor.closest(".o_action_manager");
                if (view.textContent.includes(POOL_PHONE)) {
                    throw new Error("The pool shows the phone number before the claim");
                }
                if (view.textContent.includes(OTHER_TEAM_CUSTOMER)) {
                    throw new Error("The pool shows another team's lead");
                }
            },
        },
        screenshot("pool_1_cards", poolRecord(POOL_CUSTOMER)),
        {
            content: "Claim is a touch target (44 px at least)",
            trigger: poolRecord(POOL_CUSTOMER, ".o_followup_pool_claim"),
            isActive: ["mobile"],
            run() {
                checkTouchTargets([this.anchor]);
            },
        },
        {
            content: "Claim the lead",
            trigger: poolRecord(POOL_CUSTOMER, ".o_followup_pool_claim"),
            run: "click",
        },

        // The lead's form: now the salesman's, out of the pool.
        {
            content: "The claimed lead's form is open",
            trigger: `.o_form_view [name=followup_customer]:contains(${POOL_CUSTOMER})`,
        },
        {
            content: "The lead is the salesman's",
            trigger: `.o_form_view .o_field_widget[name=user_id] input:value(${SALESMAN})`,
        },
        {
            content: "The lead is out of the pool",
            trigger: ".o_form_view:not(:has(.o_followup_pool_info)):not(:has(.o_widget_web_ribbon))",
        },
        screenshot("pool_2_claimed", ".o_form_view [name=followup_customer]"),

        // Log the first contact.
        {
            content: "Log Follow-up (the row above the title)",
            trigger: ".o_followup_form_actions button[name=action_followup_log]",
            isActive: ["mobile"],
            run: "click",
        },
        {
            content: "Log Follow-up (the header's first button)",
            trigger: ".o_form_statusbar button[name=action_followup_log]",
            isActive: ["desktop"],
            run: "click",
        },
        {
            content: "What was said",
            trigger: ".modal .o_field_widget[name=summary] textarea",
            run: `edit ${FIRST_CONTACT_SUMMARY}`,
        },
        {
            content: "Save the log",
            trigger: ".modal .modal-footer .btn-primary:contains(Save)",
            run: "click",
        },
        {
            content: "The notification says when the next follow-up is",
            trigger: ".o_notification:contains(Follow-up logged):contains(Next follow-up)",
        },
        screenshot("pool_3_saved", ".o_notification"),
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },

        // The lead now has its log and a next follow-up.
        {
            content: "The log is listed on the lead",
            trigger: `.o_form_view .o_field_widget[name=followup_log_ids]:contains(${FIRST_CONTACT_SUMMARY})`,
        },
        {
            content: "A call has no check-in: no map link in the log list",
            trigger: `.o_field_widget[name=followup_log_ids] .o_data_row:contains(${FIRST_CONTACT_SUMMARY}):not(:has([name=checkin_map_url] a))`,
            isActive: ["desktop"],
        },
        {
            content: "One follow-up logged",
            trigger: ".o_form_view .oe_stat_button[name=action_followup_open_logs] .o_stat_value:contains(1)",
            isActive: ["desktop"],
        },
        {
            content: "The lead shows its next follow-up date",
            trigger: ".o_form_view .o_field_widget[name=followup_next_date] [title]",
        },
        screenshot("pool_4_next_date", ".o_form_view .o_field_widget[name=followup_next_date]"),
    ],
});
