import json
from urllib.parse import urlsplit

from psycopg2.errors import ReadOnlySqlTransaction
from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.report import ReportController

from .replica import primary_if_missing

# The reports that only read: their downloads run on the database replica when there is one.
# Neither keeps the printed PDF as an attachment (which would be written on printing).
READ_ONLY_REPORTS = frozenset(
    {
        "sales_followup_reports.report_followup_funnel",
        "sales_followup_reports.report_lead_followup_history",
    }
)


def read_only_report(data):
    """(report name, record ids) of a download of the web client (``data`` as it sends it to
    ``/report/download``: the JSON of ``[url, report type]``) when it prints one of
    ``READ_ONLY_REPORTS`` as PDF, ``/report/pdf/<report name>[/<ids>][?<options>]``; None for
    anything else, and for anything malformed, left to Odoo as it is."""
    try:
        content = json.loads(data)
        if not isinstance(content, list):
            return None
        url, report_type = content
        parts = urlsplit(url).path.split("/")
        if report_type != "qweb-pdf" or parts[:3] != ["", "report", "pdf"] or len(parts) > 5:
            return None
        report_name, docids = parts[3], parts[4] if len(parts) == 5 else ""
        ids = [int(i) for i in docids.split(",") if i.isdigit()]
    except (TypeError, ValueError, AttributeError, IndexError):
        return None
    return (report_name, ids) if report_name in READ_ONLY_REPORTS else None


def read_only_failure(exc):
    """The write refused by a read-only transaction that ``exc`` came from, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ReadOnlySqlTransaction):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


class ReadOnlyReportController(ReportController):
    def _report_download_readonly(self):
        """Whether the download runs on a read-only transaction (on the replica): only for
        the PDFs of ``READ_ONLY_REPORTS``; every other download stays read-write, as in Odoo.
        Decided from the request alone: no transaction is open yet."""
        try:
            data = request.get_http_params().get("data")
        except HTTPException:
            return False
        return read_only_report(data) is not None

    @http.route(readonly=_report_download_readonly)
    def report_download(self, data, context=None, token=None, readonly=True):
        """The download as Odoo makes it (file name, headers, error page). On the read-only
        transaction of one of our reports: the records to print that are not on the replica
        yet (the print dialog saved a moment before) are read on the primary, and a write
        refused there (none is expected) makes Odoo run the download again on the primary,
        rather than end in the error page."""
        target = request.env.cr.readonly and read_only_report(data)
        report = target and request.env["ir.actions.report"]._get_report_from_name(target[0])
        if not report:
            return super().report_download(data, context=context, token=token, readonly=readonly)
        with primary_if_missing(report.model, target[1]):
            try:
                return super().report_download(
                    data, context=context, token=token, readonly=readonly
                )
            except HTTPException as exc:
                refused = read_only_failure(exc)
                if refused is not None and request.env.cr.readonly:
                    raise refused from None
                raise
