"""The printed reports as company documents: letterhead, title and period, paper format, the
history's attitude / response / check-in / risks, the funnel's list of leads at risk, and
Chinese text that copies out of the PDF as it was printed.

The PDFs are read with poppler's pdftotext (a requirement of the development setup, as
wkhtmltopdf is): it reads the PDF's ToUnicode maps the way a PDF viewer's copy does.
"""

import shutil
import subprocess
import tempfile
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config

from ..report import report_followup_funnel as funnel_report
from .common import FunnelCommon

# Kangxi radicals and CJK radicals supplement: what a broken ToUnicode map gives for 户, 日...
RADICALS = range(0x2E80, 0x2FE0)


def pdf_pages(content):
    """The text of each page of a PDF, as pdftotext gives it."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is required to check the printed text"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        text = subprocess.run(
            [pdftotext, "-enc", "UTF-8", pdf.name, "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def flat(text):
    return " ".join(text.split())


def page_size(content):
    pdfinfo = shutil.which("pdfinfo")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        info = subprocess.run(
            [pdfinfo, pdf.name], check=True, capture_output=True, text=True
        ).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, _x, height = size.split(":", 1)[1].split()[:3]
    return float(width), float(height)


@tagged("post_install", "-at_install")
class TestReportPrint(FunnelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf fetches the report's CSS (and so its fonts) from this server.
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )
        cls.env.company.write(
            {
                "name": "Hangzhou Follow-up Trading",
                "street": "88 Binjiang Road",
                "city": "Hangzhou",
                "zip": "310000",
                "country_id": cls.env.ref("base.cn").id,
            }
        )
        cls.l3.partner_id.name = "杭州明达机械有限公司"
        cls.visit = (
            cls.env["sales.followup.log"]
            .with_user(cls.rep_b)
            .create(
                {
                    "lead_id": cls.l3.id,
                    "method": "visit",
                    "summary": "Visited the plant with the engineer",
                    "customer_words": "下个月再谈价格",
                    "sentiment": "hesitant",
                    "checkin_latitude": 30.0023,
                    "checkin_longitude": 120.5811,
                    "checkin_accuracy": 25.0,
                }
            )
        )
        cls.risk_type = cls.env.ref("sales_followup.risk_type_requirement_change")
        cls.l5.partner_id.name = "宁波海达电子有限公司"
        cls.risks = (
            cls.env["sales.followup.risk"]
            .with_user(cls.manager)
            .create(
                [
                    {"lead_id": cls.l3.id, "type_id": cls.risk_type.id, "note": "New drawings"},
                    {"lead_id": cls.l5.id, "type_id": cls.risk_type.id},
                ]
            )
        )

    def _pdf(self, report_xmlid, records, lang=None):
        Report = self.env["ir.actions.report"].with_user(self.manager)
        if lang:
            Report = Report.with_context(lang=lang)
            records = records.with_context(lang=lang)
        content, _kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report_xmlid, records.ids
        )
        return content

    def test_funnel_is_a_company_document(self):
        content = self._pdf("sales_followup_reports.action_report_followup_funnel", self._wizard())
        pages = pdf_pages(content)
        first = flat(pages[0])
        # The letterhead opens the first page (no blank band for a header the engine may not
        # print), then the title and the period.
        self.assertTrue(first.startswith("Hangzhou Follow-up Trading"), first[:200])
        for expected in ("88 Binjiang Road", "Hangzhou", "310000", "China"):
            self.assertIn(expected, first.split("Follow-up Funnel")[0])
        self.assertIn("Follow-up Funnel", first)
        self.assertIn("Period: 01/01/2026 – 03/31/2026", first)
        self.assertLess(first.index("Follow-up Funnel"), first.index("Leads that came in"))
        width, height = page_size(content)
        self.assertAlmostEqual(width / height, 210 / 297, places=2, msg="A4 portrait")

    def test_history_is_a_company_document_in_landscape(self):
        content = self._pdf("sales_followup_reports.action_report_lead_followup_history", self.l3)
        first = flat(pdf_pages(content)[0])
        self.assertTrue(first.startswith("Hangzhou Follow-up Trading"), first[:200])
        self.assertIn("Follow-up History", first)
        self.assertIn("L3", first)
        self.assertIn("Period: 02/01/2026 –", first, "from the first follow-up")
        width, height = page_size(content)
        self.assertAlmostEqual(width / height, 297 / 210, places=2, msg="A4 landscape")

    def test_history_has_attitude_response_checkin_and_risks(self):
        text = flat(
            "\n".join(
                pdf_pages(
                    self._pdf("sales_followup_reports.action_report_lead_followup_history", self.l3)
                )
            )
        )
        for header in ("Attitude", "Responded", "Check-in", "Follow-up person"):
            self.assertIn(header, text)
        self.assertIn("Hesitant", text)
        self.assertIn("(no response)", text, "the 2026-02-10 call went unanswered")
        self.assertIn("Checked in (±25 m)", text)
        self.assertIn("30.00230, 120.58110", text)
        risks = text.split("Risks", 1)[1]
        for expected in (self.risk_type.name, "Watch", "Open", "New drawings"):
            self.assertIn(expected, risks)

    def test_funnel_lists_the_most_overdue_leads_at_risk_and_counts_the_others(self):
        wizard = self._wizard()
        data = wizard.with_user(self.manager).get_report_data()
        self.assertEqual(len(data["risk_leads"]), 2)
        self.assertIsNone(data["risk_leads_note"], "all the leads at risk are listed")
        with patch.object(funnel_report, "RISK_LEADS_SHOWN", 1):
            data = wizard.with_user(self.manager).get_report_data()
        report = self.env["report.sales_followup_reports.report_followup_funnel"]
        leads = self.env["sales.followup.funnel.report"]._search([])
        rows, total = report._risk_lead_rows(leads, limit=1)
        self.assertEqual((len(rows), total), (1, 2))
        self.assertEqual(
            [row["customer"] for row in data["risk_leads"]],
            ["宁波海达电子有限公司"],
            "the most overdue one",
        )
        self.assertEqual(
            data["risk_leads_note"],
            "The 1 most overdue of 2 leads at risk: the Follow-up Risks list in Odoo has them all.",
        )

    def test_funnel_lists_the_leads_at_risk(self):
        wizard = self._wizard()
        rows = wizard.with_user(self.manager).get_report_data()["risk_leads"]
        by_customer = {row["customer"]: row for row in rows}
        self.assertEqual(set(by_customer), {"杭州明达机械有限公司", "宁波海达电子有限公司"})
        l5 = by_customer["宁波海达电子有限公司"]
        self.assertEqual(l5["amount"], 20000)
        self.assertEqual(l5["salesperson"], "Rep C")
        self.assertEqual(l5["risks"], self.risk_type.name)
        self.assertGreater(l5["days_overdue"], 0, "L5's follow-up was due in March 2026")
        self.assertEqual(by_customer["杭州明达机械有限公司"]["days_overdue"], 0, "L3 is won")
        self.assertEqual(rows[0]["customer"], "宁波海达电子有限公司", "most overdue first")

        content = self._pdf("sales_followup_reports.action_report_followup_funnel", wizard)
        text = flat("\n".join(pdf_pages(content)))
        risks = text.split("Open risks", 1)[1].split("Follow-up discipline", 1)[0]
        for expected in (
            "Customer",
            "Amount",
            "Days overdue",
            "Salesperson",
            "宁波海达电子有限公司",
            "$ 20,000.00",
            str(l5["days_overdue"]),
            "Rep C",
        ):
            self.assertIn(expected, risks)

    def test_chinese_copies_out_of_the_pdf_as_printed(self):
        """Text extracted from the PDFs is the source text: 客户, not 客⼾ (U+2F3E, a Kangxi
        radical), 日期, not ⽇期."""
        lang = "zh_CN"
        self.env["res.lang"]._activate_lang(lang)
        self.env["ir.module.module"]._load_module_terms(
            ["sales_followup", "sales_followup_reports"], [lang], overwrite=True
        )
        self.manager.lang = lang
        for report, records, expected in (
            (
                "sales_followup_reports.action_report_lead_followup_history",
                self.l3,
                ("客户", "日期", "杭州明达机械有限公司", "下个月再谈价格", "展会 Expo"),
            ),
            (
                "sales_followup_reports.action_report_followup_funnel",
                self._wizard(),
                ("客户", "日期", "宁波海达电子有限公司", "展会 Expo"),
            ),
        ):
            with self.subTest(report=report):
                content = self._pdf(report, records, lang=lang)
                text = "\n".join(pdf_pages(content))
                for word in expected:
                    self.assertIn(word, text)
                radicals = sorted({char for char in text if ord(char) in RADICALS})
                self.assertFalse(radicals, "radicals instead of the printed characters")
