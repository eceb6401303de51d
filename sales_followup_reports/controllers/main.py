from odoo import http
from odoo.http import content_disposition, request

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
        does not have it, and then the dialog and the figures are read on the primary."""
        with primary_if_missing("sales.followup.funnel.wizard", [wizard_id]) as env:
            return self._funnel_xlsx_response(env, wizard_id)

    def _funnel_xlsx_response(self, env, wizard_id):
        wizard = env["sales.followup.funnel.wizard"].browse(wizard_id).exists()
        if not wizard:
            raise request.not_found()
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
