"""With a database replica (``--db_replica_host``), Odoo runs the read-only routes (the reports'
``/report/pdf|html/...``, the web client's downloads of the funnel and lead history PDFs, the
funnel's XLSX download) and the ``@api.readonly`` methods (the pivot's and graph's
``web_read_group``, the lists' ``web_search_read``...) on the replica, in a transaction
PostgreSQL refuses to write in; a write fails there and the request is run again on the
primary, with a warning in the server log. The reports write nothing: the funnel analysis, the
pool analysis, the printed funnel and lead history, and the XLSX."""

import html
import io
import json
import logging
import socket
from unittest.mock import patch

import openpyxl

from odoo import http
from odoo.http import content_disposition
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from odoo.addons.sales_followup.compat import (
    READ_ONLY_REQUEST_CURSORS,
    web_group_value,
    web_groups,
    web_read_group_kwargs,
)
from odoo.addons.sales_followup.tests.common import read_only_transaction, request_cursors

from ..controllers.report import READ_ONLY_REPORTS, read_only_report
from .common import FunnelCommon
from .test_report_print import flat, pdf_pages

RATES = ["conversion_rate:avg", "first_contact_rate:avg", "on_rhythm_rate:avg"]


class ReadOnlyCommon(FunnelCommon):
    """The funnel's first quarter, with the pool switched on and Rep A's L7 (of December)
    released to the pool on 2026-03-25 09:00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_pool("2026-03-01")
        with cls._frozen("2026-03-25 09:00:00"):
            cls.l7.with_user(cls.rep_a)._followup_release("Not our market")
            cls.env.flush_all()

    def _funnel_pivot(self, groupby, orderby=False):
        Funnel = self.env["sales.followup.funnel.report"].with_user(self.manager)
        domain = [("start_date", ">=", self.q1[0]), ("start_date", "<=", self.q1[1])]
        return web_groups(Funnel, domain, groupby, ["nbr:sum", *RATES, "__count"], order=orderby)

    def assertFunnelFigures(self, text):
        """The Q1 funnel: 6 new leads, 2 won (33.3%), first contact in the window for 3 of 6
        (50.0%), 4 of 6 follow-ups on rhythm (66.7%), 21.5 days to win."""
        for expected in ("33.3%", "50.0%", "66.7%", "21.5", "Rep A", "Rep B", "Rep C"):
            self.assertIn(expected, text)


@tagged("post_install", "-at_install")
class TestReadOnlyReports(ReadOnlyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf fetches the report's CSS from this server.
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )

    def test_funnel_pivot_and_graph(self):
        with read_only_transaction(self.env):
            by_user = self._funnel_pivot(["user_id"], orderby="user_id")
            by_month = self._funnel_pivot(["start_date:month"])
        self.assertEqual(
            [(group["user_id"][1], group["nbr"]) for group in by_user],
            [("Rep A", 3), ("Rep B", 2), ("Rep C", 1)],
            "salespeople by name, as the pivot orders them",
        )
        rates = {group["user_id"][1]: group["conversion_rate"] for group in by_user}
        self.assertAlmostEqual(rates["Rep A"], 1 / 3)
        self.assertAlmostEqual(rates["Rep B"], 1 / 2)
        self.assertEqual([group["nbr"] for group in by_month], [2, 2, 2])

    def test_pool_analysis_pivot(self):
        Pool = self.env["sales.followup.pool.report"].with_user(self.manager)
        with read_only_transaction(self.env):
            groups = web_groups(
                Pool,
                [("date", ">=", "2026-03-01"), ("date", "<", "2026-04-01")],
                ["user_id"],
                ["releases:sum", "claims:sum", "in_pool_now:sum", "pool_days:avg"],
            )
        [rep_a] = [group for group in groups if group["user_id"][1] == "Rep A"]
        self.assertEqual(rep_a["releases"], 1)
        self.assertEqual(rep_a["in_pool_now"], 1)
        self.assertEqual(sum(group["releases"] for group in groups), 1)

    def test_funnel_pdf(self):
        wizard = self._wizard()
        Report = self.env["ir.actions.report"].with_user(self.manager)
        with read_only_transaction(self.env):
            content, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
                "sales_followup_reports.action_report_followup_funnel", wizard.ids
            )
        self.assertEqual(kind, "pdf")
        text = flat("\n".join(pdf_pages(content)))
        self.assertIn("Follow-up Funnel", text)
        self.assertIn("Period: 01/01/2026 – 03/31/2026", text)
        self.assertFunnelFigures(text)

    def test_funnel_html_without_a_dialog(self):
        """The report printed from its period and filters alone (no saved dialog)."""
        Report = self.env["ir.actions.report"].with_user(self.manager)
        with read_only_transaction(self.env):
            html, _kind = Report._render_qweb_html(
                "sales_followup_reports.action_report_followup_funnel",
                [],
                data={
                    "date_from": "2026-01-01",
                    "date_to": "2026-03-31",
                    "team_ids": self.teams.ids,
                    "breakdown": "user_id",
                },
            )
        self.assertFunnelFigures(flat(html.decode()))

    def test_lead_history_pdf_of_a_salesperson(self):
        """A salesperson prints the history of his own lead."""
        Report = self.env["ir.actions.report"].with_user(self.rep_b)
        with read_only_transaction(self.env):
            content, _kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
                "sales_followup_reports.action_report_lead_followup_history", self.l3.ids
            )
        text = flat("\n".join(pdf_pages(content)))
        self.assertIn("Follow-up History", text)
        self.assertIn("Contact on 2026-02-01 10:00:00", text)
        self.assertIn("(no response)", text, "the 2026-02-10 call went unanswered")

    def test_xlsx(self):
        wizard = self._wizard().with_user(self.manager)
        with read_only_transaction(self.env):
            content, filename = wizard._xlsx_export()
        self.assertEqual(filename, "followup_funnel_2026-01-01_2026-03-31.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(content))
        kpis = {row[0]: row[1] for row in book["KPIs"].iter_rows(values_only=True) if row[0]}
        self.assertEqual(kpis["New leads"], 6)
        self.assertEqual(kpis["Converted"], 2)
        self.assertAlmostEqual(kpis["On-rhythm follow-up rate"], 4 / 6)
        headings, *rows = book["Discipline"].iter_rows(values_only=True)
        discipline = {row[0]: dict(zip(headings, row, strict=True)) for row in rows}
        self.assertEqual(discipline["Rep A"]["Releases"], 1)
        self.assertEqual(discipline["Rep A"]["Leads"], 3)


@tagged("post_install", "-at_install")
class TestReadOnlyRoutes(ReadOnlyCommon, HttpCase):
    """The routes as the browser calls them, on the read-only transactions Odoo's test server
    gives the read-only routes and methods, as a replica would."""

    def setUp(self):
        super().setUp()
        self.authenticate(self.manager.login, self.manager.login)
        # The session's first request records the device (on a read-write transaction).
        self.make_jsonrpc_request("/web/session/get_session_info")
        self.wizard = self._wizard()
        self.env.flush_all()

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _kpis(self, response):
        self.assertEqual(response.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return {row[0]: row[1] for row in book["KPIs"].iter_rows(values_only=True) if row[0]}

    def test_reports_and_analyses_read_on_read_only_transactions(self):
        q1 = [("start_date", ">=", "2026-01-01"), ("start_date", "<=", "2026-03-31")]
        with (
            self.assertNoLogs("odoo.http", logging.WARNING),
            request_cursors(self.registry) as cursors,
        ):
            html = self.url_open(
                f"/report/html/sales_followup_reports.report_followup_funnel/{self.wizard.id}"
            )
            # In tests Odoo renders the PDF route's report as HTML (no wkhtmltopdf).
            history = self.url_open(
                f"/report/pdf/sales_followup_reports.report_lead_followup_history/{self.l3.id}"
            )
            xlsx = self.url_open(f"/sales_followup_reports/funnel/{self.wizard.id}/xlsx")
            groups = self._call_kw(
                "sales.followup.funnel.report",
                "web_read_group",
                [q1],
                web_read_group_kwargs(["user_id"], ["nbr:sum", *RATES], order="user_id"),
            )["groups"]
            pool = self._call_kw(
                "sales.followup.pool.report",
                "web_read_group",
                [[]],
                web_read_group_kwargs(["user_id"], ["releases:sum"]),
            )["groups"]
            totals = self._call_kw(
                "sales.followup.funnel.report",
                "get_funnel_data",
                [q1],
                {"breakdown": "grade"},
            )["totals"]
        # Each request on read-only transactions (18.0: one to find the route, one to run it).
        self.assertEqual(cursors, READ_ONLY_REQUEST_CURSORS * 6)
        self.assertEqual(html.status_code, 200)
        self.assertFunnelFigures(flat(html.text))
        self.assertEqual(history.status_code, 200)
        self.assertIn("Contact on 2026-02-01 10:00:00", history.text)
        self.assertEqual(self._kpis(xlsx)["New leads"], 6)
        self.assertEqual([web_group_value(group, "nbr:sum") for group in groups], [3, 2, 1])
        releases = {
            group["user_id"][1]: web_group_value(group, "releases:sum")
            for group in pool
            if group["user_id"]
        }
        self.assertEqual(releases["Rep A"], 1)
        self.assertEqual((totals["leads"], totals["converted"]), (6, 2))

    def test_xlsx_of_a_dialog_the_replica_does_not_have_yet(self):
        """The dialog saved on the primary a moment ago is not on the replica yet: the XLSX is
        made on the primary."""
        Wizard = type(self.env["sales.followup.funnel.wizard"])
        exists = Wizard.exists

        def exists_on_the_primary(records):
            return records.browse() if records.env.cr.readonly else exists(records)

        with (
            patch.object(Wizard, "exists", exists_on_the_primary),
            self.assertNoLogs("odoo.http", logging.WARNING),
            request_cursors(self.registry) as cursors,
        ):
            xlsx = self.url_open(f"/sales_followup_reports/funnel/{self.wizard.id}/xlsx")
            missing = self.url_open(f"/sales_followup_reports/funnel/{self.wizard.id + 1}/xlsx")
        self.assertEqual(self._kpis(xlsx)["New leads"], 6)
        self.assertEqual(missing.status_code, 404)
        self.assertEqual(cursors, [*READ_ONLY_REQUEST_CURSORS, "rw"] * 2)

    def test_a_write_on_a_read_only_route_is_seen(self):
        """The checks above see a write: it fails on the read-only transaction, and Odoo runs
        the request again on a read-write one, with a warning."""
        Wizard = type(self.env["sales.followup.funnel.wizard"])
        xlsx_export = Wizard._xlsx_export

        def writing_export(wizard):
            wizard.env["ir.config_parameter"].sudo().set_param("sales_followup.test_write", "1")
            wizard.env.flush_all()
            return xlsx_export(wizard)

        with (
            patch.object(Wizard, "_xlsx_export", writing_export),
            self.assertLogs("odoo.http", logging.WARNING) as logs,
            request_cursors(self.registry) as cursors,
        ):
            xlsx = self.url_open(f"/sales_followup_reports/funnel/{self.wizard.id}/xlsx")
        self.assertEqual(self._kpis(xlsx)["New leads"], 6, "made on the read-write transaction")
        self.assertEqual(cursors, [*READ_ONLY_REQUEST_CURSORS, "rw"])
        self.assertIn("read-only transaction, retrying with a read/write cursor", logs.output[0])


@tagged("post_install", "-at_install")
class TestReadOnlyDownloads(ReadOnlyCommon, HttpCase):
    """The web client's PDF downloads (``/report/download``): those of the funnel and the lead
    history run on read-only transactions, every other one as in Odoo."""

    FUNNEL = "sales_followup_reports.report_followup_funnel"
    HISTORY = "sales_followup_reports.report_lead_followup_history"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf would fetch the report's CSS from this server, which cannot answer it
        # while the download holds the test transaction: point it at an address that refuses
        # at once, and the PDF prints unstyled.
        nowhere = socket.socket()
        cls.addClassCleanup(nowhere.close)
        nowhere.bind(("127.0.0.1", 0))
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{nowhere.getsockname()[1]}"
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.manager.login, self.manager.login)
        # The session's first request records the device (on a read-write transaction).
        self.make_jsonrpc_request("/web/session/get_session_info")
        self.wizard = self._wizard()
        self.env.flush_all()

    def _download(self, url, report_type="qweb-pdf", context=None):
        """The download as the web client asks for it: the report's URL and type, the user's
        context. In tests Odoo renders a PDF report as HTML unless told otherwise."""
        return self.url_open(
            "/report/download",
            data={
                "data": json.dumps([url, report_type]),
                "context": json.dumps({"lang": "en_US", "tz": "UTC", **(context or {})}),
                "token": "dummy-because-api-expects-one",
                "csrf_token": http.Request.csrf_token(self),
            },
            timeout=60,
        )

    def assertDownloaded(self, response, filename):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(
            response.headers["Content-Disposition"], content_disposition(f"{filename}.pdf")
        )

    def assertRefused(self, response, status, error):
        """A download refused (see test_routes): its status and JSON error, HTML-escaped, with
        no traceback."""
        self.assertEqual(response.status_code, status)
        page = json.loads(html.unescape(response.text))
        self.assertEqual(page["data"]["name"], error)
        self.assertFalse(page["data"]["debug"])

    def test_pdfs_download_on_read_only_transactions(self):
        pdf = {"force_report_rendering": True}
        with (
            self.assertNoLogs("odoo.http", logging.WARNING),
            request_cursors(self.registry) as cursors,
        ):
            funnel = self._download(f"/report/pdf/{self.FUNNEL}/{self.wizard.id}", context=pdf)
            history = self._download(f"/report/pdf/{self.HISTORY}/{self.l3.id}", context=pdf)
        # Each download on read-only transactions (18.0: one to find the route, one to run it).
        self.assertEqual(cursors, READ_ONLY_REQUEST_CURSORS * 2)
        self.assertDownloaded(funnel, "Follow-up funnel 2026-01-01 - 2026-03-31")
        self.assertTrue(funnel.content.startswith(b"%PDF-"))
        self.assertFunnelFigures(flat("\n".join(pdf_pages(funnel.content))))
        self.assertDownloaded(history, f"Follow-up history - {self.l3.followup_code}")
        history_text = flat("\n".join(pdf_pages(history.content)))
        self.assertIn("Contact on 2026-02-01 10:00:00", history_text)

    def test_a_dialog_the_replica_does_not_have_yet(self):
        """The dialog saved on the primary a moment ago is not on the replica yet: the funnel
        is read on the primary, with the same file name; a dialog on neither is not found
        there."""
        Wizard = type(self.env["sales.followup.funnel.wizard"])
        exists = Wizard.exists

        def exists_on_the_primary(records):
            return records.browse() if records.env.cr.readonly else exists(records)

        with (
            patch.object(Wizard, "exists", exists_on_the_primary),
            self.assertNoLogs("odoo.http", logging.WARNING),
            self.assertLogs("odoo.addons.web.controllers.report", logging.WARNING) as logs,
            request_cursors(self.registry) as cursors,
        ):
            funnel = self._download(f"/report/pdf/{self.FUNNEL}/{self.wizard.id}")
            missing = self._download(f"/report/pdf/{self.FUNNEL}/{self.wizard.id + 1}")
        self.assertEqual(cursors, [*READ_ONLY_REQUEST_CURSORS, "rw"] * 2)
        self.assertDownloaded(funnel, "Follow-up funnel 2026-01-01 - 2026-03-31")
        self.assertFunnelFigures(flat(funnel.text))
        self.assertRefused(missing, 404, "odoo.exceptions.MissingError")
        self.assertEqual(len(logs.output), 1)
        self.assertIn(f"Error while generating report {self.FUNNEL}", logs.output[0])

    def test_a_write_on_a_read_only_download_is_run_again_on_the_primary(self):
        """Our reports write nothing; if one did, the download would fail on the replica and
        Odoo would make it again on the primary, with a warning, instead of an error page."""
        Report = type(self.env["report.sales_followup_reports.report_followup_funnel"])
        get_report_values = Report._get_report_values

        def writing_report_values(report, docids, data=None):
            report.env["ir.config_parameter"].sudo().set_param("sales_followup.test_write", "1")
            report.env.flush_all()
            return get_report_values(report, docids, data=data)

        with (
            patch.object(Report, "_get_report_values", writing_report_values),
            self.assertLogs("odoo.http", logging.WARNING) as logs,
            self.assertLogs("odoo.addons.web.controllers.report", logging.WARNING),
            request_cursors(self.registry) as cursors,
        ):
            funnel = self._download(f"/report/pdf/{self.FUNNEL}/{self.wizard.id}")
        self.assertEqual(cursors, [*READ_ONLY_REQUEST_CURSORS, "rw"])
        self.assertIn("read-only transaction, retrying with a read/write cursor", logs.output[0])
        self.assertDownloaded(funnel, "Follow-up funnel 2026-01-01 - 2026-03-31")
        self.assertFunnelFigures(flat(funnel.text))

    def test_other_downloads_as_in_odoo(self):
        """Odoo's own reports, other report types and malformed requests: read-write, as in
        Odoo, with its file names; an unknown report and a malformed address are refused
        (test_routes has every refusal)."""
        company = self.env.company
        with (
            self.assertNoLogs("odoo.http", logging.WARNING),
            self.assertNoLogs("odoo.addons.web.controllers.report", logging.WARNING),
            request_cursors(self.registry) as cursors,
        ):
            preview = self._download(f"/report/pdf/web.preview_internalreport/{company.id}")
            unknown = self._download(f"/report/pdf/{self.HISTORY}x/{self.l3.id}")
            too_deep = self._download(f"/report/pdf/{self.HISTORY}/{self.l3.id}/1")
        self.assertEqual(cursors, ["ro", "rw"] * 3)
        self.assertDownloaded(preview, "Preview Internal Report")
        self.assertIn(company.name, preview.text)
        self.assertRefused(unknown, 404, "odoo.exceptions.MissingError")
        self.assertRefused(too_deep, 400, "odoo.exceptions.UserError")

    def test_read_only_reports_store_no_attachment(self):
        """Printing them writes nothing: no copy of the PDF is kept."""
        Report = self.env["ir.actions.report"]
        for name in READ_ONLY_REPORTS:
            report = Report._get_report_from_name(name)
            self.assertTrue(report, name)
            self.assertFalse(report.attachment or report.attachment_use, name)

    def test_read_only_downloads(self):
        """Which downloads run on a read-only transaction (decided before any is open)."""
        lead = f"/report/pdf/{self.HISTORY}/{self.l3.id}"
        ours = {
            (lead, "qweb-pdf"): (self.HISTORY, self.l3.ids),
            (f"{lead},{self.l1.id}", "qweb-pdf"): (self.HISTORY, (self.l3 | self.l1).ids),
            (f"{lead}?context=%7B%7D", "qweb-pdf"): (self.HISTORY, self.l3.ids),
            (f"/report/pdf/{self.FUNNEL}?options=%7B%7D", "qweb-pdf"): (self.FUNNEL, []),
            (f"http://example.com/report/pdf/{self.FUNNEL}/1", "qweb-pdf"): (self.FUNNEL, [1]),
        }
        for (url, report_type), target in ours.items():
            self.assertEqual(read_only_report(json.dumps([url, report_type])), target, url)
        for data in [
            ["/report/pdf/base.report_ir_model_overview/1", "qweb-pdf"],
            [f"/report/text/{self.HISTORY}/1", "qweb-text"],
            [f"/report/html/{self.HISTORY}/1", "qweb-html"],
            [lead, "qweb-text"],
            [f"{lead}/1", "qweb-pdf"],
            [f"/report/pdf/{self.HISTORY}/1²", "qweb-pdf"],
            [f"/web/report/pdf/{self.HISTORY}/1", "qweb-pdf"],
            [lead],
            {lead: 1, "qweb-pdf": 2},
            [1, "qweb-pdf"],
        ]:
            self.assertIsNone(read_only_report(json.dumps(data)), data)
        for data in ["", "[", None]:
            self.assertIsNone(read_only_report(data), data)
