from odoo import _, fields, models
from odoo.exceptions import UserError


class SalesFollowupPoolAssignWizard(models.TransientModel):
    _name = "sales.followup.pool.assign.wizard"
    _description = "Assign Pool Leads"

    lead_ids = fields.Many2many("crm.lead", string="Leads")
    lead_count = fields.Integer(compute="_compute_lead_count")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain=lambda self: self.env["crm.lead"]._followup_salesperson_domain(),
    )

    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(wizard.lead_ids)

    def action_apply(self):
        self.ensure_one()
        if not self.lead_ids:
            raise UserError(_("Leads: choose the pool leads to assign."))
        self.lead_ids._followup_assign(self.user_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s leads assigned to %(user)s.",
                    count=len(self.lead_ids),
                    user=self.user_id.name,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
