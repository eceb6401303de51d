from dataclasses import asdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.tracker_columns import COLUMN_LABELS
from ..tools.tracker_rows import CUSTOMER_KEYS


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

    @api.model
    def _load(self, wizard, columns):
        """The columns of ``wizard``'s sheet anew (tools.tracker_analysis.Column)."""
        wizard.column_ids.unlink()
        self.create(
            [
                {
                    **asdict(column),
                    "wizard_id": wizard.id,
                    "header": column.header or _("(column %s)", column.index + 1),
                }
                for column in columns
            ]
        )

    @api.model
    def _labels(self):
        """{column key: label} in the user's language: the choices of "Imported As"."""
        return dict(self._fields["target"]._description_selection(self.env))

    def _mapping(self):
        """{column index: column key} of the columns imported; at least one names the
        customer."""
        mapping = {column.index: column.target for column in self if column.target}
        if not (CUSTOMER_KEYS & set(mapping.values())):
            raise UserError(
                _("Columns: map at least one column to Customer or Contact to import leads.")
            )
        return mapping
