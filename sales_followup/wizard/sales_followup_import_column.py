from odoo import fields, models

from ..tools.tracker_columns import COLUMN_LABELS


class SalesFollowupImportColumn(models.TransientModel):
    _name = "sales.followup.import.column"
    _inherit = ["sales.followup.input.guard"]
    _description = "Column Mapping of a Follow-up Tracker Import"
    _input_strict_texts = False
    _order = "index"

    wizard_id = fields.Many2one("sales.followup.import", required=True, ondelete="cascade")
    index = fields.Integer(required=True)
    header = fields.Char(string="Column in the File", readonly=True)
    target = fields.Selection(
        list(COLUMN_LABELS.items()),
        string="Imported As",
        help="What the column holds; empty: the column is not imported.",
    )
    sample = fields.Char(string="First Value", readonly=True)
