from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SalesFollowupPostponeWizard(models.TransientModel):
    _name = "sales.followup.postpone.wizard"
    _inherit = ["sales.followup.input.guard"]
    _description = "Postpone a Follow-up"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade")
    due_date = fields.Date(string="Due", related="lead_id.followup_next_date")
    postpone_count = fields.Integer(related="lead_id.followup_postpone_count")
    # Checked by crm.lead._followup_postpone, which names the field in its errors (the view
    # makes them required for the form).
    new_date = fields.Date(string="New Due Date")
    reason = fields.Text(help="Why the follow-up waits without a contact (posted in the chatter).")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        lead = self.env["crm.lead"].browse(res.get("lead_id")).exists()
        if "new_date" in fields_list and not res.get("new_date") and lead:
            # The next working day after the due date (or after today when it is overdue).
            res["new_date"] = lead._followup_postpone_default_date(1)
        return res

    def action_apply(self):
        self._input_check_ids()
        self.ensure_one()
        if not self.lead_id:
            raise UserError(_("Lead: choose the lead whose follow-up to postpone."))
        self.lead_id._followup_postpone(self.new_date, self.reason)
        return {"type": "ir.actions.act_window_close"}
