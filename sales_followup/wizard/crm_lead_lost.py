from odoo import _, fields, models
from odoo.exceptions import UserError


class CrmLeadLost(models.TransientModel):
    _name = "crm.lead.lost"
    _inherit = ["sales.followup.input.guard", "crm.lead.lost"]

    followup_reason_required = fields.Boolean(
        string="Lost Reason Required",
        default=lambda self: self._followup_reason_required(),
        help="Technical: the settings require a reason to mark a lead lost from this dialog.",
    )

    def _followup_reason_required(self):
        return not self.env["sales.followup.settings"]._get_bool("lost_reason_optional")

    def action_lost_reason_apply(self):
        # Only the dialog requires a reason: lead.action_set_lost() keeps its stock behaviour.
        self._input_check_ids()
        if self._followup_reason_required() and not self.lost_reason_id:
            raise UserError(_("Lost Reason: choose why the lead was lost."))
        return super().action_lost_reason_apply()
