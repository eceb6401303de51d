import json
from urllib.parse import parse_qs, urlsplit

from psycopg2.errors import ReadOnlySqlTransaction
from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.report import ReportController

from .refusal import (
    OUR_MODULES,
    bad_request,
    cause_of,
    json_object,
    not_found,
    record_ids,
    refusal_of,
    shorten,
    user_error_of,
)
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
    anything else, and for anything malformed (which the download refuses)."""
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


def is_our_report(report_name):
    """Whether ``report_name`` is a report of Sales Follow-up or its reports (a document of
    ours: refused without a traceback, never kept in a cache)."""
    return isinstance(report_name, str) and report_name.split(".", 1)[0] in OUR_MODULES


def download_target(data):
    """(report name, record ids as sent) of a download (``data``, the JSON of ``[URL, report
    type]`` that the web client posts to ``/report/download``) of a PDF or text report; None for
    the other report types, which Odoo leaves alone. A request that is not such a download is
    refused (HTTP 400) by naming what is wrong with it."""
    try:
        content = json.loads(data) if isinstance(data, (str, bytes)) else None
    except ValueError:
        content = None
    if not (
        isinstance(content, list)
        and len(content) >= 2
        and isinstance(content[0], str)
        and isinstance(content[1], str)
    ):
        raise bad_request(
            request.env._(
                "Download: %(value)s is not a report to download (the JSON of [report URL, "
                "report type] is expected).",
                value=shorten(data),
            )
        )
    url, report_type = content[0], content[1]
    pattern = {"qweb-pdf": "/report/pdf/", "qweb-text": "/report/text/"}.get(report_type)
    if not pattern:
        return None
    path = url.split(pattern, 1)[1].split("?", 1)[0] if pattern in url else ""
    report_name, _sep, docids = path.partition("/")
    if not report_name or "/" in docids:
        raise bad_request(
            request.env._(
                "Report URL: %(value)s is not the address of a report.", value=shorten(url)
            )
        )
    if docids and record_ids(docids) is None:
        raise bad_request(
            request.env._("Records: %(value)s is not a list of record ids.", value=shorten(docids))
        )
    query = parse_qs(urlsplit(url).query)
    _ = request.env._
    for key, label in (("options", _("Options")), ("context", _("Context"))):
        for value in query.get(key, ()):
            if json_object(value) is None:
                raise bad_request(
                    _(
                        "%(parameter)s: %(value)s is not a JSON object.",
                        parameter=label,
                        value=shorten(value),
                    )
                )
    return report_name, docids


def read_only_failure(exc):
    """The write refused by a read-only transaction that ``exc`` came from, if any."""
    return cause_of(exc, ReadOnlySqlTransaction)


class ReadOnlyReportController(ReportController):
    def _report_download_readonly(self, *_route):
        """Whether the download runs on a read-only transaction (on the replica): only for
        the PDFs of ``READ_ONLY_REPORTS``; every other download stays read-write, as in Odoo.
        Decided from the request alone: no transaction is open yet (19.0 also passes the
        route's rule and arguments, which say nothing more)."""
        try:
            data = request.get_http_params().get("data")
        except HTTPException:
            return False
        return read_only_report(data) is not None

    @http.route()
    def report_routes(self, reportname, docids=None, converter=None, **data):
        """Our reports as Odoo prints them, with what a document of ours needs: malformed ids,
        options or context refused (HTTP 400), a record the user may not see or that does not
        exist refused (403, 404) without a traceback, and the document never kept in a cache
        (it holds customers and figures of the user's own scope)."""
        if not is_our_report(reportname):
            return super().report_routes(reportname, docids=docids, converter=converter, **data)
        try:
            response = self._our_report(reportname, docids, converter, data)
        except HTTPException as refusal:
            # Within a download, the refusal is the download's to answer; opened directly, it
            # is the answer itself (not the website's error page, which shows the traceback in
            # debug mode).
            if request.httprequest.path == "/report/download":
                raise
            return refusal.get_response()
        response.headers["Cache-Control"] = "no-store"
        return response

    def _our_report(self, reportname, docids, converter, data):
        _ = request.env._
        if docids and record_ids(docids) is None:
            raise bad_request(
                _("Records: %(value)s is not a list of record ids.", value=shorten(docids))
            )
        for key, label in (("options", _("Options")), ("context", _("Context"))):
            if data.get(key) and json_object(data[key]) is None:
                raise bad_request(
                    _(
                        "%(parameter)s: %(value)s is not a JSON object.",
                        parameter=label,
                        value=shorten(data[key]),
                    )
                )
        if not request.env["ir.actions.report"]._get_report_from_name(reportname):
            raise not_found(
                _("Report: %(value)s is not a report of this database.", value=reportname)
            )
        try:
            return super().report_routes(reportname, docids=docids, converter=converter, **data)
        except Exception as exc:
            error = user_error_of(exc)
            if error is None:
                raise
            raise refusal_of(error) from None

    @http.route(readonly=_report_download_readonly)
    def report_download(self, data, context=None, token=None, readonly=True):
        """The download as Odoo makes it (file name, headers), after checking the request: one
        that is not a download of a report is refused (HTTP 400), and the download of a record
        the user may not see or that does not exist is refused (403, 404) without Odoo's error
        page and its traceback.

        On the read-only transaction of one of our reports: the records to print that are not
        on the replica yet (the print dialog saved a moment before) are read on the primary,
        and a write refused there (none is expected) makes Odoo run the download again on the
        primary, rather than end in the error page."""
        _ = request.env._
        target = download_target(data)
        if context and json_object(context) is None:
            raise bad_request(
                _(
                    "%(parameter)s: %(value)s is not a JSON object.",
                    parameter=_("Context"),
                    value=shorten(context),
                )
            )
        if target and not request.env["ir.actions.report"]._get_report_from_name(target[0]):
            raise not_found(
                _("Report: %(value)s is not a report of this database.", value=target[0])
            )
        try:
            return self._report_download_checked(data, context=context, token=token)
        except HTTPException as exc:
            # Odoo turns any error of the download into its error page (with the traceback):
            # a refusal is answered as such instead.
            cause = exc.__cause__
            if isinstance(cause, HTTPException):
                raise cause from None
            error = user_error_of(cause)
            if error is not None:
                raise refusal_of(error) from None
            raise

    def _report_download_checked(self, data, context=None, token=None):
        target = request.env.cr.readonly and read_only_report(data)
        report = target and request.env["ir.actions.report"]._get_report_from_name(target[0])
        if not report:
            return super().report_download(data, context=context, token=token)
        with primary_if_missing(report.model, target[1]):
            try:
                return super().report_download(data, context=context, token=token)
            except HTTPException as exc:
                refused = read_only_failure(exc)
                if refused is not None and request.env.cr.readonly:
                    raise refused from None
                raise
