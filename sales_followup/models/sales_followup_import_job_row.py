from odoo import fields, models


class SalesFollowupImportJobRow(models.Model):
    """A row of a tracker file waiting to be imported by its job (deleted once imported).

    Written and read in SQL by the job; nobody works with these records directly.
    """

    _name = "sales.followup.import.job.row"
    _inherit = ["sales.followup.input.guard"]
    _description = "Staged Row of a Tracker Import Job"
    _input_strict_texts = False
    _log_access = False
    _order = "number"

    job_id = fields.Many2one(
        "sales.followup.import.job", required=True, ondelete="cascade", index=True
    )
    number = fields.Integer(required=True)
    cells = fields.Json(help="The row's cells as JSON: dates and formulas tagged.")
