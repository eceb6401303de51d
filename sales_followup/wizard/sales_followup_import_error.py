from odoo import fields, models


class SalesFollowupImportError(models.TransientModel):
    _name = "sales.followup.import.error"
    _inherit = ["sales.followup.input.guard"]
    _description = "Problem Found in a Follow-up Tracker Row"
    _input_strict_texts = False
    _order = "row, id"

    wizard_id = fields.Many2one("sales.followup.import", required=True, ondelete="cascade")
    row = fields.Integer(help="Row number in the sheet, as Excel shows it.")
    column = fields.Char()
    value = fields.Char()
    message = fields.Char(string="Problem")
    level = fields.Selection(
        [("error", "Error"), ("warning", "Warning")],
        default="error",
        help="Errors stop the import (or skip their rows); warnings do not.",
    )
