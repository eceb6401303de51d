from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class SalesFollowupHandoverWizard(models.TransientModel):
    _name = "sales.followup.handover.wizard"
    _inherit = ["sales.followup.input.guard"]
    _description = "Hand Over the Leads of a Leaving Salesperson"
    _input_visible_fields = ("reason",)

    user_ids = fields.Many2many("res.users", string="Leaving")
    lead_count = fields.Integer(string="Open Leads", compute="_compute_lead_count")
    target = fields.Selection(
        [("pool", "Back to their team's pool"), ("user", "To a colleague")],
        string="Their Open Leads Go",
        default="pool",
    )
    colleague_id = fields.Many2one(
        "res.users",
        domain=lambda self: self.env["crm.lead"]._followup_salesperson_domain(),
    )
    reason = fields.Char(help="Posted in the chatter of each lead.")

    @api.depends("user_ids")
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(self.env["crm.lead"]._followup_held_by(wizard.user_ids))

    def action_apply(self):
        """Hand the leads over, then archive the users (one step for the manager)."""
        self._input_check_ids()
        self.ensure_one()
        if not self.env.user.has_group("base.group_erp_manager"):
            raise AccessError(_("Only administrators archive users and hand over their leads."))
        if not self.user_ids:
            raise UserError(_("Leaving: choose the users who leave."))
        leads = self.env["crm.lead"]._followup_held_by(self.user_ids)
        if self.target == "user":
            if not self.colleague_id or self.colleague_id in self.user_ids:
                raise UserError(_("Colleague: choose who takes over the leads."))
            leads.with_context(
                sales_followup_ownership=("reassigned", self.reason or False)
            )._followup_hand_to(self.colleague_id)
        elif self.target == "pool":
            reasons = {
                lead.id: self.reason or _("%s no longer works here.", lead.user_id.name)
                for lead in leads
            }
            leads._followup_to_pool("reclaimed", reasons)
        else:
            raise UserError(_("Their Open Leads Go: choose the pool or a colleague."))
        self.user_ids.with_context(sales_followup_handover_done=True).action_archive()
        return {"type": "ir.actions.act_window_close"}
