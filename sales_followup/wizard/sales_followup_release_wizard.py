from odoo import _, fields, models
from odoo.exceptions import UserError


class SalesFollowupReleaseWizard(models.TransientModel):
    _name = "sales.followup.release.wizard"
    _description = "Release Leads to the Pool"

    lead_ids = fields.Many2many("crm.lead", string="Leads")
    # Checked by crm.lead._followup_release, which names the field in its error.
    reason = fields.Text(help="Why the lead goes back to the pool (posted in the chatter).")

    def action_apply(self):
        """Release the chosen leads, or say why not: the dialog never reports a release it did
        not make (a lead the user may not see, one already in the pool, lost or held by
        someone else is refused)."""
        self.ensure_one()
        leads = self.env["crm.lead"]._followup_requested(self, "lead_ids")
        if not leads:
            raise UserError(_("Leads: choose the leads to release to the pool."))
        leads._followup_release(self.reason)
        # The lead is no longer the salesperson's: back to the pool, not its form.
        return self.env["ir.actions.act_window"]._for_xml_id("sales_followup.action_followup_pool")
