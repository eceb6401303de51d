/** @odoo-module **/

import { registry } from "@web/core/registry";
import { leavingPage, screenshot } from "./tour_utils";

/*
 * The pool's other doors, as each role clicks them: a salesman releases a lead of his from its
 * form (the header, its buttons folded into a menu on phones), and a sales manager assigns pool
 * leads, from a pool lead's form and, on desktops, several at once from the pool list
 * (Actions > Assign). Played by sales_followup/tests/test_tour_pool_release_assign.py, which
 * prepares the leads and checks the records written here. Names and texts must match that file.
 */
const RELEASE_NEED = "Hydraulic press seals: 200 sets a quarter for the Ningbo line";
const RELEASE_REASON = "Outside my region: the buyer moved to the Wuhan office";
const FORM_NEED = "Conveyor belts for the Suzhou warehouse";
const BULK_NEEDS = ["Forklift batteries for the Hefei depot", "Packaging film, 30 tons a year"];
const SALESMAN = "Wang Wei";

function headerButton(label) {
    // Desktops show the header's buttons; phones fold them into a menu.
    return `.o_statusbar_buttons button:enabled:contains(${label}), .dropdown-item button:enabled:contains(${label})`;
}

// Cards on phones, rows on desktops.
const RELEASED_IN_POOL = [".o_followup_pool_kanban .o_kanban_record", ".o_followup_pool_list .o_data_row"]
    .map((record) => `${record}:contains(${RELEASE_NEED}):contains(${RELEASE_REASON})`)
    .join(", ");

const openHeaderMenuOnPhones = {
    // 18.0 folds the header's buttons into the gear menu; 19.0 all but the first into the
    // header's own menu.
    content: "Open the menu of the header's buttons (phones)",
    trigger: [
        ".o_form_view .o_statusbar_buttons .dropdown-toggle",
        ".o_form_view:not(:has(.o_statusbar_buttons)) .o_cp_action_menus .dropdown-toggle",
    ].join(", "),
    isActive: ["mobile"],
    run: "click",
};

function pickSalesperson(name) {
    return [
        // Desktops: the field's autocomplete.
        {
            content: `Look for ${name}`,
            trigger: ".modal .o_field_widget[name=user_id] input",
            isActive: ["desktop"],
            run: `edit ${name}`,
        },
        {
            content: `Choose ${name}`,
            trigger: `.o-autocomplete--dropdown-item:contains(${name})`,
            isActive: ["desktop"],
            run: "click",
        },
        // Phones: the field opens a search dialog of cards.
        {
            content: "Open the salespeople",
            trigger: ".modal .o_field_widget[name=user_id] input",
            isActive: ["mobile"],
            run: "click",
        },
        {
            content: `Choose ${name}`,
            trigger: `.modal:not(.o_inactive_modal) .o_kanban_record:contains(${name})`,
            isActive: ["mobile"],
            run: "click",
        },
        {
            content: `${name} chosen`,
            trigger: `.modal .o_field_widget[name=user_id]:has(input:value(${name}))`,
            isActive: ["mobile"],
        },
    ];
}

registry.category("web_tour.tours").add("sales_followup_pool_release", {
    steps: () => [
        {
            content: "The salesman's lead is open",
            trigger: `.o_form_view:has(.o_field_widget[name=name] textarea, .o_field_widget[name=name] input)`,
            run() {
                const name = this.anchor.querySelector(".o_field_widget[name=name] textarea, .o_field_widget[name=name] input");
                if (!name.value.includes(RELEASE_NEED)) {
                    throw new Error(`Not the lead to release: ${name.value}`);
                }
            },
        },
        openHeaderMenuOnPhones,
        {
            content: "Release to Pool",
            trigger: headerButton("Release to Pool"),
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: `edit ${RELEASE_REASON}`,
        },
        screenshot("release_1_dialog", ".modal .o_field_widget[name=reason]"),
        // The lead is no longer the salesman's: the pool opens as a new page.
        leavingPage({
            content: "Release",
            trigger: ".modal .modal-footer button.btn-primary:contains(Release)",
            run: "click",
        }),
        {
            content: "Back in the team's pool, with the reason",
            trigger: RELEASED_IN_POOL,
        },
        screenshot("release_2_pool", RELEASED_IN_POOL),
    ],
});

registry.category("web_tour.tours").add("sales_followup_pool_assign_form", {
    steps: () => [
        {
            content: "The pool lead is open",
            trigger: ".o_form_view .o_field_widget[name=followup_code]",
        },
        openHeaderMenuOnPhones,
        {
            content: "Assign",
            trigger: headerButton("Assign"),
            run: "click",
        },
        {
            content: "The dialog counts the lead",
            trigger: ".modal .o_field_widget[name=lead_count]:contains(1)",
        },
        ...pickSalesperson(SALESMAN),
        screenshot("assign_1_dialog", ".modal .o_field_widget[name=user_id]"),
        {
            content: "Assign",
            trigger: ".modal .modal-footer button.btn-primary:contains(Assign)",
            run: "click",
        },
        {
            content: "Assigned",
            trigger: `.o_notification:contains(${SALESMAN})`,
        },
        {
            content: "The dialog is closed, the lead out of the pool",
            trigger: "body:not(:has(.modal)) .o_form_view:not(:has(.o_widget_web_ribbon))",
        },
        screenshot("assign_2_done", ".o_notification"),
    ],
});

registry.category("web_tour.tours").add("sales_followup_pool_assign_bulk", {
    steps: () => [
        ...BULK_NEEDS.map((need) => ({
            content: `Select ${need}`,
            trigger: `.o_followup_pool_list .o_data_row:contains(${need}) .o_list_record_selector input`,
            run: "click",
        })),
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Assign",
            trigger: ".o-dropdown-item:contains(Assign)",
            run: "click",
        },
        {
            content: "The dialog counts the two leads",
            trigger: ".modal .o_field_widget[name=lead_count]:contains(2)",
        },
        ...pickSalesperson(SALESMAN),
        screenshot("assign_bulk_1_dialog", ".modal .o_field_widget[name=user_id]"),
        {
            content: "Assign",
            trigger: ".modal .modal-footer button.btn-primary:contains(Assign)",
            run: "click",
        },
        {
            content: "Two leads assigned",
            trigger: `.o_notification:contains(2):contains(${SALESMAN})`,
        },
        {
            content: "They left the pool",
            trigger: `.o_followup_pool_list:not(:contains(${BULK_NEEDS[0]})):not(:contains(${BULK_NEEDS[1]}))`,
        },
    ],
});
