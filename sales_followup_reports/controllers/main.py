from odoo import http
from odoo.http import content_disposition, request

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
        filled the dialog can open it (the dialog's record rule), with what they may see."""
        wizard = request.env["sales.followup.funnel.wizard"].browse(wizard_id).exists()
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
