"""The HTTP routes of Sales Follow-up and its reports, generated from the routes their
controllers declare (a route of ours without an entry in ``ROUTES`` fails): each answers a
malformed request with HTTP 400, another user's record with 403 and a record that does not
exist with 404, with a message for the user and no traceback; and every document it serves
(our PDFs through ``/report/download`` and ``/report/pdf|html/...``, the XLSX) is marked
``Cache-Control: no-store``."""

import html
import json

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.refusal import OUR_MODULES

FUNNEL = "sales_followup_reports.report_followup_funnel"
HISTORY = "sales_followup_reports.report_lead_followup_history"
XLSX = "/sales_followup_reports/funnel/<int:wizard_id>/xlsx"
# The routes of our controllers (their own, or Odoo's that they override): what each serves.
ROUTES = {
    XLSX: "The funnel as XLSX, for the person who filled the print dialog.",
    "/report/download": "The web client's downloads (our PDFs: checked, refused cleanly).",
    "/report/<converter>/<reportname>": "Our reports without records (funnel from options).",
    "/report/<converter>/<reportname>/<docids>": "Our reports of records (funnel, history).",
}
TRACES = (b"Traceback", b'File "', b"odoo/", b"psycopg2")


def our_routes(registry):
    """{url: endpoint} of the routes whose method is defined (or overridden) by our addons."""
    found = {}
    for url, endpoint in http._generate_routing_rules(registry._init_modules, nodb_only=False):
        method = endpoint.func
        name = method.__name__
        if any(
            name in cls.__dict__ and cls.__module__.split(".")[2:3] in ([m] for m in OUR_MODULES)
            for cls in type(method.__self__).mro()
        ):
            found[url] = endpoint
    return found


@tagged("post_install", "-at_install")
class TestRoutes(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, "rt_rep", "sales_team.group_sale_salesman", name="Route Rep", tz="UTC"
        )
        cls.rep_2 = new_test_user(
            cls.env, "rt_rep_2", "sales_team.group_sale_salesman", name="Route Rep Two", tz="UTC"
        )
        cls.leads = {
            user: cls.env["crm.lead"].create(
                {
                    "name": f"Route lead of {user.name}",
                    "type": "opportunity",
                    "partner_name": f"Route customer of {user.name}",
                    "user_id": user.id,
                }
            )
            for user in (cls.rep, cls.rep_2)
        }
        cls.dialogs = {
            user: cls.env["sales.followup.funnel.wizard"]
            .with_user(user)
            .create({"date_from": "2026-01-01", "date_to": "2026-03-31"})
            for user in (cls.rep, cls.rep_2)
        }
        cls.env.flush_all()

    def setUp(self):
        super().setUp()
        self.authenticate(self.rep.login, self.rep.login)

    def _download(self, data, context=None):
        return self.url_open(
            "/report/download",
            data={
                "data": data,
                **({"context": context} if context is not None else {}),
                "token": "dummy-because-api-expects-one",
                "csrf_token": http.Request.csrf_token(self),
            },
        )

    def _pdf(self, path):
        return json.dumps([path, "qweb-pdf"])

    def assertRefused(self, response, status, error):
        """A refusal: ``status``, a message for the user (the JSON error of ``error`` the web
        client shows) and no traceback nor server path, even in debug mode."""
        self.assertEqual(response.status_code, status, response.text[:300])
        for trace in TRACES:
            self.assertNotIn(trace, response.content)
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        body = json.loads(html.unescape(response.text))
        self.assertEqual(body["data"]["name"], error)
        self.assertTrue(body["data"]["message"])
        self.assertFalse(body["data"]["debug"])
        return body["data"]["message"]

    def assertDocument(self, response, content_type):
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertTrue(response.headers["Content-Type"].startswith(content_type))
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")

    def test_every_route_has_an_entry(self):
        routes = our_routes(self.registry)
        self.assertEqual(sorted(routes), sorted(ROUTES), "routes of ours and their entries")
        for url, endpoint in routes.items():
            self.assertEqual(endpoint.routing["auth"], "user", f"{url}: for signed-in users")

    def test_funnel_xlsx(self):
        own = f"/sales_followup_reports/funnel/{self.dialogs[self.rep].id}/xlsx"
        self.assertDocument(self.url_open(own), "application/vnd.openxmlformats")
        other = f"/sales_followup_reports/funnel/{self.dialogs[self.rep_2].id}/xlsx"
        self.assertRefused(self.url_open(other), 403, "odoo.exceptions.AccessError")
        missing = f"/sales_followup_reports/funnel/{self.dialogs[self.rep_2].id + 1000}/xlsx"
        self.assertRefused(self.url_open(missing), 404, "odoo.exceptions.MissingError")
        for wizard_id in (0, 2**31, 10**30):
            with self.subTest(wizard_id=wizard_id):
                message = self.assertRefused(
                    self.url_open(f"/sales_followup_reports/funnel/{wizard_id}/xlsx"),
                    400,
                    "odoo.exceptions.UserError",
                )
                self.assertIn(str(wizard_id)[:20], message)
        # Not an id at all: no such route.
        self.assertEqual(self.url_open("/sales_followup_reports/funnel/x/xlsx").status_code, 404)

    def test_download_of_malformed_requests(self):
        own = f"/report/pdf/{FUNNEL}/{self.dialogs[self.rep].id}"
        for data in (
            "not json",
            '{"a":1}',
            "[]",
            '["/report/pdf/x"]',
            '[1, "qweb-pdf"]',
            "null",
            "x" * 100000,
            self._pdf("/web/content/1"),
            self._pdf(f"{own}/1"),
            self._pdf(f"/report/pdf/{FUNNEL}/abc"),
            self._pdf(f"/report/pdf/{FUNNEL}/1²"),
            self._pdf(f"/report/pdf/{FUNNEL}/99999999999"),
            self._pdf(f"/report/pdf/{FUNNEL}?options=not-json"),
            self._pdf(f"/report/pdf/{FUNNEL}?context=%5B1%5D"),
        ):
            with self.subTest(data=data[:60]):
                self.assertRefused(self._download(data), 400, "odoo.exceptions.UserError")
        for context in ("not json", "[1]", '"x"'):
            with self.subTest(context=context):
                self.assertRefused(
                    self._download(self._pdf(own), context=context),
                    400,
                    "odoo.exceptions.UserError",
                )
        self.assertRefused(
            self._download(self._pdf(f"/report/pdf/{FUNNEL}x/1")),
            404,
            "odoo.exceptions.MissingError",
        )

    @mute_logger("odoo.addons.web.controllers.report")
    def test_download_of_another_users_record(self):
        for path, status in (
            (f"/report/pdf/{FUNNEL}/{self.dialogs[self.rep_2].id}", 403),
            (f"/report/pdf/{HISTORY}/{self.leads[self.rep_2].id}", 403),
            (f"/report/pdf/{HISTORY}/{self.leads[self.rep].id},{self.leads[self.rep_2].id}", 403),
            (f"/report/pdf/{FUNNEL}/{self.dialogs[self.rep_2].id + 1000}", 404),
        ):
            with self.subTest(path=path):
                error = {403: "odoo.exceptions.AccessError", 404: "odoo.exceptions.MissingError"}
                message = self.assertRefused(self._download(self._pdf(path)), status, error[status])
                self.assertNotIn(self.leads[self.rep_2].name, message)
                self.assertNotIn(self.rep_2.name, message)

    def test_downloads_of_ours_are_not_kept_in_a_cache(self):
        for path in (
            f"/report/pdf/{FUNNEL}/{self.dialogs[self.rep].id}",
            f"/report/pdf/{HISTORY}/{self.leads[self.rep].id}",
        ):
            with self.subTest(path=path):
                response = self._download(self._pdf(path))
                self.assertDocument(response, "application/pdf")
                self.assertIn("attachment", response.headers["Content-Disposition"])
        # Odoo's own reports stay as Odoo serves them.
        preview = self._download(
            self._pdf(f"/report/pdf/web.preview_internalreport/{self.env.company.id}")
        )
        self.assertEqual(preview.status_code, 200)
        self.assertNotEqual(preview.headers.get("Cache-Control"), "no-store")

    def test_report_routes(self):
        own = {
            FUNNEL: self.dialogs[self.rep].id,
            HISTORY: self.leads[self.rep].id,
        }
        other = {
            FUNNEL: self.dialogs[self.rep_2].id,
            HISTORY: self.leads[self.rep_2].id,
        }
        for converter in ("pdf", "html"):
            for report in (FUNNEL, HISTORY):
                with self.subTest(converter=converter, report=report):
                    path = f"/report/{converter}/{report}"
                    self.assertDocument(
                        self.url_open(f"{path}/{own[report]}"),
                        "application/pdf" if converter == "pdf" else "text/html",
                    )
                    for debug in ("", "?debug=1"):
                        message = self.assertRefused(
                            self.url_open(f"{path}/{other[report]}{debug}"),
                            403,
                            "odoo.exceptions.AccessError",
                        )
                        self.assertNotIn(self.leads[self.rep_2].name, message)
                    self.assertRefused(
                        self.url_open(f"{path}/{other[report] + 1000}"),
                        404,
                        "odoo.exceptions.MissingError",
                    )
                    for bad in ("abc", "1,x", "99999999999", "0"):
                        self.assertRefused(
                            self.url_open(f"{path}/{bad}"), 400, "odoo.exceptions.UserError"
                        )
                    for query in ("options=not-json", "context=%5B1%5D", "options=%22x%22"):
                        self.assertRefused(
                            self.url_open(f"{path}/{own[report]}?{query}"),
                            400,
                            "odoo.exceptions.UserError",
                        )
        # The funnel without a dialog, from its options: as the user, with what they may see.
        options = json.dumps({"date_from": "2026-01-01", "date_to": "2026-03-31"})
        funnel = self.url_open(f"/report/html/{FUNNEL}?options={options}")
        self.assertDocument(funnel, "text/html")
        self.assertNotIn(self.leads[self.rep_2].name, funnel.text)
        self.assertRefused(
            self.url_open(f"/report/html/sales_followup_reports.nothing/{own[FUNNEL]}"),
            404,
            "odoo.exceptions.MissingError",
        )
        # Signed out: to the login page, nothing else.
        self.logout()
        response = self.url_open(f"/report/pdf/{HISTORY}/{own[HISTORY]}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
