"""Reading tracker files (tools/tracker_reader.py): no database, plain bytes in, rows out."""

import codecs
import io
import re
import tracemalloc
import zipfile

import openpyxl
import xlwt

from odoo.tests import BaseCase, tagged

from ..tools import tracker_cells as tc
from ..tools import tracker_reader as tr

HEADER = ["客户名称", "联系人", "跟进记录"]
ROW = ["杭州绿源食品有限公司", "吴经理", "2024-01-07邮件：发送报价单"]


def _rows(content, filename="tracker"):
    return list(tr.open_sheets(content, filename)[0].rows())


@tagged("post_install", "-at_install")
class TestTrackerReader(BaseCase):
    def test_csv_separators_and_encodings(self):
        title = "销售进度跟踪表 2024"
        cases = {
            "semicolon, GB18030 (Excel on a Chinese Windows)": (
                "\r\n".join([title, ";".join(HEADER), ";".join(ROW)]).encode("gb18030")
            ),
            "comma, UTF-8 with BOM": codecs.BOM_UTF8
            + "\n".join([title, ",".join(HEADER), ",".join(ROW)]).encode("utf-8"),
            "tab, UTF-16 (Excel's Unicode text)": "\r\n".join(
                [title, "\t".join(HEADER), "\t".join(ROW)]
            ).encode("utf-16"),
            "pipe, UTF-8": "\n".join([title, "|".join(HEADER), "|".join(ROW)]).encode(),
        }
        # Traditional characters, as a team in Taiwan or Hong Kong writes them.
        big5 = (
            ["客戶名稱", "聯繫人", "跟進記錄"],
            ["杭州綠源食品有限公司", "吳經理", "電話溝通報價"],
        )
        rows = _rows(
            "\n".join(",".join(row) for row in (*big5, *big5[1:] * 5)).encode("big5"), "tw.csv"
        )
        self.assertEqual(rows[:2], list(map(list, big5)), "Big5")
        for name, content in cases.items():
            with self.subTest(name):
                rows = _rows(content, "tracker.csv")
                self.assertEqual(rows[0], [title], "the title row does not mislead the sniffing")
                self.assertEqual(rows[1], HEADER)
                self.assertEqual(rows[2], ROW)

    def test_xlsx_merged_range_over_the_whole_sheet_is_bounded_by_the_data(self):
        """A 2 KB workbook declaring A3:XFD1048576 merged (and a dimension as large): read as
        the few rows it holds, without allocating for the declared range."""
        book = openpyxl.Workbook()
        sheet = book.active
        for row in (HEADER, ROW, ["合并公司", "王总", "电话沟通"], [None, "李总", "上门拜访"]):
            sheet.append(row)
        output = io.BytesIO()
        book.save(output)
        content = _patch_xlsx(
            output.getvalue(),
            lambda xml: re.sub(
                r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml
            ).replace(
                "</sheetData>",
                '</sheetData><mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>',
            ),
        )
        self.assertLess(len(content), 8 * 1024)
        tracemalloc.start()
        try:
            rows = _rows(content, "bomb.xlsx")
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(len(rows), 4)
        self.assertEqual(max(len(row) for row in rows), 3, "as wide as the data, not 16,384")
        self.assertEqual(rows[3][0], "合并公司", "the merged value fills the covered cell below")
        self.assertLess(peak, 20 * 1024 * 1024)

    def test_xls_merged_range_over_the_whole_sheet_is_bounded_by_the_data(self):
        """An .xls whose MERGEDCELLS record says A3:IV65536 (a few KB): the same."""
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("客户信息总表", cell_overwrite_ok=True)
        sheet.merge(2, 3, 0, 1)  # A3:B4, widened below in the record itself
        for r, row in enumerate((HEADER, ROW, ["合并公司", "王总", "电话沟通"])):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        sheet.write(3, 2, "上门拜访")
        output = io.BytesIO()
        book.save(output)
        record = b"\xe5\x00\x0a\x00\x01\x00\x02\x00\x03\x00\x00\x00\x01\x00"
        content = output.getvalue()
        self.assertIn(record, content)
        content = content.replace(
            record, b"\xe5\x00\x0a\x00\x01\x00\x02\x00\xff\xff\x00\x00\xff\x00"
        )
        self.assertLess(len(content), 16 * 1024)
        tracemalloc.start()
        try:
            rows = _rows(content, "bomb.xls")
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(len(rows), 4)
        self.assertLessEqual(max(len(row) for row in rows), 3)
        self.assertEqual(rows[3][0], "合并公司")
        self.assertLess(peak, 20 * 1024 * 1024)

    def test_cells_survive_the_staging_as_json(self):
        import datetime

        row = ["甲", 65.0, datetime.datetime(2024, 3, 10), None, tr.FormulaCell("=A1+B1")]
        back = tr.cells_from_json(tr.cells_to_json(row))
        self.assertEqual(back[:4], row[:4])
        self.assertEqual(back[4].formula, "=A1+B1")

    def test_csv_cells_are_never_formulas(self):
        for text in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tcmd"):
            with self.subTest(text=text):
                self.assertEqual(tc.csv_safe(text), "'" + text)
        self.assertEqual(tc.csv_safe("杭州绿源"), "杭州绿源")
        self.assertEqual(tc.csv_safe(None), "")


def _patch_xlsx(content, change):
    """The workbook with its first sheet's XML changed."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return output.getvalue()
