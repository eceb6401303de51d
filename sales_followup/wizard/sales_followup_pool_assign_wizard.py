from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SalesFollowupPoolAssignWizard(models.TransientModel):
    _name = "sales.followup.pool.assign.wizard"
    _inherit = ["sales.followup.input.guard"]
    _description = "Assign Pool Leads"

    lead_ids = fields.Many2many("crm.lead", string="Leads")
    lead_count = fields.Integer(string="Leads to Assign", compute="_compute_lead_count")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain=lambda self: self.env["crm.lead"]._followup_salesperson_domain(),
    )

    @api.model
    def default_get(self, fields_list):
        """The leads selected in the pool (Actions > Assign) or on the lead's form."""
        res = super().default_get(fields_list)
        context = self.env.context
        if (
            "lead_ids" in fields_list
            and not res.get("lead_ids")
            and context.get("active_model") in ("sales.followup.pool.lead", "crm.lead")
            and isinstance(context.get("active_ids"), list)
        ):
            # A pool lead's id is its lead's id.
            res["lead_ids"] = [fields.Command.set(context["active_ids"])]
        return res

    @api.depends("lead_ids")
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(wizard.lead_ids)

    def action_apply(self):
        self._input_check_ids()
        self.ensure_one()
        leads = self.env["crm.lead"]._followup_requested(self, "lead_ids")
        if not leads:
            raise UserError(_("Leads: choose the pool leads to assign."))
        leads._followup_assign(self.user_id)
        user_name = self.user_id.name
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": (
                    _("%(lead)s assigned to %(user)s.", lead=leads.display_name, user=user_name)
                    if len(leads) == 1
                    else _(
                        "%(count)s leads assigned to %(user)s.", count=len(leads), user=user_name
                    )
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
