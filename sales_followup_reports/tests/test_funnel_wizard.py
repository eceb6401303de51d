"""The print dialog's period presets and the XLSX layout."""

import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.tests import Form, tagged

from ..wizard.sales_followup_funnel_wizard import PERIODS, period_dates
from .common import FunnelCommon

# Wednesday 11 February 2026
TODAY = date(2026, 2, 11)
EXPECTED = {
    "this_week": (date(2026, 2, 9), date(2026, 2, 15)),
    "last_week": (date(2026, 2, 2), date(2026, 2, 8)),
    "this_month": (date(2026, 2, 1), date(2026, 2, 28)),
    "last_month": (date(2026, 1, 1), date(2026, 1, 31)),
    "this_quarter": (date(2026, 1, 1), date(2026, 3, 31)),
    "last_quarter": (date(2025, 10, 1), date(2025, 12, 31)),
    "this_year": (date(2026, 1, 1), date(2026, 12, 31)),
    "last_year": (date(2025, 1, 1), date(2025, 12, 31)),
}


@tagged("post_install", "-at_install")
class TestFunnelWizard(FunnelCommon):
    def test_presets_fill_the_dates(self):
        self.assertEqual({key for key, _label in PERIODS}, {*EXPECTED, "custom"})
        for period, dates in EXPECTED.items():
            self.assertEqual(period_dates(period, TODAY), dates, period)
        self.assertIsNone(period_dates("custom", TODAY))
        # Edges: a Monday, a Sunday, the first day of a year
        self.assertEqual(
            period_dates("this_week", date(2026, 2, 9)), EXPECTED["this_week"], "Monday"
        )
        self.assertEqual(
            period_dates("this_week", date(2026, 2, 15)), EXPECTED["this_week"], "Sunday"
        )
        self.assertEqual(period_dates("last_quarter", date(2026, 1, 1)), EXPECTED["last_quarter"])
        self.assertEqual(
            period_dates("last_month", date(2026, 3, 31)), (date(2026, 2, 1), date(2026, 2, 28))
        )

    @freeze_time("2026-02-11 10:00:00")
    def test_dialog_presets_and_editable_dates(self):
        form = Form(self.env["sales.followup.funnel.wizard"].with_user(self.manager))
        self.assertEqual(form.period, "this_month", "the month so far, as before")
        self.assertEqual((form.date_from, form.date_to), EXPECTED["this_month"])
        for period, dates in EXPECTED.items():
            form.period = period
            self.assertEqual((form.date_from, form.date_to), dates, period)
        form.period = "this_quarter"
        form.date_to = date(2026, 2, 28)
        self.assertEqual(form.period, "custom", "dates changed by hand")
        self.assertEqual((form.date_from, form.date_to), (date(2026, 1, 1), date(2026, 2, 28)))
        form.period = "last_week"
        self.assertEqual((form.date_from, form.date_to), EXPECTED["last_week"])
        form.period = "custom"
        self.assertEqual((form.date_from, form.date_to), EXPECTED["last_week"], "kept")
        wizard = form.save()
        self.assertEqual((wizard.date_from, wizard.date_to), EXPECTED["last_week"])
        self.assertEqual(wizard.period, "custom")

    @freeze_time("2026-02-11 10:00:00")
    def test_created_without_a_period(self):
        Wizard = self.env["sales.followup.funnel.wizard"].with_user(self.manager)
        wizard = Wizard.create({})
        self.assertEqual((wizard.date_from, wizard.date_to), EXPECTED["this_month"])
        wizard = Wizard.create({"period": "last_year"})
        self.assertEqual((wizard.date_from, wizard.date_to), EXPECTED["last_year"])
        wizard = Wizard.create({"date_from": "2026-01-01", "date_to": "2026-03-31"})
        self.assertEqual((wizard.date_from, wizard.date_to), (date(2026, 1, 1), date(2026, 3, 31)))

    def test_xlsx_widths_and_number_formats_on_every_sheet(self):
        self.env["sales.followup.pool.report"].flush_model()
        wizard = self._wizard()
        data = wizard.get_report_data()
        self.assertTrue(data["pool"], "the export has its pool sheet")
        content, _filename = wizard._xlsx_export()
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(
            book.sheetnames,
            [
                "Activity",
                "KPIs",
                "Funnel",
                "Source",
                "Lost reasons",
                "Open risks",
                "Discipline",
                "Pool",
            ],
        )
        for sheet in book.worksheets:
            with self.subTest(sheet=sheet.title):
                used = {cell.column_letter for row in sheet.iter_rows() for cell in row}
                for letter in used:
                    dimension = sheet.column_dimensions[letter]
                    self.assertTrue(dimension.customWidth, f"column {letter} has a width")
                    self.assertGreaterEqual(dimension.width, 10)
                numbers = [
                    cell
                    for row in sheet.iter_rows()
                    for cell in row
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
                ]
                self.assertTrue(numbers or sheet.title == "Open risks", "figures")
                for cell in numbers:
                    self.assertNotEqual(cell.number_format, "General", cell.coordinate)

        def column_formats(sheet):
            header = [cell.value for cell in sheet[1]]
            formats = {}
            for row in sheet.iter_rows(min_row=2):
                for title, cell in zip(header, row, strict=False):
                    if isinstance(cell.value, (int, float)):
                        formats.setdefault(title, set()).add(cell.number_format)
            return formats

        self.assertEqual(
            column_formats(book["Source"]),
            {
                "Leads": {"#,##0"},
                "Contacted": {"#,##0"},
                "Converted": {"#,##0"},
                "Lost": {"#,##0"},
                "Conversion rate": {"0.0%"},
                "Average cycle days": {"#,##0.0"},
                "Won revenue": {"#,##0.00"},
            },
        )
        self.assertEqual(column_formats(book["Lost reasons"])["Share"], {"0.0%"})
        self.assertEqual(column_formats(book["Funnel"])["Step conversion"], {"0.0%"})
        self.assertEqual(
            column_formats(book["Discipline"])["First contact in window rate"], {"0.0%"}
        )
        kpis = {row[0].value: row[1] for row in book["KPIs"].iter_rows() if row[0].value}
        self.assertEqual(kpis["New leads"].number_format, "#,##0")
        self.assertEqual(kpis["Conversion rate"].number_format, "0.0%")
        self.assertEqual(kpis["Won revenue"].number_format, "#,##0.00")
        self.assertAlmostEqual(book["KPIs"].column_dimensions["A"].width, 44, delta=1)
