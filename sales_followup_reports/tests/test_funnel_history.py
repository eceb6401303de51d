"""The funnel after moving in: tracker history of 2023-2024 imported on top of this quarter's own
leads. Every figure lands in the period it happened in, and is checked against plain SQL on the
same rows."""

import base64
import io
from datetime import date

import openpyxl

from odoo.tests import tagged

from .common import FunnelCommon

HEADER = [
    "客户编号",
    "客户名称",
    "负责人",
    "当前阶段",
    "当前状态",
    "首次接触时间",
    "跟进记录",
    "成交日期",
    "预计成交金额",
]
# Q4 2023 and Q1 2024: three won, one lost, two still open.
HISTORY = [
    [
        "H01",
        "历史甲",
        "Rep A",
        "",
        "C-成交客户",
        "2023-11-06",
        "2023-11-08电话：需求；2023-12-01上门：签约",
        "2024-01-15",
        "60万",
    ],
    [
        "H02",
        "历史乙",
        "Rep A",
        "",
        "C-成交客户",
        "2024-01-08",
        "2024-01-09电话：报价；2024-02-20上门：签约",
        "2024-03-01",
        "100万",
    ],
    [
        "H03",
        "历史丙",
        "Rep B",
        "",
        "C-成交客户",
        "2024-02-05",
        "2024-02-07微信：演示",
        "2024-05-10",
        "30万",
    ],
    ["H04", "历史丁", "Rep B", "", "L-流失客户", "2024-02-12", "2024-02-13电话：嫌贵", "", "20万"],
    [
        "H05",
        "历史戊",
        "Rep A",
        "需求分析",
        "跟进中",
        "2024-03-04",
        "2024-03-01电话：先聊过；2024-03-06上门：看厂",
        "",
        "40万",
    ],
    ["H06", "历史己", "Rep B", "", "跟进中", "2023-12-18", "2023-12-19电话：介绍", "", ""],
]


def tracker():
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (HEADER, *HISTORY):
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


@tagged("post_install", "-at_install")
class TestFunnelHistory(FunnelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls._frozen("2026-03-20 10:00:00"):
            wizard = (
                cls.env["sales.followup.import"]
                .with_user(cls.manager)
                .create(
                    {
                        "file": base64.b64encode(tracker()),
                        "filename": "history.xlsx",
                        "team_id": cls.team_1.id,
                    }
                )
            )
            wizard.action_load()
            wizard.action_import()
            cls.env.flush_all()
        assert wizard.state == "done", wizard.error_ids.mapped("message")
        cls.imported = wizard.lead_ids

    def _sql(self, query, **params):
        self.env.flush_all()
        self.env.cr.execute(query, {"teams": self.teams.ids, **params})
        return self.env.cr.fetchone()

    def _cohort_sql(self, start, end):
        """New leads, won, won revenue, average days to first contact, average cycle days of
        the leads whose lead date is in [start, end), straight from the tables."""
        return self._sql(
            """
            WITH cohort AS (
                SELECT lead.*,
                       CASE WHEN lead.followup_start_date < lead.create_date::date
                            THEN lead.followup_start_date::timestamp ELSE lead.create_date
                       END AS came_in,
                       (lead.active AND stage.is_won) AS won,
                       (SELECT MIN(log.date) FROM sales_followup_log log
                         WHERE log.lead_id = lead.id) AS first_contact
                  FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE lead.followup_start_date >= %(start)s
                   AND lead.followup_start_date < %(end)s
                   AND lead.team_id = ANY(%(teams)s)
            )
            SELECT count(*),
                   count(*) FILTER (WHERE won),
                   COALESCE(sum(expected_revenue) FILTER (WHERE won), 0),
                   avg(extract(epoch FROM first_contact - came_in) / 86400),
                   avg(extract(epoch FROM date_closed - came_in) / 86400) FILTER (WHERE won)
              FROM cohort
            """,
            start=start,
            end=end,
        )

    def _closed_sql(self, start, end):
        return self._sql(
            """
            SELECT count(*) FILTER (WHERE lead.active AND stage.is_won),
                   COALESCE(sum(lead.expected_revenue)
                            FILTER (WHERE lead.active AND stage.is_won), 0),
                   count(*) FILTER (WHERE NOT lead.active AND lead.probability = 0)
              FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
             WHERE lead.date_closed >= %(start)s AND lead.date_closed < %(end)s
               AND lead.team_id = ANY(%(teams)s)
            """,
            start=start,
            end=end,
        )

    def _check(self, date_from, date_to, end):
        data = self._wizard(date_from=date_from, date_to=date_to).get_report_data()
        totals, closed = data["totals"], data["closed"]
        leads, won, revenue, days, cycle = self._cohort_sql(date_from, end)
        self.assertEqual(totals["leads"], leads)
        self.assertEqual(totals["converted"], won)
        self.assertAlmostEqual(totals["won_revenue"], float(revenue))
        self.assertAlmostEqual(totals["cycle_days"] or 0.0, float(cycle or 0.0), places=6)
        self.assertEqual(
            (closed["won"], closed["won_revenue"], closed["lost"]),
            tuple(
                float(v) if i == 1 else v for i, v in enumerate(self._closed_sql(date_from, end))
            ),
        )
        rows = self.env["sales.followup.funnel.report"].search_read(
            [("start_date", ">=", date_from), ("start_date", "<=", date_to)],
            ["days_to_first_contact", "cycle_days", "origin"],
        )
        for row in rows:
            self.assertGreaterEqual(row["days_to_first_contact"] or 0.0, 0.0, row)
            self.assertGreaterEqual(row["cycle_days"] or 0.0, 0.0, row)
        return totals, closed, days

    def test_the_history_lands_in_its_own_quarter(self):
        totals, closed, days = self._check(date(2024, 1, 1), date(2024, 3, 31), date(2024, 4, 1))
        # H02, H03, H04, H05 came in during Q1 2024 (H05: moved back by its 2024-03-01 call).
        self.assertEqual(totals["leads"], 4)
        self.assertEqual(totals["converted"], 2)
        self.assertEqual(totals["won_revenue"], 1_300_000)
        # Closed in Q1 2024: H01 (2024-01-15) and H02 (2024-03-01) won; H04 lost on its last call.
        self.assertEqual((closed["won"], closed["won_revenue"], closed["lost"]), (2, 1_600_000, 1))
        # Cycle: H02 2024-01-08 -> 03-01 (53 days), H03 2024-02-05 -> 05-10 (95 days).
        self.assertEqual(totals["cycle_days"], 74.0, "whole days: dates of a tracker")
        # Every stage of the pipeline, those no lead stands in now included.
        data = self._wizard(date_from=date(2024, 1, 1), date_to=date(2024, 3, 31)).get_report_data()
        funnel = {row["stage"]: row for row in data["funnel"]}
        self.assertLessEqual({"New", "Qualified", "Proposition", "Won"}, set(funnel))
        self.assertEqual(funnel["Proposition"]["current"], 0)
        self.assertEqual(funnel["Proposition"]["reached"], funnel["Won"]["reached"])
        # Imported leads have no recorded assignment: no first-contact-in-window rate.
        self.assertEqual(totals["first_contact_tracked"], 0)
        self.assertIsNone(totals["first_contact_rate"])
        self.assertGreaterEqual(days, 0)

    def test_this_quarter_is_not_inflated_by_the_history(self):
        totals, closed, _days = self._check(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1))
        # Only this quarter's own leads (L1-L6): the history imported on 2026-03-20 is not new.
        self.assertEqual(totals["leads"], 6)
        self.assertEqual(totals["won_revenue"], 180_000)
        self.assertEqual((closed["won"], closed["won_revenue"]), (2, 180_000))
        self.assertEqual(totals["first_contact_tracked"], 6, "L1-L6, created and assigned here")

    def test_imported_leads_dates(self):
        lead = self.imported.filtered(lambda lead: lead.followup_code == "H05")
        self.assertEqual(lead.followup_start_date, date(2024, 3, 1), "moved back to the call")
        self.assertEqual(lead.followup_origin, "import")
        won = self.imported.filtered(lambda lead: lead.followup_code == "H03")
        self.assertEqual(won.date_closed.date(), date(2024, 5, 10))
        lost = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("followup_code", "=", "H04")])
        )
        self.assertEqual(lost.followup_status, "lost")
        self.assertEqual(lost.date_closed.date(), date(2024, 2, 13))
