from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.sales_followup.compat import formatted_groups

from .common import FunnelCommon

Q1_START, Q1_END = "2026-01-01", "2026-04-01"


@tagged("post_install", "-at_install")
class TestFunnelKpis(FunnelCommon):
    def _sql_one(self, query, params):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        return self.env.cr.fetchone()[0]

    def _cohort(self):
        return {
            "start": Q1_START,
            "end": Q1_END,
            "teams": self.teams.ids,
        }

    def test_headline_kpis_against_plain_sql(self):
        data = self._wizard().get_report_data()
        totals = data["totals"]
        cohort = (
            "lead.followup_start_date >= %(start)s AND lead.followup_start_date < %(end)s "
            "AND lead.team_id = ANY(%(teams)s)"
        )
        new_leads = self._sql_one(
            f"SELECT count(*) FROM crm_lead lead WHERE {cohort}", self._cohort()
        )
        won = self._sql_one(
            f"""SELECT count(*) FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
                WHERE {cohort} AND lead.active AND stage.is_won""",
            self._cohort(),
        )
        lost = self._sql_one(
            f"SELECT count(*) FROM crm_lead lead WHERE {cohort} "
            "AND NOT lead.active AND lead.probability = 0",
            self._cohort(),
        )
        won_revenue = self._sql_one(
            f"""SELECT sum(expected_revenue) FROM crm_lead lead
                JOIN crm_stage stage ON stage.id = lead.stage_id
                WHERE {cohort} AND lead.active AND stage.is_won""",
            self._cohort(),
        )
        cycle = self._sql_one(
            f"""SELECT avg(extract(epoch FROM lead.date_closed - lead.create_date) / 86400)
                  FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE {cohort} AND lead.active AND stage.is_won""",
            self._cohort(),
        )
        contacted = self._sql_one(
            f"""SELECT count(*) FROM crm_lead lead WHERE {cohort}
                AND lead.id IN (SELECT lead_id FROM sales_followup_log)""",
            self._cohort(),
        )
        on_time = self._sql_one(
            f"""SELECT count(*) FROM crm_lead lead
                  JOIN (SELECT lead_id, min(date) AS first_date FROM sales_followup_log
                        GROUP BY lead_id) first ON first.lead_id = lead.id
                 WHERE {cohort} AND first.first_date <= lead.date_open + interval '24 hours'""",
            self._cohort(),
        )
        # The same figures by hand from the dataset described in FunnelCommon.
        self.assertEqual((new_leads, won, lost, contacted, on_time), (6, 2, 2, 4, 3))
        # Cycle days: from the lead's creation (its lead date is its creation day) to the win.
        self.assertAlmostEqual(cycle, (15 + 28) / 2, places=6)
        self.assertEqual(won_revenue, 180000)

        self.assertEqual(totals["leads"], new_leads)
        self.assertEqual(totals["converted"], won)
        self.assertEqual(totals["lost"], lost)
        self.assertEqual(totals["contacted"], contacted)
        self.assertAlmostEqual(totals["conversion_rate"], won / new_leads)
        self.assertAlmostEqual(totals["won_revenue"], won_revenue)
        self.assertAlmostEqual(totals["cycle_days"], float(cycle), places=6)
        self.assertAlmostEqual(totals["first_contact_rate"], on_time / 6)
        # Follow-ups with a due date: all six logs; on rhythm: L1 x2, L3's first, L5 (by hand).
        self.assertIsInstance(totals["logs_due"], int, "counts print as 6, not 6.0")
        self.assertEqual(totals["logs_due"], 6)
        self.assertEqual(totals["logs_on_rhythm"], 4)
        self.assertAlmostEqual(totals["on_rhythm_rate"], 4 / 6)

    def test_funnel_breakdown_lost_reasons_and_discipline(self):
        data = self._wizard().get_report_data()
        funnel = {step["stage"]: step for step in data["funnel"]}
        won_stage = self.l1.stage_id.name
        self.assertEqual(funnel[won_stage]["reached"], 2)
        first = data["funnel"][0]
        self.assertEqual(first["reached"], 6, "every lead reached the first stage")
        self.assertIsNone(first["step_rate"])

        by_source = {row["label"]: row for row in data["breakdown"]}
        self.assertEqual(by_source["展会 Expo"]["leads"], 3)
        self.assertEqual(by_source["展会 Expo"]["converted"], 2)
        self.assertAlmostEqual(by_source["展会 Expo"]["conversion_rate"], 2 / 3)
        self.assertEqual(by_source["官网 Web"]["leads"], 2)
        self.assertEqual(by_source["官网 Web"]["converted"], 0)
        self.assertEqual(by_source[None]["leads"], 1)

        by_industry = {
            row["label"]: row
            for row in self._wizard(breakdown="industry_id").get_report_data()["breakdown"]
        }
        self.assertEqual(by_industry["制造 Manufacturing"]["leads"], 3)
        self.assertEqual(by_industry["Food"]["converted"], 1)
        by_grade = self._wizard(breakdown="grade").get_report_data()["breakdown"]
        self.assertEqual([(row["label"], row["leads"]) for row in by_grade], [("B", 6)])

        reasons = {row["label"]: row for row in data["lost_reasons"]}
        self.assertEqual(reasons[self.reason_1.name]["count"], 1)
        self.assertAlmostEqual(reasons[self.reason_2.name]["share"], 0.5)

        discipline = {row["label"]: row for row in data["discipline"]}
        self.assertEqual(discipline["Rep A"]["leads"], 3)
        self.assertEqual(discipline["Rep A"]["contacted"], 2)
        self.assertAlmostEqual(discipline["Rep A"]["first_contact_rate"], 1 / 3)
        self.assertEqual(discipline["Rep A"]["logs"], 3)
        self.assertAlmostEqual(discipline["Rep A"]["on_rhythm_rate"], 2 / 3)
        self.assertAlmostEqual(discipline["Rep B"]["on_rhythm_rate"], 1 / 2)
        self.assertEqual(discipline["Rep B"]["unanswered_logs"], 1)

    def test_pivot_gives_the_same_numbers(self):
        """The analysis view's read_group with the wizard's filter = the printed figures."""
        wizard = self._wizard(breakdown="user_id")
        data = wizard.get_report_data()
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        groups = formatted_groups(
            Report, wizard._domain(), ["user_id"], ["nbr:sum", "converted:sum", "won_revenue:sum"]
        )
        pivot = {group["user_id"][1]: group for group in groups}
        for row in data["breakdown"]:
            self.assertEqual(pivot[row["label"]]["converted"], row["converted"])
            self.assertEqual(pivot[row["label"]]["won_revenue"], row["won_revenue"])
            self.assertEqual(pivot[row["label"]]["nbr"], row["leads"])

    def test_postponed_followup_stays_overdue_in_the_figures(self):
        today = fields.Date.context_today(self.rep_a)
        lead = self.env["crm.lead"].create(
            {"name": "Postponed", "type": "opportunity", "user_id": self.rep_a.id}
        )
        self.env["sales.followup.log"].with_user(self.rep_a).create(
            {"lead_id": lead.id, "summary": "Asked for the catalogue of pumps"}
        )
        lead.activity_ids.with_context(sales_followup_engine=True).write(
            {"date_deadline": today - timedelta(days=3)}
        )
        lead.with_user(self.rep_a)._followup_postpone(
            today + timedelta(days=5), "The buyer is travelling"
        )
        self.assertFalse(lead.followup_overdue, "the card follows the new date")
        self.env.flush_all()
        row = self.env["sales.followup.funnel.report"].search([("lead_id", "=", lead.id)])
        self.assertEqual(row.overdue_now, 1, "late from its original due date")

    def test_salesman_sees_only_his_leads(self):
        data = self._wizard(user=self.rep_a).get_report_data()
        self.assertEqual(data["totals"]["leads"], 3, "L1, L2 and L6 only")
        self.assertEqual({row["label"] for row in data["discipline"]}, {"Rep A"})
        asking_for_b = self._wizard(user=self.rep_a, user_ids=[(6, 0, self.rep_b.ids)])
        self.assertEqual(asking_for_b.get_report_data()["totals"]["leads"], 0)
        rows = self.env["sales.followup.funnel.report"].with_user(self.rep_a).search([])
        self.assertFalse(rows.filtered(lambda row: row.user_id != self.rep_a))

    def test_companies_stay_apart(self):
        company_2 = self.env["res.company"].create({"name": "Beijing Branch"})
        self.manager.write({"company_ids": [(4, company_2.id)]})
        with self._frozen("2026-02-02 09:00:00"):
            other = self.env["crm.lead"].create(
                {"name": "Beijing lead", "company_id": company_2.id, "team_id": False}
            )
            self.env.flush_all()
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        in_company_1 = Report.with_context(allowed_company_ids=[self.env.company.id]).search([])
        self.assertNotIn(other.id, in_company_1.ids)
        both = Report.with_context(allowed_company_ids=[self.env.company.id, company_2.id])
        self.assertIn(other.id, both.search([]).ids)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValidationError, "Period: 'From'"):
            self._wizard(date_from="2026-03-31", date_to="2026-01-01")
        wizard = self._wizard()
        wizard.breakdown = False
        with self.assertRaisesRegex(UserError, "Break Down By"):
            wizard.get_report_data()
        empty = self._wizard(date_from="2030-01-01", date_to="2030-03-31").get_report_data()
        self.assertEqual(empty["totals"]["leads"], 0)
        self.assertIsNone(empty["totals"]["conversion_rate"])
        self.assertIsNone(empty["totals"]["cycle_days"], "no won lead: no cycle, not 0 days")
        self.assertEqual(empty["breakdown"], [])
