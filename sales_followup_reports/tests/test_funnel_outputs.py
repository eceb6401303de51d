import io

import openpyxl
from PyPDF2 import PdfReader

from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.sales_followup.compat import USER_GROUPS

from .common import FunnelCommon


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def pdf_fonts(reader):
    fonts = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for font in (resources.get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    return fonts


@tagged("post_install", "-at_install")
class TestFunnelOutputs(FunnelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf fetches the report's CSS from this server (the test HTTP server when the
        # suite runs with one; without it the PDF still renders, unstyled).
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )

    def _pdf(self, report_xmlid, records, user=None):
        Report = self.env["ir.actions.report"].with_user(user or self.manager)
        content, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report_xmlid, records.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        return content

    def test_pdf_holds_the_kpis_in_chinese_capable_font(self):
        wizard = self._wizard()
        action = wizard.action_print_pdf()
        self.assertEqual(action["report_name"], "sales_followup_reports.report_followup_funnel")
        text, reader = pdf_text(
            self._pdf("sales_followup_reports.action_report_followup_funnel", wizard)
        )
        flat = " ".join(text.split())
        for expected in ("33.3%", "50.0%", "66.7%", "21.5", "New leads", "Rep A", "Rep B"):
            self.assertIn(expected, flat)
        self.assertIn("展会", text, "Chinese source names are rendered as text")
        self.assertTrue(
            any("WenQuanYi" in font for font in pdf_fonts(reader)),
            "the reports' font, with Chinese and Latin letters, is embedded",
        )

    def test_pdf_for_a_period_without_data_says_so(self):
        wizard = self._wizard(date_from="2030-01-01", date_to="2030-03-31")
        text, _reader = pdf_text(
            self._pdf("sales_followup_reports.action_report_followup_funnel", wizard)
        )
        self.assertIn("no cohort to report", " ".join(text.split()))

    def test_salesman_pdf_has_only_his_leads(self):
        wizard = self._wizard(user=self.rep_a)
        text, _reader = pdf_text(
            self._pdf("sales_followup_reports.action_report_followup_funnel", wizard, self.rep_a)
        )
        flat = " ".join(text.split())
        self.assertIn("Rep A", flat)
        self.assertNotIn("Rep B", flat)
        self.assertNotIn("Rep C", flat)

    def test_xlsx_has_the_same_numbers(self):
        wizard = self._wizard()
        data = wizard.get_report_data()
        action = wizard.action_export_xlsx()
        self.assertEqual(action["url"], f"/sales_followup_reports/funnel/{wizard.id}/xlsx")
        content, filename = wizard._xlsx_export()
        self.assertEqual(filename, "followup_funnel_2026-01-01_2026-03-31.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(content))
        kpis = {row[0]: row[1] for row in book["KPIs"].iter_rows(values_only=True) if row[0]}
        totals = data["totals"]
        self.assertEqual(kpis["New leads"], totals["leads"])
        self.assertEqual(kpis["Converted"], totals["converted"])
        self.assertAlmostEqual(kpis["Conversion rate"], totals["conversion_rate"])
        self.assertAlmostEqual(kpis["Average cycle days"], totals["cycle_days"])
        self.assertAlmostEqual(kpis["On-rhythm follow-up rate"], 4 / 6)
        sources = {row[0]: row for row in book["Source"].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(sources["展会 Expo"][1], 3)
        discipline = {
            row[0]: row for row in book["Discipline"].iter_rows(min_row=2, values_only=True)
        }
        self.assertAlmostEqual(discipline["Rep A"][3], 1 / 3)

    def test_lead_history_report(self):
        text, _reader = pdf_text(
            self._pdf("sales_followup_reports.action_report_lead_followup_history", self.l3)
        )
        flat = " ".join(text.split())
        for header in (
            "Date",
            "Method",
            "Content",
            "Customer feedback",
            "Next plan",
            "Follow-up person",
        ):
            self.assertIn(header, flat)
        self.assertIn("Contact on 2026-02-01 10:00:00", flat)
        self.assertIn("(no response)", flat)
        self.assertLess(flat.index("2026-02-01 10:00:00"), flat.index("2026-02-10 10:00:00"))

    def test_lead_history_shows_the_visit_checkin(self):
        self.env["sales.followup.log"].with_user(self.l3.user_id).create(
            {
                "lead_id": self.l3.id,
                "method": "visit",
                "summary": "Visited the plant with the engineer",
                "checkin_latitude": 30.0023,
                "checkin_longitude": 120.5811,
                "checkin_accuracy": 25.0,
            }
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html(
                "sales_followup_reports.action_report_lead_followup_history", self.l3.ids
            )
        )
        html = html.decode()
        self.assertIn(
            'href="https://www.openstreetmap.org/?mlat=30.002300&amp;mlon=120.581100', html
        )
        self.assertIn("(±25 m)", html)

    def test_layout_holds_50_salespeople_and_30_sources(self):
        group = self.env.ref("sales_team.group_sale_salesman")
        users = self.env["res.users"].create(
            [
                {
                    "name": f"Salesperson {i:02d}",
                    "login": f"fr_bulk_{i}",
                    USER_GROUPS: [(6, 0, group.ids)],
                }
                for i in range(50)
            ]
        )
        sources = self.env["utm.source"].create(
            [{"name": f"来源 Source {i:02d}"} for i in range(30)]
        )
        team = self.env["crm.team"].create({"name": "Bulk team"})
        with self._frozen("2026-02-20 09:00:00"):
            self.env["crm.lead"].create(
                [
                    {
                        "name": f"Bulk {i}",
                        "user_id": users[i % 50].id,
                        "source_id": sources[i % 30].id,
                        "team_id": team.id,
                    }
                    for i in range(150)
                ]
            )
            self.env.flush_all()
        wizard = self._wizard(team_ids=[(6, 0, team.ids)])
        text, reader = pdf_text(
            self._pdf("sales_followup_reports.action_report_followup_funnel", wizard)
        )
        flat = " ".join(text.split())
        for user in users:
            self.assertIn(user.name, flat)
        for source in sources:
            self.assertIn(source.name, flat)
        self.assertLessEqual(len(reader.pages), 6, "A4 pages, not one per row")
        width, height = (float(v) for v in reader.pages[0].mediabox[2:])
        self.assertAlmostEqual(width / height, 210 / 297, places=2, msg="A4 portrait")
