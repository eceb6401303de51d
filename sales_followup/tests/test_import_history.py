"""Tracker rows become the history they describe: stages, dates, closings, who did what."""

import base64
import datetime
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from .common import FollowupCommon
from .test_import import xlsx_bytes

D = datetime.date
HEADER = [
    "客户名称",
    "联系人",
    "客户需求",
    "负责人",
    "当前阶段",
    "当前状态",
    "首次接触时间",
    "跟进记录",
    "下次跟进时间",
    "成交日期",
    "流失原因",
    "预计成交金额",
]


def row(name, stage="", status="跟进中", first="", record="", next_date="", close="", **kw):
    return [
        name,
        kw.get("contact", "陈总"),
        kw.get("need", ""),
        kw.get("owner", ""),
        stage,
        status,
        first,
        record,
        next_date,
        close,
        kw.get("reason", ""),
        kw.get("amount", ""),
    ]


@tagged("post_install", "-at_install")
class TestImportHistory(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.rep = cls._user("sf_wanglei", "王磊 Wang Lei", "group_sale_salesman")
        cls.stage_qualified = cls.env.ref("crm.stage_lead2")
        cls.stage_proposition = cls.env.ref("crm.stage_lead3")
        cls.negotiation = cls.env["crm.stage"].create({"name": "Negotiation", "sequence": 25})
        cls.negotiation.with_context(lang="zh_CN").name = "谈判中"
        cls.price = cls.env["crm.lost.reason"].create({"name": "Price too high (test)"})
        cls.price.with_context(lang="zh_CN").name = "价格太高"

    def _load(self, rows, **values):
        wizard = (
            self.env["sales.followup.import"]
            .with_user(self.user_manager)
            .create(
                {
                    "file": base64.b64encode(xlsx_bytes([HEADER, *rows])),
                    "filename": "history.xlsx",
                    **values,
                }
            )
        )
        wizard.action_load()
        return wizard

    def _lead(self, name):
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("partner_name", "=", name)])
        )

    def _problems(self, wizard):
        return {(e.row, e.column, e.value, e.level): e.message for e in wizard.error_ids}

    def test_history_comes_through(self):
        rows = [
            row(
                "甲公司",
                "需求分析",
                first="2023-10-02",
                record="2023-10-05电话沟通：确认需求；2023-10-20上门拜访：看现场",
                next_date="2023-11-01",
                owner="王磊",
                need="智能仓储系统",
                amount="50万",
            ),
            row(
                "乙公司",
                "方案呈现",
                first="2024-01-10",
                record="2024-01-12微信沟通：发资料",
                next_date="2026-03-20",
            ),
            row(
                "丙公司",
                "商务谈判",
                "C-成交客户",
                "2024-02-01",
                "2024-02-03电话：谈价格；2024-03-01上门：签约",
                close="2024-03-05",
                owner="王磊",
                amount="80万",
            ),
            row("丁公司", "成交", "", "2024-04-01", "2024-04-02电话：报价；2024-04-20邮件：合同"),
            row(
                "戊公司",
                "需求分析",
                "L-流失客户",
                "2024-05-01",
                "2024-05-03电话：嫌贵",
                reason="价格太高",
            ),
            row(
                "己公司",
                "初步接触",
                "流失",
                "2024-06-01",
                "2024-06-02电话：预算取消",
                reason="预算没了",
            ),
            row("庚公司", "谈判中", first="2024-07-01", record="2024-07-02电话：谈条款"),
        ]
        with self.frozen("2026-03-04 10:00:00"):  # a Wednesday
            wizard = self._load(rows, assign_user_id=self.user_salesman.id)
            self.assertFalse(wizard.error_ids.filtered(lambda e: e.level == "error"))
            lines = {line.value: line for line in wizard.stage_line_ids}
            self.assertEqual(lines["需求分析"].stage_id, self.stage_qualified, "tracker name")
            self.assertEqual(lines["商务谈判"].stage_id, self.stage_proposition)
            self.assertEqual(lines["成交"].stage_id, self.stage_won)
            self.assertEqual(lines["谈判中"].stage_id, self.negotiation, "its Chinese name")
            self.assertEqual(wizard.moved_count, 1, "甲公司's next date of 2023")
            self.assertEqual(wizard.reasons_to_create, "预算没了")
            self.assertEqual(wizard.currency_id, self.env.company.currency_id)
            for text in (
                "甲公司 — 智能仓储系统",
                "Qualified",
                "2023-10-05",
                "看现场",
                "2024-04-20",
            ):
                self.assertIn(text, wizard.preview_html)
            wizard.action_import()
        self.assertEqual(wizard.state, "done")

        first = self._lead("甲公司")
        self.assertEqual(first.name, "甲公司 — 智能仓储系统")
        self.assertEqual(first.stage_id, self.stage_qualified)
        self.assertEqual(first.followup_status, "in_progress")
        self.assertEqual(first.followup_start_date, D(2023, 10, 2))
        self.assertEqual(first.user_id, self.rep, "负责人 王磊 found by a word of his name")
        self.assertEqual(first.followup_log_ids.user_id, self.rep, "his logs are his")
        self.assertFalse(
            first.followup_log_ids.filtered("recorded_late"), "history, not late recording"
        )
        # The next follow-up of 2023 is not kept: spread over grade C's rhythm from tomorrow.
        self.assertGreater(first.followup_next_date, D(2026, 3, 4))
        self.assertLessEqual(first.followup_next_date, D(2026, 4, 3))
        self.assertLess(first.followup_next_date.weekday(), 5)
        self.assertFalse(first.followup_risk_ids, "nothing overdue, nothing late on day one")

        second = self._lead("乙公司")
        self.assertEqual(second.user_id, self.user_salesman, "unassigned: the wizard's choice")
        self.assertEqual(second.followup_log_ids.user_id, self.user_salesman)
        self.assertEqual(second.followup_next_date, D(2026, 3, 20), "a future date is kept")
        self.assertEqual(second.stage_id, self.stage_proposition)

        won = self._lead("丙公司")
        self.assertEqual((won.followup_status, won.stage_id), ("converted", self.stage_won))
        self.assertEqual(won.date_closed.date(), D(2024, 3, 5), "成交日期")
        won_no_date = self._lead("丁公司")
        self.assertEqual(won_no_date.followup_status, "converted", "a won stage, no status")
        self.assertEqual(won_no_date.date_closed.date(), D(2024, 4, 20), "the last contact")

        lost = self._lead("戊公司")
        self.assertEqual(lost.followup_status, "lost")
        self.assertEqual(lost.lost_reason_id, self.price, "matched by its Chinese name")
        self.assertEqual(lost.stage_id, self.stage_qualified, "lost in the stage it reached")
        self.assertEqual(lost.date_closed.date(), D(2024, 5, 3))
        created = self._lead("己公司").lost_reason_id
        self.assertEqual(created.name, "预算没了", "created, as the preview said")

        self.assertEqual(self._lead("庚公司").stage_id, self.negotiation)
        self.assertEqual(
            set(
                self.env["crm.lead"]
                .with_context(active_test=False)
                .search([("followup_origin", "=", "import")])
                .mapped("partner_name")
            ),
            {"甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司", "庚公司"},
        )

    def test_followup_person_per_row(self):
        header = ["客户编号", "客户名称", "负责人", "跟进人", "跟进日期", "跟进内容"]
        rows = [
            header,
            ["H1", "辛公司", "王磊", "王磊", "2024-05-03", "电话介绍产品"],
            ["H1", "辛公司", "王磊", "Li Salesman", "2024-05-09", "视频会议演示"],
            ["H2", "壬公司", "", "王磊", "2024-06-01", "上门拜访"],
        ]
        content = xlsx_bytes(rows)
        with self.frozen("2024-06-10 10:00:00"):
            wizard = (
                self.env["sales.followup.import"]
                .with_user(self.user_manager)
                .create({"file": base64.b64encode(content), "filename": "crm.xlsx"})
            )
            wizard.action_load()
            self.assertEqual(wizard.unassigned_count, 0)
            wizard.action_import()
        lead = self.env["crm.lead"].search([("followup_code", "=", "H1")])
        self.assertEqual(lead.user_id, self.rep)
        logs = lead.followup_log_ids.sorted("date")
        self.assertEqual(logs.user_id.mapped("name"), ["王磊 Wang Lei", "Li Salesman"])
        other = self.env["crm.lead"].search([("followup_code", "=", "H2")])
        self.assertEqual(other.user_id, self.rep, "no owner column value: who followed up")

    def test_stage_mapping_unknown_ambiguous_and_created(self):
        self.env["crm.stage"].create([{"name": "重复阶段"}, {"name": "重复阶段"}])
        rows = [
            row("子公司", "神秘阶段", first="2024-01-01", record="2024-01-02电话：介绍"),
            row("丑公司", "重复阶段", first="2024-01-01", record="2024-01-02电话：介绍"),
        ]
        with self.frozen("2024-02-01 10:00:00"):
            wizard = self._load(rows)
            problems = self._problems(wizard)
            self.assertIn("unknown stage", problems[(2, "Stage", "神秘阶段", "error")])
            self.assertIn("several stages", problems[(3, "Stage", "重复阶段", "error")])
            lines = {line.value: line for line in wizard.stage_line_ids}
            self.assertEqual(lines["神秘阶段"].match, "unknown")
            self.assertEqual(lines["重复阶段"].match, "ambiguous")
            stages_before = self.env["crm.stage"].search_count([])
            wizard.action_import()
            self.assertEqual(wizard.state, "preview", "errors: nothing imported")
            self.assertFalse(self._lead("子公司") | self._lead("丑公司"))
            self.assertEqual(self.env["crm.stage"].search_count([]), stages_before)
            lines["神秘阶段"].create_stage = True
            lines["重复阶段"].stage_id = self.stage_qualified
            wizard.action_preview()
            self.assertFalse(wizard.error_ids.filtered(lambda e: e.level == "error"))
            wizard.action_import()
        self.assertEqual(self._lead("子公司").stage_id.name, "神秘阶段")
        self.assertEqual(self._lead("丑公司").stage_id, self.stage_qualified)

    def test_bad_input_gets_a_row_problem_and_nothing_half_imported(self):
        new_test_user(
            self.env, login="sf_liu_1", name="刘洋", groups="sales_team.group_sale_salesman"
        )
        new_test_user(
            self.env, login="sf_liu_2", name="刘洋", groups="sales_team.group_sale_salesman"
        )
        rows = [
            # contacts before the first-contact date: a warning, the lead date moves back
            row(
                "早公司", first="2024-03-10", record="2024-03-01电话：先聊过；2024-03-12上门：看厂"
            ),
            # closed before the lead came in
            row(
                "倒公司", "成交", "已成交", "2024-03-10", "2024-03-12电话：签约", close="2024-02-01"
            ),
            # a salesperson two users share
            row("重名公司", first="2024-03-10", record="2024-03-11电话：询价", owner="刘洋"),
            # an amount no database column holds
            row("巨额公司", first="2024-03-10", record="2024-03-11电话：询价", amount="9" * 400),
        ]
        with self.frozen("2024-04-01 10:00:00"):
            wizard = self._load(rows)
            problems = self._problems(wizard)
            warning = problems[(2, "Follow-up record", "2024-03-01", "warning")]
            self.assertIn("the lead date becomes 2024-03-01", warning)
            self.assertIn(
                "before the lead came in", problems[(3, "Close date", "2024-02-01", "error")]
            )
            self.assertIn("several users", problems[(4, "Salesperson", "刘洋", "error")])
            amount = [msg for (r, col, _v, lvl), msg in problems.items() if r == 5]
            self.assertIn("not a plausible amount", amount[0])
            self.assertEqual(wizard.error_count, 3)
            wizard.action_import()
            self.assertFalse(
                self._lead("早公司") | self._lead("倒公司") | self._lead("重名公司"),
                "one error: nothing imported",
            )
            csv_rows = base64.b64decode(wizard.error_file).decode("utf-8-sig")
            for name in ("倒公司", "重名公司", "巨额公司"):
                self.assertIn(name, csv_rows)
            wizard.skip_errors = True
            wizard.action_import()
        early = self._lead("早公司")
        self.assertEqual(early.followup_start_date, D(2024, 3, 1))
        self.assertFalse(self._lead("倒公司") | self._lead("重名公司") | self._lead("巨额公司"))

    def test_large_file_in_the_background_resumes_after_a_restart(self):
        """Above the background threshold the job imports chunk by chunk; a chunk lost with its
        worker (its transaction rolled back) is imported again, nothing twice."""
        rows = [
            row(
                f"后台公司{index:02d}",
                status="流失" if index == 6 else "跟进中",
                first="2024-01-01",
                record=f"2024-01-0{1 + index % 5}电话：第{index}次沟通",
            )
            for index in range(7)
        ]
        Job = self.env["sales.followup.import.job"]
        with (
            self.frozen("2024-02-01 10:00:00"),
            patch("odoo.addons.sales_followup.wizard.sales_followup_import.BACKGROUND_ROWS", 3),
            patch("odoo.addons.sales_followup.models.sales_followup_import_job.CHUNK_ROWS", 3),
        ):
            wizard = self._load(rows, assign_user_id=self.user_salesman.id)
            self.assertTrue(wizard.background)
            wizard.action_import()
            self.assertEqual(wizard.state, "running")
            job = wizard.job_id
            self.assertEqual(job.state, "queued")
            self.assertFalse(self._lead("后台公司00"), "nothing written in the request")
            Job._cron_process()  # reads the file into staged rows
            self.assertEqual((job.state, job.row_count, job.position), ("importing", 7, 0))
            Job._cron_process()  # rows 2-4
            self.assertEqual(job.position, 4)
            # The worker dies while importing rows 5-7: its transaction is rolled back.
            self.env.flush_all()
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                job._import_next_chunk()
                self.env.flush_all()
                raise RuntimeError("worker killed")
            self.env.invalidate_all()
            self.assertEqual(job.position, 4)
            self.assertFalse(self._lead("后台公司03"))
            while job.state == "importing":
                Job._cron_process()
        self.assertEqual(job.state, "done", job.message)
        imported = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("partner_name", "like", "后台公司")])
        )
        self.assertEqual(len(imported), 7, "each lead once")
        self.assertEqual(len(imported.followup_log_ids), 7, "each contact once")
        self.assertEqual(job.lead_count, 7, "the lost one too")
        self.assertEqual(job.log_count, 7)
        self.assertFalse(
            self.env["sales.followup.import.job.row"].search([("job_id", "=", job.id)])
        )
        inbox = self.env["mail.message"].search(
            [("model", "=", job._name), ("res_id", "=", job.id)]
        )
        self.assertTrue(
            inbox.filtered(lambda m: self.user_manager.partner_id in m.partner_ids),
            "the manager is told",
        )
        wizard.action_refresh()
        self.assertEqual(
            (wizard.state, len(wizard.with_context(active_test=False).lead_ids)), ("done", 7)
        )

    def test_spread_over_working_days_and_names_in_any_language(self):
        """Leads of one salesperson and grade take the rhythm's working days in turn; industries
        and sources are found by their name in any language, the others listed before being
        created."""
        education = self.env["res.partner.industry"].create({"name": "Education (test)"})
        education.with_context(lang="zh_CN").name = "教育行业"
        header = ["客户名称", "行业", "线索来源", "客户等级", "负责人", "首次接触时间", "跟进记录"]
        rows = [header] + [
            [
                f"轮转公司{index}",
                "教育行业" if index < 2 else "新兴行业",
                "新渠道",
                "B",
                "王磊",
                "2026-02-02",
                "2026-02-03电话：介绍",
            ]
            for index in range(4)
        ]
        industries_before = self.env["res.partner.industry"].search_count([])
        with self.frozen("2026-03-04 10:00:00"):  # a Wednesday: grade B's 3 days hold 2 working
            wizard = (
                self.env["sales.followup.import"]
                .with_user(self.user_manager)
                .create({"file": base64.b64encode(xlsx_bytes(rows)), "filename": "turns.xlsx"})
            )
            wizard.action_load()
            self.assertEqual(wizard.industries_to_create, "新兴行业")
            self.assertEqual(wizard.sources_to_create, "新渠道")
            wizard.action_import()
        leads = self.env["crm.lead"].search([("partner_name", "like", "轮转公司")])
        days = sorted(leads.mapped("followup_next_date"))
        self.assertEqual(days, [D(2026, 3, 5), D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 6)])
        self.assertEqual(
            leads.filtered(
                lambda lead: lead.partner_name in ("轮转公司0", "轮转公司1")
            ).partner_id.industry_id,
            education,
            "教育行业 is Education (test)'s Chinese name",
        )
        self.assertEqual(self.env["res.partner.industry"].search_count([]), industries_before + 1)
