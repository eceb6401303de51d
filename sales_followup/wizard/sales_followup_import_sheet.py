import base64
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import tracker_analysis as ta
from ..tools import tracker_reader as tr
from ..tools import tracker_rows as trows
from ..tools.tracker_errors import message_text


class SalesFollowupImportSheet(models.TransientModel):
    """A sheet of the file of an import wizard; the reading of that file, whose refusals
    become messages for the person importing it."""

    _name = "sales.followup.import.sheet"
    _inherit = ["sales.followup.input.guard"]
    _description = "Sheet of a Follow-up Tracker File"
    _input_strict_texts = False
    _order = "index"

    wizard_id = fields.Many2one("sales.followup.import", required=True, ondelete="cascade")
    index = fields.Integer(required=True)
    name = fields.Char(required=True)

    @api.model
    def _check_upload_size(self, data):
        """Refuse a file above the limit from its encoded size, before it is decoded or
        stored (what is not a file at all is refused by the input guard)."""
        if isinstance(data, (str, bytes)) and len(data) * 3 // 4 > tr.MAX_FILE_SIZE:
            size = f"{len(data) * 3 / 4 / 1024 / 1024:.1f}"  # outside _(): not extracted there
            raise UserError(
                _(
                    "Tracker File: the file is %(size)s MB; the limit is %(limit)s MB. Split "
                    "the tracker into several files.",
                    size=size,
                    limit=tr.MAX_FILE_SIZE // 1024 // 1024,
                )
            )

    @api.model
    def _open(self, wizard):
        """The sheets (tools.tracker_reader.Sheet) of ``wizard``'s file."""
        if not wizard.file:
            raise UserError(_("Tracker File: choose an .xls, .xlsx or .csv file."))
        try:
            return tr.open_sheets(base64.b64decode(wizard.file), wizard.filename or "")
        except tr.TrackerError as error:
            raise UserError(_("Tracker File: %s", message_text(error, self.env._))) from None

    @api.model
    def _load(self, wizard, sheets):
        """List the ``sheets`` of ``wizard``'s file anew; the first one that has a header (else
        the first one)."""
        wizard.sheet_ids.unlink()
        records = self.create(
            [
                {"wizard_id": wizard.id, "index": index, "name": sheet.name}
                for index, sheet in enumerate(sheets)
            ]
        )
        for record, sheet in zip(records, sheets, strict=True):
            with self._reading(sheet):
                if ta.has_header(sheet):
                    return record
        return records[:1]

    @api.model
    def _chosen(self, wizard):
        """The sheet of ``wizard``'s file chosen to import (tools.tracker_reader.Sheet)."""
        sheets = self._open(wizard)
        index = wizard.sheet_id.index if wizard.sheet_id else 0
        if index >= len(sheets):
            raise UserError(_("Sheet: the file has no sheet number %s.", index + 1))
        return sheets[index]

    @contextmanager
    def _reading(self, sheet):
        """What the reader refuses while rows are read, as a message for the user."""
        try:
            yield
        except tr.TrackerError as error:
            raise UserError(
                _(
                    "Sheet '%(sheet)s': %(error)s",
                    sheet=sheet.name,
                    error=message_text(error, self.env._),
                )
            ) from None

    @api.model
    def _data_rows(self, wizard):
        """(row number as Excel shows it, cells) of the chosen sheet of ``wizard`` below its
        header, empty rows left out; streamed."""
        sheet = self._chosen(wizard)
        with self._reading(sheet):
            yield from trows.data_rows(sheet.rows(), wizard.header_row or 1)
