"""The reports in Simplified Chinese (zh_CN).

The terms of both addons are checked in sales_followup/tests/test_translation.py; here the
printed outputs a manager gets are checked: the follow-up history, the funnel's XLSX and the
funnel's breakdown in the PDF and the XLSX.
"""

import io
import re
from pathlib import Path

import openpyxl
import polib
from lxml import etree

from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import FunnelCommon

LANG = "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")


@tagged("post_install", "-at_install")
class TestReportsTranslation(FunnelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        modules = ["sales_followup", "sales_followup_reports"]
        cls.env["res.lang"]._activate_lang(LANG)
        cls.env["ir.module.module"]._load_module_terms(modules, [LANG], overwrite=True)
        cls.msgstr = {
            module: {
                entry.msgid: entry.msgstr
                for entry in polib.pofile(str(Path(get_module_path(module)) / "i18n" / "zh_CN.po"))
            }
            for module in modules
        }

    def _zh(self, msgid, module="sales_followup_reports"):
        text = self.msgstr[module][msgid]
        self.assertRegex(text, CJK, f"{msgid!r} is translated into Chinese")
        return text

    def test_follow_up_history_in_chinese(self):
        Report = self.env["ir.actions.report"].with_user(self.manager).with_context(lang=LANG)
        html, _kind = Report._render_qweb_html(
            "sales_followup_reports.action_report_lead_followup_history", self.l3.ids
        )
        text = " ".join(html2plaintext(html.decode()).split())
        for msgid in ("Follow-up record", "Customer feedback", "Next plan", "Follow-up person"):
            self.assertIn(self._zh(msgid), text)
        self.assertIn(self._zh("(no response)"), text)
        self.assertNotIn("Follow-up record", text)
        # The lead's status comes from the other addon's selection, in Chinese too.
        self.assertIn(self._zh("Converted", "sales_followup"), text)
        self.assertIn("Contact on 2026-02-01 10:00:00", text, "the logs themselves as written")

    def test_funnel_xlsx_in_chinese(self):
        wizard = self._wizard().with_context(lang=LANG)
        book = openpyxl.load_workbook(io.BytesIO(wizard._xlsx_content(wizard.get_report_data())))
        for msgid in ("KPIs", "Funnel", "Lost reasons", "Open risks", "Discipline"):
            self.assertIn(self._zh(msgid), book.sheetnames)
        kpis = {
            row[0]: row[1] for row in book[self._zh("KPIs")].iter_rows(values_only=True) if row[0]
        }
        self.assertEqual(kpis[self._zh("New leads")], 6)
        self.assertEqual(kpis[self._zh("Converted")], 2)
        self.assertEqual(kpis[self._zh("Sales Teams")], "Team East, Team North")

    def test_funnel_wizard_labels_in_chinese(self):
        Wizard = self.env["sales.followup.funnel.wizard"].with_user(self.manager)
        fields = Wizard.with_context(lang=LANG).fields_get(["breakdown"], ["string", "selection"])
        self.assertEqual(fields["breakdown"]["string"], self._zh("Break Down By"))
        self.assertIn(("grade", self._zh("Grade")), fields["breakdown"]["selection"])
        menu = self.env.ref("sales_followup_reports.sales_followup_funnel_wizard_menu")
        self.assertEqual(
            menu.with_user(self.manager).with_context(lang=LANG).name,
            self._zh("Funnel Report (PDF / XLSX)"),
        )

    def test_funnel_breakdown_heading_in_chinese(self):
        """The dimension the funnel is broken down by, in the PDF's heading and table header
        and as the XLSX sheet's name, for a Chinese-speaking manager."""
        self.manager.lang = LANG
        Report = self.env["ir.actions.report"].with_user(self.manager).with_context(lang=LANG)
        for breakdown, msgid in (("source_id", "Source"), ("grade", "Grade")):
            with self.subTest(breakdown=breakdown):
                label = self._zh(msgid)
                wizard = self._wizard(breakdown=breakdown).with_context(lang=LANG)
                html, _kind = Report._render_qweb_html(
                    "sales_followup_reports.action_report_followup_funnel", wizard.ids
                )
                document = etree.fromstring(html.decode(), etree.HTMLParser())
                table = document.xpath("//table[contains(@class, 'o_followup_breakdown')]")[0]
                heading = table.xpath("preceding-sibling::h4[1]")[0]
                self.assertEqual(
                    heading.xpath("string()").strip(),
                    self._zh("By %(dimension)s") % {"dimension": label},
                )
                self.assertEqual(table.xpath("string(thead/tr/th[1])").strip(), label)
                text = " ".join(html2plaintext(html.decode()).split())
                self.assertNotIn(f"By {msgid}", text)

                book = openpyxl.load_workbook(
                    io.BytesIO(wizard._xlsx_content(wizard.get_report_data()))
                )
                self.assertIn(label, book.sheetnames)
                self.assertEqual(book[label]["A1"].value, label)
