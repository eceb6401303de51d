from odoo import fields, models


class SalesFollowupImportSheet(models.TransientModel):
    _name = "sales.followup.import.sheet"
    _inherit = ["sales.followup.input.guard"]
    _description = "Sheet of a Follow-up Tracker File"
    _input_strict_texts = False
    _order = "index"

    wizard_id = fields.Many2one("sales.followup.import", required=True, ondelete="cascade")
    index = fields.Integer(required=True)
    name = fields.Char(required=True)
