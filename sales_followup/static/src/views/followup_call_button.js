/** @odoo-module **/

import { Component } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

// How long the frame that hands the number to the dialer stays in the page.
const DIAL_FRAME_MS = 3000;

/**
 * Call, then log: the phone dials the customer while the log dialog opens behind it with the
 * phone method chosen, so the rep comes back from the call to a form half done. The button is
 * a tel: link (long press copies the number).
 */
export class FollowupCallButton extends Component {
    static template = "sales_followup.FollowupCallButton";
    static props = {
        ...standardWidgetProps,
        small: { type: Boolean, optional: true },
    };

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
    }

    get number() {
        const data = this.props.record.data;
        return (data.mobile || data.phone || "").trim();
    }

    get href() {
        return `tel:${this.number.replace(/[^\d+*#,;]/g, "")}`;
    }

    async onClick(ev) {
        // The page itself does not follow the tel: link: leaving it (even for the dialer) makes
        // Odoo save the forms open in it, the log dialog included. A hidden frame asks the
        // phone to dial instead.
        ev.preventDefault();
        this.dial();
        const record = this.props.record;
        if ((await record.isDirty()) && !(await record.save())) {
            return;
        }
        const action = await this.orm.call("crm.lead", "action_followup_call", [[record.resId]]);
        await this.action.doAction(action, {
            onClose: () => record.model.load(),
        });
    }

    dial() {
        const frame = document.createElement("iframe");
        frame.className = "d-none o_followup_dial_frame";
        frame.src = this.href;
        document.body.appendChild(frame);
        browser.setTimeout(() => frame.remove(), DIAL_FRAME_MS);
    }
}

export const followupCallButton = {
    component: FollowupCallButton,
    // A small button in list rows; cards and forms give it a touch target's size.
    extractProps: ({ options }) => ({ small: Boolean(options.small) }),
    fieldDependencies: [
        { name: "phone", type: "char" },
        { name: "mobile", type: "char" },
    ],
};

registry.category("view_widgets").add("followup_call_button", followupCallButton);
