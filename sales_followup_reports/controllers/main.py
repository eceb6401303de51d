from odoo import http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from .refusal import MAX_RECORD_ID, bad_request, not_found, refusal_of, shorten
from .replica import primary_if_missing

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FunnelReportController(http.Controller):
    @http.route(
        "/sales_followup_reports/funnel/<int:wizard_id>/xlsx",
        type="http",
        auth="user",
        readonly=True,
    )
    def funnel_xlsx(self, wizard_id):
        """The funnel as XLSX, made for this request and never stored: only the person who
        filled the dialog can open it (the dialog's record rule), with what they may see.

        Only read, on a database replica when there is one. The dialog was saved on the
        primary database just before the download: a replica that has not caught up with it yet
        does not have it, and then the dialog and the figures are read on the primary.

        Refused without a traceback: an id that cannot be a record (HTTP 400), a dialog that
        does not exist (404) or is another user's (403)."""
        if not 0 < wizard_id <= MAX_RECORD_ID:
            raise bad_request(
                request.env._(
                    "Print dialog: %(value)s is not a record id.", value=shorten(wizard_id)
                )
            )
        with primary_if_missing("sales.followup.funnel.wizard", [wizard_id]) as env:
            try:
                return self._funnel_xlsx_response(env, wizard_id)
            except UserError as exc:  # access refused and missing records included
                raise refusal_of(exc) from None

    def _funnel_xlsx_response(self, env, wizard_id):
        wizard = env["sales.followup.funnel.wizard"].browse(wizard_id).exists()
        if not wizard:
            raise not_found(env._("This document does not exist or was deleted."))
        wizard.check_access("read")
        content, filename = wizard._xlsx_export()
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Disposition", content_disposition(filename)),
                ("Content-Length", len(content)),
                ("Cache-Control", "no-store"),
            ],
        )
