"""One column specification per table: each table of the funnel PDF has the headings, in the
same order, of its XLSX sheet, both being laid out from the same column list."""

import io

import openpyxl
from lxml import etree

from odoo.tests import tagged

from .common import FunnelCommon


@tagged("post_install", "-at_install")
class TestFunnelColumns(FunnelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        risk_type = cls.env.ref("sales_followup.risk_type_requirement_change")
        cls.env["sales.followup.risk"].with_user(cls.manager).create(
            [{"lead_id": cls.l5.id, "type_id": risk_type.id}]
        )
        # A lead in the pool at the end of the period: the pool table is printed
        with cls._frozen("2026-03-20 09:00:00"):
            cls.l5.with_user(cls.rep_c)._followup_release("Not our market")
            cls.env.flush_all()

    def test_pdf_tables_have_the_xlsx_headings(self):
        wizard = self._wizard()
        data = wizard.get_report_data()
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html("sales_followup_reports.action_report_followup_funnel", wizard.ids)
        )
        document = etree.fromstring(html.decode(), etree.HTMLParser())
        book = openpyxl.load_workbook(io.BytesIO(wizard._xlsx_content(data)))
        self.assertTrue(data["pool"], "the pool table is printed")
        # PDF table (by its class) -> XLSX sheet and the row of its headings
        tables = {
            "o_followup_activity": ("Activity", 5),
            "o_followup_kpis": ("KPIs", 7),
            "o_followup_funnel_steps": ("Funnel", 1),
            "o_followup_breakdown": (data["breakdown_label"], 1),
            "o_followup_lost_reasons": ("Lost reasons", 1),
            "o_followup_risk_types": ("Open risks", 1),
            "o_followup_discipline": ("Discipline", 1),
            "o_followup_pool": ("Pool", 4),
        }
        for table_class, (sheet_name, heading_row) in tables.items():
            with self.subTest(table=table_class):
                (table,) = document.xpath(f"//table[contains(@class, '{table_class}')]")
                pdf_headings = [th.xpath("string()").strip() for th in table.xpath("thead/tr/th")]
                sheet = book[sheet_name]
                xlsx_headings = [
                    cell.value
                    for cell in next(sheet.iter_rows(min_row=heading_row, max_row=heading_row))
                    if cell.value is not None
                ]
                self.assertTrue(pdf_headings)
                self.assertEqual(pdf_headings, xlsx_headings)
                # The rows' labels are the same too (the text of an empty one included)
                pdf_labels = [tr.xpath("string(td[1])").strip() for tr in table.xpath("tbody/tr")]
                xlsx_labels = [
                    row[0]
                    for row in sheet.iter_rows(
                        min_row=heading_row + 1,
                        max_row=heading_row + len(pdf_labels),
                        values_only=True,
                    )
                ]
                self.assertEqual(pdf_labels, xlsx_labels)

    def test_leads_at_risk_in_the_pdf_and_the_xlsx(self):
        """The leads at risk from their one column list: the lead under its customer in the
        PDF, in a column of its own in the XLSX; no overdue day is an empty cell in both."""
        wizard = self._wizard()
        data = wizard.get_report_data()
        self.assertTrue(data["risk_leads"])
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html("sales_followup_reports.action_report_followup_funnel", wizard.ids)
        )
        document = etree.fromstring(html.decode(), etree.HTMLParser())
        (table,) = document.xpath("//table[contains(@class, 'o_followup_risk_leads')]")
        # Titled as the XLSX sheet is.
        self.assertEqual(table.xpath("string(preceding::h5[1])").strip(), "Leads at risk")
        headings = ["Customer", "Open risks", "Amount", "Days overdue", "Salesperson"]
        self.assertEqual(
            [th.xpath("string()").strip() for th in table.xpath("thead/tr/th")], headings
        )
        pdf_rows = [
            (
                tr.xpath("string(td[1]/text())").strip(),
                tr.xpath("string(td[1]/div)").strip(),
                tr.xpath("string(td[2])").strip(),
                tr.xpath("string(td[4])").strip(),
                tr.xpath("string(td[5])").strip(),
            )
            for tr in table.xpath("tbody/tr")
        ]
        book = openpyxl.load_workbook(io.BytesIO(wizard._xlsx_content(data)))
        sheet = book["Leads at risk"]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), [headings[0], "Lead", *headings[1:]])
        xlsx_rows = [
            (customer or "", lead or "", risks or "", "–" if days is None else str(days), person)
            for customer, lead, risks, _amount, days, person in rows[1 : 1 + len(pdf_rows)]
        ]
        self.assertEqual(xlsx_rows, pdf_rows)
        by_customer = {row[0]: row for row in rows[1 : 1 + len(pdf_rows)]}
        l5 = by_customer[self.l5.partner_id.name]
        self.assertEqual(l5[1], " ".join(filter(None, [self.l5.name, self.l5.followup_code])))
        self.assertEqual(l5[3], 20000)
        self.assertEqual(l5[5], "Unassigned", "back in the pool")
        for row in sheet.iter_rows(min_row=2, max_row=1 + len(pdf_rows)):
            self.assertEqual(row[3].number_format, "#,##0.00", "an amount")
        for letter in "ABCDEF":
            self.assertTrue(sheet.column_dimensions[letter].customWidth, letter)

    def test_money_is_printed_in_the_company_currency(self):
        """The breakdown's won revenue is printed as an amount of the company's currency."""
        wizard = self._wizard()
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html("sales_followup_reports.action_report_followup_funnel", wizard.ids)
        )
        document = etree.fromstring(html.decode(), etree.HTMLParser())
        cells = document.xpath(
            "//table[contains(@class, 'o_followup_breakdown')]//td[@data-key='won_revenue']"
        )
        self.assertTrue(cells)
        symbol = self.env.company.currency_id.symbol
        for cell in cells:
            self.assertIn(symbol, cell.xpath("string()"))
