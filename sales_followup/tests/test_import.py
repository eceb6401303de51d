import base64
import csv
import datetime
import io
import os
from unittest.mock import patch

import openpyxl
import xlwt

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FollowupCommon

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "samples")

CUSTOMER_TRACKER = [
    "客户编号",
    "客户名称(行业)",
    "联系人(职位)",
    "联系电话",
    "客户地址",
    "客户需求/痛点",
    "首次接触时间",
    "跟进记录",
    "当前状态",
    "预计成交金额",
    "成交日期",
    "备注",
]
TRACKER_ROWS = [
    [
        "T001",
        "华东精密机械有限公司(制造)",
        "黄经理(采购总监)",
        "13894751846",
        "上海市浦东新区",
        "设备改造，预算50-80万",
        "2024-03-10",
        "3月12日：电话沟通，客户明确预算50-80万；3月15日：上门考察",
        "Y-意向客户",
        "50-80万",
        "-",
        "",
    ],
    [
        "T002",
        "深圳云启科技有限公司(软件)",
        "刘经理(IT负责人)",
        "13864186352",
        "深圳市南山区",
        "ERP对接",
        "2024-07-17",
        "2024-07-23上门拜访：确认技术参数；2024-07-30视频会议：演示产品功能；2024-08-06微信沟通："
        "客户未回复",
        "C-成交客户",
        "65万",
        "2024-08-15",
        "老客户推荐",
    ],
    [
        "T003",
        "杭州绿源食品有限公司(食品)",
        "吴经理(总经理)",
        "13870472205",
        "杭州市",
        "冷链仓储",
        "2024-01-04",
        "2024-01-07邮件发送：发送报价单",
        "L-流失客户",
        "1.2亿",
        "-",
        "",
    ],
]


def xlsx_bytes(rows, title_rows=(), merges=(), sheets=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "跟进表"
    for row in (*title_rows, *rows):
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    for name, extra_rows in (sheets or {}).items():
        extra = book.create_sheet(name)
        for row in extra_rows:
            extra.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def xls_bytes(rows):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("客户信息总表")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    output = io.StringIO()
    csv.writer(output).writerows(rows)
    return output.getvalue().encode(encoding)


@tagged("post_install", "-at_install")
class TestImport(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesman.name = "张伟"

    def _wizard(self, content, filename, user=None, **values):
        return (
            self.env["sales.followup.import"]
            .with_user(user or self.user_manager)
            .create({"file": base64.b64encode(content), "filename": filename, **values})
        )

    def _load(self, content, filename="tracker.xlsx", **kwargs):
        wizard = self._wizard(content, filename, **kwargs)
        wizard.action_load()
        return wizard

    def _imported(self, code):
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("followup_code", "=", code)])
        )

    def test_customer_tracker_xlsx_preview_then_import(self):
        with self.frozen("2024-09-02 10:00:00"):
            # No salesperson column: the leads go to the salesperson chosen in the wizard.
            wizard = self._load(
                xlsx_bytes([CUSTOMER_TRACKER, *TRACKER_ROWS]),
                assign_user_id=self.user_salesman.id,
            )
            self.assertEqual(wizard.state, "preview")
            self.assertEqual(wizard.header_row, 1)
            targets = {col.header: col.target for col in wizard.column_ids}
            self.assertEqual(targets["客户名称(行业)"], "partner_name_industry")
            self.assertEqual(targets["联系人(职位)"], "contact_function")
            self.assertEqual(targets["跟进记录"], "followup_record")
            self.assertEqual(
                (wizard.lead_create_count, wizard.log_create_count, wizard.partner_create_count),
                (3, 6, 3),
            )
            self.assertFalse(self._imported("T001"), "the preview writes nothing")
            wizard.action_import()
        self.assertEqual(wizard.state, "done")
        lead = self._imported("T001")
        self.assertEqual(lead.name, "华东精密机械有限公司 — 设备改造，预算50-80万")
        self.assertEqual(lead.followup_origin, "import")
        self.assertEqual(lead.followup_start_date, datetime.date(2024, 3, 10), "首次接触时间")
        self.assertEqual(lead.user_id, self.user_salesman)
        self.assertEqual(lead.partner_id.name, "华东精密机械有限公司")
        self.assertEqual(lead.partner_id.industry_id.name, "制造")
        self.assertEqual(lead.contact_name, "黄经理")
        self.assertEqual(lead.function, "采购总监")
        self.assertEqual(lead.expected_revenue, 650000, "50-80万: the midpoint")
        self.assertIn("50-80万", lead.description)
        self.assertEqual(lead.followup_status, "in_progress")
        logs = lead.followup_log_ids.sorted("date")
        self.assertEqual(
            [log.date.date() for log in logs],
            [datetime.date(2024, 3, 12), datetime.date(2024, 3, 15)],
        )
        self.assertEqual(logs.mapped("method"), ["phone", "visit"])
        self.assertEqual(logs[0].summary, "电话沟通，客户明确预算50-80万")
        self.assertEqual(logs.user_id, self.user_salesman, "logs credited to the salesperson")
        # No next date in the tracker: spread over grade C's 30 days from the import day, on a
        # working day (the contacts of March are not counted from).
        self.assertGreaterEqual(lead.followup_next_date, datetime.date(2024, 9, 2))
        self.assertLess(lead.followup_next_date, datetime.date(2024, 10, 2))
        self.assertLess(lead.followup_next_date.weekday(), 5)
        self.assertEqual(len(self._followups(lead)), 1)
        self.assertTrue(
            self.env["res.partner"].search(
                [("name", "=", "黄经理"), ("parent_id", "=", lead.partner_id.id)]
            )
        )

        won = self._imported("T002")
        self.assertTrue(won.stage_id.is_won, "won through Odoo's own flow")
        self.assertEqual(won.followup_status, "converted")
        self.assertEqual(won.date_closed.date(), datetime.date(2024, 8, 15))
        self.assertEqual(won.expected_revenue, 650000)
        self.assertEqual(len(won.followup_log_ids), 3)
        self.assertFalse(won.followup_log_ids.sorted("date")[-1].customer_responded)
        self.assertEqual(won.followup_start_date, datetime.date(2024, 7, 17))
        lost = self._imported("T003")
        self.assertFalse(lost.active)
        self.assertEqual(lost.followup_status, "lost")
        self.assertEqual(lost.expected_revenue, 120_000_000)
        self.assertEqual(
            lost.date_closed.date(), datetime.date(2024, 1, 7), "no closing date: last contact"
        )

        # Re-importing the same file updates the same leads and adds no log.
        with self.frozen("2024-09-03 10:00:00"):
            again = self._load(xlsx_bytes([CUSTOMER_TRACKER, *TRACKER_ROWS]))
            self.assertEqual((again.lead_create_count, again.lead_update_count), (0, 3))
            self.assertEqual(again.unassigned_count, 0, "the leads keep their salesperson")
            self.assertIn("张伟", again.preview_html)
            self.assertEqual(again.log_create_count, 0)
            again.action_import()
        self.assertEqual(len(self._imported("T001").followup_log_ids), 2)
        self.assertEqual(len(self._imported("T001")), 1)

    def test_shared_sample_files(self):
        xls_path = os.path.join(SAMPLES, "customer_tracker.xls")
        xlsx_path = os.path.join(SAMPLES, "sales_progress.xlsx")
        if not (os.path.exists(xls_path) and os.path.exists(xlsx_path)):
            self.skipTest("shared sample files are not beside the repository")
        with self.frozen("2025-01-15 10:00:00"):
            with open(xls_path, "rb") as handle:
                wizard = self._load(handle.read(), "customer_tracker.xls")
            self.assertGreaterEqual(wizard.lead_create_count, 10)
            self.assertGreaterEqual(wizard.log_create_count, 20)
            self.assertFalse(
                wizard.error_ids.filtered(lambda e: e.level == "error"),
                wizard.error_ids.mapped("message"),
            )
            wizard.action_import()
            self.assertEqual(wizard.state, "done")
            with open(xlsx_path, "rb") as handle:
                progress = self._load(handle.read(), "sales_progress.xlsx")
            self.assertEqual(progress.lead_create_count, 10)
            progress.action_import()
        lead = self.env["crm.lead"].search([("partner_name", "=", "华东精密0号工厂")])
        self.assertEqual(lead.followup_grade, "c")
        self.assertEqual(lead.source_id.name, "展会")
        self.assertEqual(lead.user_id, self.user_salesman, "负责人 张伟 found by name")
        self.assertEqual(lead.followup_log_ids.date.date(), datetime.date(2023, 10, 28))

    def test_xls_csv_and_title_rows(self):
        rows = [["销售进度跟踪表 2024"], [], CUSTOMER_TRACKER, TRACKER_ROWS[0]]
        with self.frozen("2024-09-01 10:00:00"):
            xls = self._load(xls_bytes(rows), "tracker.xls")
            self.assertEqual(xls.header_row, 3, "header found under the title rows")
            self.assertEqual(xls.log_create_count, 2)
            for encoding in ("utf-8", "gb18030"):
                wizard = self._load(csv_bytes(rows, encoding), "tracker.csv")
                self.assertEqual(wizard.lead_create_count, 1, encoding)
                self.assertEqual(wizard.log_create_count, 2, encoding)

    def test_crm_record_layout_one_contact_per_row(self):
        header = [
            "序号",
            "客户编号",
            "客户名称",
            "所属行业",
            "联系人",
            "联系人职位",
            "联系电话",
            "客户来源",
            "跟进日期",
            "跟进人",
            "跟进方式",
            "跟进内容",
            "客户反馈",
            "合作状态",
            "下次跟进计划",
        ]
        rows = [
            header,
            [
                1,
                "R1",
                "苏州博远",
                "制造",
                "李经理",
                "采购经理",
                "139",
                "展会",
                "2024-05-03",
                "张伟",
                "电话",
                "介绍产品",
                "价格偏高",
                "跟进中",
                "发送报价",
            ],
            [
                2,
                "R1",
                "苏州博远",
                "制造",
                "李经理",
                "采购经理",
                "139",
                "展会",
                "2024年5月9日",
                "张伟",
                "视频会议",
                "演示系统",
                "需要和ERP对接",
                "跟进中",
                "技术交流",
            ],
        ]
        with self.frozen("2024-06-01 10:00:00"):
            self._load(xlsx_bytes(rows)).action_import()
        lead = self._imported("R1")
        logs = lead.followup_log_ids.sorted("date")
        self.assertEqual(logs.mapped("method"), ["phone", "meeting"])
        self.assertEqual(logs.mapped("customer_words"), ["价格偏高", "需要和ERP对接"])
        self.assertEqual(logs[-1].next_action, "技术交流")
        self.assertEqual(lead.user_id, self.user_salesman)

    def test_errors_all_or_nothing_and_skip(self):
        rows = [
            CUSTOMER_TRACKER,
            TRACKER_ROWS[0],
            [
                "T009",
                "坏数据公司(制造)",
                "王总(总经理)",
                "1",
                "",
                "",
                "2024-03-10",
                "2030-01-01电话沟通：未来的日期",
                "Y-意向客户",
                "很多钱",
                "-",
                "",
            ],
            [
                "T010",
                "状态不明公司(制造)",
                "赵总(总经理)",
                "2",
                "",
                "",
                "2024-03-10",
                "",
                "随便",
                "10万",
                "-",
                "",
            ],
        ]
        with self.frozen("2024-09-01 10:00:00"):
            wizard = self._load(xlsx_bytes(rows))
            messages = " | ".join(wizard.error_ids.mapped("message"))
            self.assertIn("in the future", messages)
            self.assertIn("not an amount", messages)
            self.assertIn("not a known status", messages)
            self.assertEqual(wizard.error_count, 2)
            self.assertEqual(sorted(set(wizard.error_ids.mapped("row"))), [3, 4])
            wizard.action_import()
            self.assertEqual(wizard.state, "preview")
            self.assertIn("nothing was imported", wizard.message)
            self.assertFalse(self._imported("T001"), "nothing half-imported")
            errors = base64.b64decode(wizard.error_file).decode("utf-8-sig")
            self.assertIn("坏数据公司", errors)
            self.assertNotIn("华东精密", errors)
            wizard.skip_errors = True
            wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertTrue(self._imported("T001"))
        self.assertFalse(self._imported("T009") | self._imported("T010"))

    def test_rows_of_one_lead_in_different_chunks(self):
        """The import writes chunk by chunk; a lead whose rows fall in two chunks is one lead
        with all its contacts."""
        header = ["客户编号", "客户名称", "联系人", "跟进记录", "首次跟进时间"]
        rows = [
            header,
            ["K1", "甲公司", "甲", "2024-04-01电话沟通：询价", "2024-04-01"],
            ["K2", "乙公司", "乙", "2024-04-02上门拜访：看样品", "2024-04-02"],
            ["K3", "丙公司", "丙", "2024-04-03邮件：报价", "2024-04-03"],
            ["K1", "甲公司", "甲", "2024-04-09视频会议：技术交流", "2024-04-01"],
        ]
        with (
            self.frozen("2024-06-01 10:00:00"),
            patch("odoo.addons.sales_followup.wizard.sales_followup_import.CREATE_BATCH", 2),
        ):
            wizard = self._load(xlsx_bytes(rows))
            self.assertEqual((wizard.lead_create_count, wizard.log_create_count), (3, 4))
            wizard.action_import()
        lead = self._imported("K1")
        self.assertEqual(len(lead), 1)
        self.assertEqual(len(lead.followup_log_ids), 2)
        self.assertEqual(len(wizard.lead_ids), 3)

    def test_conflicting_rows_for_one_lead(self):
        rows = [
            CUSTOMER_TRACKER,
            TRACKER_ROWS[0],
            [*TRACKER_ROWS[0][:8], "C-成交客户", *TRACKER_ROWS[0][9:]],
        ]
        with self.frozen("2024-09-01 10:00:00"):
            wizard = self._load(xlsx_bytes(rows))
        error = wizard.error_ids.filtered(lambda e: e.level == "error")
        self.assertEqual(error.row, 3)
        self.assertIn("same lead as row 2", error.message)

    def test_unknown_salesperson_is_listed_not_invented(self):
        header = ["客户名称", "联系人", "负责人", "跟进记录", "首次跟进时间"]
        rows = [header, ["无名公司", "钱总", "查无此人", "电话沟通需求", "2024-04-01"]]
        users_before = self.env["res.users"].search_count([])
        with self.frozen("2024-06-01 10:00:00"):
            wizard = self._load(xlsx_bytes(rows))
            warning = wizard.error_ids
            self.assertEqual(warning.level, "warning")
            self.assertIn("no user with this name", warning.message)
            wizard.action_import()
        self.assertEqual(self.env["res.users"].search_count([]), users_before)
        lead = self.env["crm.lead"].search([("partner_name", "=", "无名公司")])
        self.assertFalse(lead.user_id)

    def test_merged_cells_formulas_and_sheets(self):
        header = ["客户名称", "联系人", "负责人", "跟进记录", "首次跟进时间", "预计成交金额"]
        rows = [
            header,
            ["合并公司A", "甲", "张伟", "电话沟通", "2024-04-01", 100],
            ["合并公司B", "乙", None, "上门拜访", "2024-04-02", 200],
            ["公式公司", "丙", "张伟", "邮件", "2024-04-03", "=F2+F3"],
        ]
        content = xlsx_bytes(rows, merges=["C2:C3"], sheets={"说明": [["这是说明页"]]})
        with self.frozen("2024-06-01 10:00:00"):
            wizard = self._load(content)
            self.assertEqual(len(wizard.sheet_ids), 2)
            self.assertEqual(wizard.sheet_id.name, "跟进表")
            formula = wizard.error_ids.filtered(lambda e: e.row == 4)
            self.assertIn("formula without a computed value", formula.message)
            wizard.skip_errors = True
            wizard.action_import()
        merged = self.env["crm.lead"].search([("partner_name", "=", "合并公司B")])
        self.assertEqual(merged.user_id, self.user_salesman, "a merged cell covers the rows below")

    def test_bad_files(self):
        cases = [
            (b"MZ\x90\x00\x03" + b"\x00" * 200, "setup.xlsx", "not a spreadsheet"),
            (b"", "empty.xlsx", "choose an .xls, .xlsx or .csv file"),
            (b"PK\x03\x04garbage", "broken.xlsx", "damaged"),
            (
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                + "EncryptedPackage".encode("utf-16-le")
                + b"\x00" * 64,
                "locked.xlsx",
                "password-protected",
            ),
            (b"a" * (21 * 1024 * 1024), "huge.csv", "the limit is 20 MB"),
            (xlsx_bytes([["hello", "world"], [1, 2]]), "nothing.xlsx", "No header row"),
            (xlsx_bytes([]), "blank.xlsx", "empty"),
        ]
        for content, filename, message in cases:
            with self.subTest(filename=filename), self.assertRaisesRegex(UserError, message):
                self._load(content, filename)

    def test_only_sales_managers_import(self):
        with self.assertRaises(AccessError):
            self._wizard(xlsx_bytes([CUSTOMER_TRACKER]), "t.xlsx", user=self.user_salesman)
