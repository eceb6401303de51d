"""The importer's pure tools: tools/tracker_analysis.py, tools/tracker_errors.py and the row
loops of tools/tracker_rows.py. No database: rows in, leads, problems and files out."""

import codecs
import csv
import datetime
import io
from types import SimpleNamespace

from odoo.tests import BaseCase, tagged

from ..tools import tracker_analysis as ta
from ..tools import tracker_cells as tc
from ..tools import tracker_errors as te
from ..tools import tracker_reader as tr
from ..tools import tracker_rows as trows

D = datetime.date
TODAY = D(2024, 6, 1)
WORDS = tc.contact_words([("电话", "phone"), ("上门", "visit")], ["未接"])
# {column index: column key} of the rows below; as a job keeps it, the indexes are text.
MAPPING = {0: "code", 1: "partner_name", 2: "salesperson", 3: "stage", 4: "followup_record"}


def english(message):
    """A problem's message as read in English: the analysis, pure code, has no user whose
    language a lazy text would take."""
    return message._translate("en_US") if hasattr(message, "_translate") else str(message)


CONFIG = {"mapping": {str(index): key for index, key in MAPPING.items()}}


def numbered(*rows, first=2):
    return list(enumerate(rows, start=first))


def parsed(*rows):
    return trows.parse_rows(numbered(*rows), MAPPING, TODAY, words=WORDS)


def sheet(name, rows):
    return tr.Sheet(name, lambda: iter(rows))


@tagged("post_install", "-at_install")
class TestTrackerAnalysis(BaseCase):
    # ------------------------------------------------------------
    # Sheets and columns
    # ------------------------------------------------------------

    def test_header_columns_and_samples(self):
        long_need = "需" * 100
        rows = [
            ["销售进度跟踪表 2024"],
            ["客户名称", "", "联系人", None, "客户需求", "自定义"],
            ["甲公司", "无标题的值", "张三", None, long_need, "-"],
        ]
        header_index, columns = ta.read_columns(iter(rows))
        self.assertEqual(header_index, 1, "the title row above the header is skipped")
        self.assertEqual(
            [(c.index, c.header, c.target) for c in columns],
            [
                (0, "客户名称", "partner_name"),
                (1, "", None),  # no header, but a value under it: listed
                (2, "联系人", "contact"),
                (4, "客户需求", "need"),
                (5, "自定义", None),
            ],
            "a column without header nor value is left out",
        )
        self.assertEqual(columns[1].sample, "无标题的值")
        self.assertEqual(columns[3].sample, long_need[:80])
        self.assertEqual(columns[4].sample, "", "an empty marker is no sample")

    def test_header_without_a_row_under_it(self):
        header_index, columns = ta.read_columns(iter([["客户名称", "联系人", "电话"]]))
        self.assertEqual(header_index, 0)
        self.assertEqual([c.sample for c in columns], ["", "", ""])

    def test_empty_sheet_and_no_header(self):
        self.assertIsNone(ta.read_columns(iter([])))
        self.assertIsNone(ta.read_columns(iter([["", None, "-"], [" "]])))
        with self.assertRaises(tr.TrackerError):
            ta.read_columns(iter([["hello", "world"], [1, 2]]))

    def test_has_header(self):
        self.assertTrue(ta.has_header(sheet("跟进表", [["说明"], ["客户名称", "联系人"]])))
        self.assertFalse(ta.has_header(sheet("说明", [["这是说明页"]])))

        def too_large():
            yield ["说明"]
            raise tr.TrackerTooLarge("over the limit")

        with self.assertRaises(tr.TrackerTooLarge):
            ta.has_header(tr.Sheet("巨表", too_large))

    # ------------------------------------------------------------
    # Users and stages
    # ------------------------------------------------------------

    def test_users_by_name_login_and_word(self):
        index = ta.user_index(
            [
                (7, "王磊 Wang Lei", "wanglei"),
                (8, "刘洋", "liu1"),
                (9, "刘洋", "liu2"),
                (10, "Li Salesman", "LI@example.com"),
            ]
        )
        for name, expected in (
            ("王磊 Wang Lei", 7),
            ("王磊", 7),
            (" wang ", 7),
            ("Lei", 7),
            ("WANGLEI", 7),
            ("li@example.com", 10),
            ("刘洋", ta.AMBIGUOUS),
            ("liu2", 9),
            ("查无此人", None),
            ("", None),
        ):
            with self.subTest(name=name):
                self.assertEqual(ta.resolve_user(index, name), expected)
        self.assertEqual(ta.user_of(index, "刘洋"), False, "ambiguous: nobody")
        self.assertEqual(ta.user_of(index, "王磊"), 7)

    def test_stages_by_name_in_any_language_then_tracker_names(self):
        stages = [
            (1, ["Qualified", "合格"], "需求分析，初步沟通"),
            (2, ["Proposition", "方案"], "商务谈判, 需求分析"),
            (3, ["Won", "赢得"], ""),
            (4, ["Duplicate"], False),
            (5, ["duplicate "], None),
        ]
        matches = ta.match_stages(
            stages, ["合格", " won", "初步 沟通", "需求分析", "Duplicate", "神秘阶段"]
        )
        self.assertEqual(
            matches,
            {
                "合格": [1],
                " won": [3],
                "初步 沟通": [1],
                "需求分析": [1, 2],
                "Duplicate": [4, 5],
                "神秘阶段": [],
            },
        )
        # A name wins over another stage's tracker name.
        self.assertEqual(ta.match_stages([(1, ["A"], "B"), (2, ["B"], "")], ["B"]), {"B": [2]})

    # ------------------------------------------------------------
    # The analysis of a sheet
    # ------------------------------------------------------------

    def test_analysis_gathers_leads_and_leaves_out_the_leads_in_error(self):
        rows = [
            ["K1", "甲公司", "王磊", "需求分析", "2024-04-01电话：询价"],  # 2
            ["K2", "乙公司", "刘洋", "", "2024-04-02上门：看样品"],  # 3: ambiguous person
            ["K1", "甲公司", "", "", "2024-04-09上门：演示"],  # 4: same lead
            ["K3", "丙公司", "查无此人", "神秘阶段", "2024-04-03电话：报价"],  # 5
            ["K1", "甲公司", "张伟", "", ""],  # 6: another salesperson: a clash
            ["", "", "", "", "2024-04-05电话"],  # 7: no customer
            ["K4", "丁公司", "", "重复阶段", "2030-01-01电话：未来"],  # 8: future contact
        ]
        users = ta.user_index([(7, "王磊", "wl"), (8, "刘洋", "l1"), (9, "刘洋", "l2")])
        counts = []

        def unmapped(stage_counts):
            counts.append(stage_counts)
            return {"神秘阶段": "unknown", "重复阶段": "ambiguous"}

        analysis = ta.analyse(parsed(*rows), users, "", unmapped)
        self.assertEqual(analysis.rows, 7)
        self.assertEqual(
            list(analysis.digests),
            [("code", "K1"), ("code", "K2"), ("code", "K3"), ("code", "K4")],
        )
        self.assertEqual(analysis.digests["code", "K1"].rows, [2, 4], "the clashing row is not his")
        self.assertEqual(counts, [{"需求分析": 1, "神秘阶段": 1, "重复阶段": 1}])
        problems = [(p.row, p.column, p.level) for p in analysis.problems]
        self.assertEqual(
            problems,
            [
                (3, "salesperson", "error"),
                (5, "salesperson", "warning"),
                (5, "stage", "error"),
                (6, "salesperson", "error"),
                (7, "partner_name", "error"),
                (8, "followup_record", "error"),
                (8, "stage", "error"),
            ],
            "sorted by row",
        )
        self.assertIn("several users", english(analysis.problems[0].message))
        self.assertIn("imported unassigned", english(analysis.problems[1].message))
        self.assertIn("unknown stage", english(analysis.problems[2].message))
        self.assertIn("same lead as row 2", english(analysis.problems[3].message))
        self.assertIn("several stages", english(analysis.problems[6].message))
        self.assertEqual(analysis.error_rows, {3, 5, 6, 7, 8})
        self.assertEqual(
            analysis.error_keys,
            {("code", "K1"), ("code", "K2"), ("code", "K3"), ("code", "K4")},
            "a clash, an error in any row: the whole lead is left out",
        )
        self.assertEqual(set(analysis.raw_rows), {6, 7, 8}, "the rows known bad while read")
        self.assertEqual(
            [c.summary for c in analysis.previews["code", "K1"].sorted_contacts()],
            ["电话：询价", "上门：演示"],
            "the preview has the lead's contacts of both rows",
        )

    def test_unknown_salesperson_goes_to_the_default_one(self):
        rows = [["K1", "甲公司", "查无此人", "", "2024-04-01电话：询价"]]
        analysis = ta.analyse(parsed(*rows), {}, "张伟", lambda counts: {})
        (problem,) = analysis.problems
        self.assertEqual((problem.level, problem.value), ("warning", "查无此人"))
        self.assertIn("the lead goes to 张伟", english(problem.message))
        self.assertFalse(analysis.error_rows)
        self.assertFalse(analysis.error_keys)

    def test_preview_keeps_the_first_leads_only(self):
        rows = [[f"K{i}", f"公司{i}", "", "", ""] for i in range(5)]
        analysis = ta.scan(parsed(*rows), preview_leads=3)
        self.assertEqual(len(analysis.digests), 5)
        self.assertEqual(list(analysis.previews), [("code", "K0"), ("code", "K1"), ("code", "K2")])

    # ------------------------------------------------------------
    # What the preview tells
    # ------------------------------------------------------------

    def test_next_followup(self):
        past, future = D(2024, 5, 1), D(2024, 7, 1)
        for status, assigned, next_date, expected in (
            ("converted", True, future, "revisit"),
            ("converted", False, future, None),
            ("lost", True, future, None),
            ("dormant", True, future, None),
            ("in_progress", False, future, None),
            ("in_progress", True, future, "date"),
            ("to_contact", True, TODAY, "date"),
            ("in_progress", True, past, "spread"),
            ("to_contact", True, None, "spread"),
        ):
            with self.subTest(status=status, assigned=assigned, next_date=next_date):
                self.assertEqual(ta.next_followup(status, assigned, next_date, TODAY), expected)

    def test_moved_count(self):
        digests = [
            SimpleNamespace(status=status, next_date=next_date)
            for status, next_date in (
                (None, D(2024, 5, 1)),
                ("in_progress", D(2024, 5, 31)),
                ("in_progress", TODAY),
                ("lost", D(2024, 5, 1)),
                ("converted", D(2024, 5, 1)),
                ("dormant", D(2024, 5, 1)),
                ("to_contact", None),
            )
        ]
        self.assertEqual(ta.moved_count(digests, TODAY), 2)

    def test_lead_preview(self):
        mapping = {0: "partner_name", 1: "contact", 2: "followup_record", 3: "status"}

        def plan(*cells):
            (_number, _row, row, _problems), *_rest = trows.parse_rows(
                numbered(list(cells)), mapping, TODAY, words=WORDS
            )
            return trows.LeadPlan(row)

        won = SimpleNamespace(name="Won", is_won=True)
        open_stage = SimpleNamespace(name="Qualified", is_won=False)
        lead = ta.lead_preview(
            plan("甲公司", "陈总", "2024-04-01电话：询价", ""), won, "张伟", TODAY
        )
        self.assertEqual(
            (lead.status, lead.stage, lead.next_followup, lead.closing_date),
            ("converted", "Won", "revisit", D(2024, 4, 1)),
            "no status in a won stage: won, closed on its last contact",
        )
        lead = ta.lead_preview(plan("", "陈总", "", "跟进中"), won, "", TODAY)
        self.assertEqual((lead.status, lead.customer), ("in_progress", "陈总"), "its own status")
        self.assertIsNone(lead.next_followup, "nobody to follow it up")
        self.assertIsNone(lead.closing_date)
        lead = ta.lead_preview(plan("乙公司", "", "", "流失"), open_stage, "张伟", TODAY)
        self.assertEqual((lead.status, lead.stage, lead.next_followup), ("lost", "Qualified", None))
        lead = ta.lead_preview(plan("丙公司", "", "", ""), None, "张伟", TODAY)
        self.assertEqual(
            (lead.status, lead.stage, lead.next_followup), ("to_contact", "", "spread")
        )

    def test_fingerprint_and_missing_names(self):
        key = ta.fingerprint(b"file", (1, [("a", 2)], "2024-06-01"))
        self.assertEqual(key, ta.fingerprint(b"file", (1, [("a", 2)], "2024-06-01")))
        self.assertEqual(key, ta.fingerprint("file", (1, [("a", 2)], "2024-06-01")))
        self.assertNotEqual(key, ta.fingerprint(b"file", (1, [("a", 2)], "2024-06-02")))
        self.assertNotEqual(key, ta.fingerprint(b"filf", (1, [("a", 2)], "2024-06-01")))
        self.assertEqual(ta.missing_names({"b": None, "a": False, "c": 3}), ["a", "b"])

    # ------------------------------------------------------------
    # Rows into plans (tools/tracker_rows.py)
    # ------------------------------------------------------------

    def test_data_rows(self):
        rows = [["标题"], ["客户名称", "联系人"], ["甲", "张三"], ["-", None], [], ["乙", ""]]
        self.assertEqual(
            list(trows.data_rows(rows, 2)),
            [(3, ["甲", "张三"]), (6, ["乙", ""])],
            "numbered as Excel shows them, empty rows left out",
        )
        self.assertEqual(list(trows.data_rows(iter([["h"]]), 1)), [])
        self.assertEqual(
            trows.cells_by_key(["a"], {0: "code", 3: "phone"}), {"code": "a", "phone": None}
        )

    def test_iter_plans_in_chunks(self):
        rows = numbered(
            ["K1", "甲公司", "", "", "2024-04-01电话：询价"],  # 2
            ["K2", "乙公司", "", "", "2024-04-02上门：看样品"],  # 3
            ["K1", "甲公司", "", "", "2024-04-03电话：报价"],  # 4
            ["K3", "丙公司", "", "", ""],  # 5
            ["K4", "丁公司", "", "", ""],  # 6
            ["K1", "甲公司", "", "", "2024-04-09上门：演示"],  # 7
            ["", "", "", "", "没有客户"],  # 8
        )

        def chunks(config, chunk_size):
            return [
                [(plan.code, plan.rows, len(plan.contacts)) for plan in plans]
                for plans in trows.iter_plans(
                    rows, config, TODAY, words=WORDS, chunk_size=chunk_size
                )
            ]

        self.assertEqual(
            chunks(CONFIG, None),
            [[("K1", [2, 4, 7], 3), ("K2", [3], 1), ("K3", [5], 0), ("K4", [6], 0)]],
        )
        self.assertEqual(
            chunks(CONFIG, 2),
            [
                [("K1", [2, 4], 2), ("K2", [3], 1)],
                [("K3", [5], 0), ("K4", [6], 0)],
                [("K1", [7], 1)],
            ],
            "a lead's later row in a later chunk: found again by the import",
        )
        skipping = {**CONFIG, "skip_rows": [3, 4], "skip_keys": [["code", "K3"]]}
        self.assertEqual(chunks(skipping, None), [[("K1", [2, 7], 2), ("K4", [6], 0)]])
        self.assertEqual(chunks({**CONFIG, "skip_rows": [2, 3, 4, 5, 6, 7]}, 2), [])

    # ------------------------------------------------------------
    # The rows with errors (tools/tracker_errors.py)
    # ------------------------------------------------------------

    def test_rows_to_fix_and_messages(self):
        analysis = ta.Analysis(
            digests={
                "a": SimpleNamespace(rows=[2, 5], error=True),
                "b": SimpleNamespace(rows=[3], error=False),
            },
            error_rows={5, 9},
        )
        self.assertEqual(te.rows_to_fix(analysis), {2, 5, 9}, "the whole lead comes back")
        problems = [
            trows.Problem(5, "amount", "x", "not an amount"),
            trows.Problem(5, "grade", "X", "not a grade"),
            trows.Problem(3, "salesperson", "某人", "no user", "warning"),
        ]
        messages = te.messages_by_row(problems, lambda p: f"{p.column}: {p.message}")
        self.assertEqual(dict(messages), {5: ["amount: not an amount", "grade: not a grade"]})

    def test_error_csv(self):
        content = te.error_csv(
            {0: "客户名称", 1: "=SUM(A1)", 3: "备注"},
            {
                7: ["坏公司", 10.0, datetime.datetime(2024, 3, 1)],
                4: ["@cmd", "-1", None, "x", "多"],
            },
            {7: ["金额: 不是金额", "等级: 不是等级"]},
            "行",
            "错误",
        )
        self.assertTrue(content.startswith(codecs.BOM_UTF8), "Excel reads it as UTF-8")
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual(table[0], ["行", "客户名称", "'=SUM(A1)", "", "备注", "", "错误"])
        self.assertEqual(table[1], ["4", "'@cmd", "'-1", "", "x", "多", ""], "sorted by row")
        self.assertEqual(
            table[2], ["7", "坏公司", "10", "2024-03-01", "", "", "金额: 不是金额; 等级: 不是等级"]
        )

    def test_message_text(self):
        def translate(message):
            return f"<{message}>"

        lazy = trows.Problem(2, "", "", trows._lt("a lead date in the future")).message
        self.assertEqual(te.message_text(lazy, translate), "<a lead date in the future>")
        self.assertEqual(
            te.message_text(tr.TrackerError(lazy), translate), "<a lead date in the future>"
        )
        self.assertEqual(te.message_text(tr.TrackerError("plain"), translate), "plain")
        self.assertEqual(te.message_text(ValueError(), translate), "")
        self.assertEqual(te.message_text("text", translate), "text")
