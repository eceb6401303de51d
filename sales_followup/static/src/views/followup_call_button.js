/** @odoo-module **/

import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * Call, then log: the phone dials the customer while the log dialog opens behind it with the
 * phone method chosen, so the rep comes back from the call to a form half done.
 */
export class FollowupCallButton extends Component {
    static template = "sales_followup.FollowupCallButton";
    static props = { ...standardWidgetProps };

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
    }

    get number() {
        const data = this.props.record.data;
        return (data.followup_call_number || "").trim();
    }

    get href() {
        return `tel:${this.number.replace(/[^\d+*#,;]/g, "")}`;
    }

    async onClick() {
        // The link itself dials (a phone's browser hands tel: links to its dialer without
        // leaving the page); the log dialog opens meanwhile.
        const record = this.props.record;
        if ((await record.isDirty()) && !(await record.save())) {
            return;
        }
        const action = await this.orm.call("crm.lead", "action_followup_call", [[record.resId]]);
        await this.action.doAction(action, {
            onClose: () => record.model.load(),
        });
    }
}

export const followupCallButton = {
    component: FollowupCallButton,
    fieldDependencies: [
        { name: "followup_call_number", type: "char" },
    ],
};

registry.category("view_widgets").add("followup_call_button", followupCallButton);
