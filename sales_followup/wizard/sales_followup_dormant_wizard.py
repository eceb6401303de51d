from odoo import api, fields, models


class SalesFollowupDormantWizard(models.TransientModel):
    _name = "sales.followup.dormant.wizard"
    _description = "Set Leads Dormant"

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    wakeup_date = fields.Date(
        string="Wake-up Date",
        required=True,
        help="The lead comes back to Following with a follow-up due on this date.",
    )
    note = fields.Char(
        string="Why", help="Why the customer has no need now (posted in the chatter)."
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "lead_ids" in fields_list and not res.get("lead_ids"):
            if self.env.context.get("active_model") == "crm.lead" and self.env.context.get(
                "active_ids"
            ):
                res["lead_ids"] = [(6, 0, self.env.context["active_ids"])]
        return res

    def action_apply(self):
        self.ensure_one()
        self.lead_ids._followup_set_dormant(self.wakeup_date, self.note)
        return {"type": "ir.actions.act_window_close"}
