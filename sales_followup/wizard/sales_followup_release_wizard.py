from odoo import fields, models


class SalesFollowupReleaseWizard(models.TransientModel):
    _name = "sales.followup.release.wizard"
    _description = "Release Leads to the Pool"

    lead_ids = fields.Many2many("crm.lead", string="Leads")
    # Checked by crm.lead._followup_release, which names the field in its error.
    reason = fields.Text(help="Why the lead goes back to the pool (posted in the chatter).")

    def action_apply(self):
        self.ensure_one()
        self.lead_ids._followup_release(self.reason)
        # The lead is no longer the salesperson's: back to their pipeline, not its form.
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_followup.action_followup_pool"
        )
        return action
