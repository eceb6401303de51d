import base64

from odoo import Command, _, api, fields, models

from ..tools import tracker_errors as te

# Problems listed in the preview (all of them are in the rows-with-errors file).
MAX_PROBLEMS = 2000


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

    @api.model
    def _preview_values(self, wizard, analysis):
        """The wizard's values showing the problems of ``analysis``
        (tools.tracker_analysis.Analysis): the first ones listed, the rows with errors as a
        file to fix and import again."""
        labels = self.env["sales.followup.import.column"]._labels()
        lines = [
            Command.create(
                {
                    "row": problem.row,
                    "column": labels.get(problem.column, problem.column),
                    "value": problem.value,
                    "message": te.message_text(problem.message, self.env._),
                    "level": problem.level,
                }
            )
            for problem in analysis.problems[:MAX_PROBLEMS]
        ]
        name = (wizard.filename or "tracker").rsplit(".", 1)[0]
        return {
            "error_count": len(analysis.error_rows),
            "error_ids": lines,
            "error_file": self._error_file(wizard, analysis, labels),
            "error_filename": f"{name}_errors.csv" if analysis.error_rows else False,
        }

    @api.model
    def _error_file(self, wizard, analysis, labels):
        """The rows left out, as they were, with what is wrong (tools.tracker_errors): every
        row of a lead left out, so that the fixed file brings the whole lead. False when no
        row has an error."""
        if not analysis.error_rows:
            return False
        wanted = te.rows_to_fix(analysis)
        rows = {number: row for number, row in analysis.raw_rows.items() if number in wanted}
        if wanted - rows.keys():
            rows.update((number, row) for number, row in wizard._data_rows() if number in wanted)
        messages = te.messages_by_row(
            analysis.problems,
            lambda problem: _(
                "%(column)s: %(problem)s",
                column=labels.get(problem.column, problem.column),
                problem=te.message_text(problem.message, self.env._),
            ),
        )
        headers = {column.index: column.header for column in wizard.column_ids}
        content = te.error_csv(headers, rows, messages, _("Row"), _("Errors"))
        return base64.b64encode(content)
