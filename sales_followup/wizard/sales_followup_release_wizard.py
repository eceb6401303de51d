from odoo import _, fields, models
from odoo.exceptions import UserError


class SalesFollowupReleaseWizard(models.TransientModel):
    _name = "sales.followup.release.wizard"
    _inherit = ["sales.followup.input.guard"]
    _description = "Release Leads to the Pool"

    lead_ids = fields.Many2many("crm.lead", string="Leads")
    # Checked by crm.lead._followup_release, which names the field in its error.
    reason = fields.Text(help="Why the lead goes back to the pool (posted in the chatter).")

    def action_apply(self):
        """Release the chosen leads, or say why not: the dialog never reports a release it did
        not make (a lead the user may not see, one already in the pool, lost or held by
        someone else is refused)."""
        self._input_check_ids()
        self.ensure_one()
        leads = self.env["crm.lead"]._followup_requested(self, "lead_ids")
        if not leads:
            raise UserError(_("Leads: choose the leads to release to the pool."))
        leads._followup_release(self.reason)
        # The lead is no longer the salesperson's: to the pool, as a new page. Returning the
        # pool's window action would have the web client reload the lead's form behind the
        # dialog first, which a salesperson with "own documents" may no longer read.
        return {
            "type": "ir.actions.act_url",
            "url": "/odoo/action-sales_followup.action_followup_pool",
            "target": "self",
        }
