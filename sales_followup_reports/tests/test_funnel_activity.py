"""The two views of a period, each next to the period before: activity in the period (new
leads, contacts, won and lost by closing date, risks, pool moves) and the cohort's headline
KPIs. Every figure of both periods is checked against plain SQL on the fixture's rows, the
imported history of 2023-2024 included."""

import base64
import io
from datetime import date, datetime, timedelta

import openpyxl

from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.sales_followup.compat import formatted_groups
from odoo.addons.sales_followup_reports.wizard.sales_followup_funnel_wizard import (
    previous_period,
)

from . import test_funnel_history as history
from .common import FunnelCommon
from .test_report_print import flat, pdf_pages

REPORT = "report.sales_followup_reports.report_followup_funnel"


@tagged("post_install", "-at_install")
class TestFunnelActivity(FunnelCommon):
    """On top of the common quarter and the imported history:

    - risks: L3 raised 2026-02-03, resolved 2026-03-05; L5 (North) raised 2026-03-02; L7
      raised 2025-12-22, resolved 2026-01-06;
    - pool: L6 released by Rep A 2026-03-21, claimed by Rep B 2026-03-25; L7 released by Rep A
      2025-12-23, claimed by Rep B 2025-12-28.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )
        with cls._frozen("2026-03-20 10:00:00"):
            wizard = (
                cls.env["sales.followup.import"]
                .with_user(cls.manager)
                .create(
                    {
                        "file": base64.b64encode(history.tracker()),
                        "filename": "history.xlsx",
                        "team_id": cls.team_1.id,
                    }
                )
            )
            wizard.action_load()
            wizard.action_import()
            cls.env.flush_all()
        assert wizard.state == "done", wizard.error_ids.mapped("message")

        risk_type = cls.env.ref("sales_followup.risk_type_requirement_change")
        Risk = cls.env["sales.followup.risk"].with_user(cls.manager)

        def raise_risk(lead, when):
            with cls._frozen(when):
                risk = Risk.create({"lead_id": lead.id, "type_id": risk_type.id})
                cls.env.flush_all()
            return risk

        def resolve(risk, when):
            with cls._frozen(when):
                risk.action_resolve()
                cls.env.flush_all()

        resolve(raise_risk(cls.l3, "2026-02-03 09:00:00"), "2026-03-05 09:00:00")
        raise_risk(cls.l5, "2026-03-02 09:00:00")
        resolve(raise_risk(cls.l7, "2025-12-22 09:00:00"), "2026-01-06 09:00:00")

        ICP = cls.env["ir.config_parameter"].sudo()
        ICP.set_param("sales_followup.pool_enabled", "True")
        ICP.set_param("sales_followup.pool_enabled_date", "2025-12-01")
        for lead, released, claimed in (
            (cls.l7, "2025-12-23 09:00:00", "2025-12-28 09:00:00"),
            (cls.l6, "2026-03-21 09:00:00", "2026-03-25 09:00:00"),
        ):
            with cls._frozen(released):
                lead.with_user(cls.rep_a)._followup_release("Not our market")
                cls.env.flush_all()
            with cls._frozen(claimed):
                lead.with_user(cls.rep_b).action_followup_claim()
                cls.env.flush_all()

    # ------------------------------------------------------------
    # The same figures in plain SQL
    # ------------------------------------------------------------

    def _one(self, query, **params):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        return self.env.cr.fetchone()

    def _sql_activity(self, date_from, date_to, teams, users=None):
        start = datetime.combine(date_from, datetime.min.time())
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time())
        params = {"start": start, "end": end, "teams": teams, "users": users or [0]}
        lead_scope = (
            "lead.team_id = ANY(%(teams)s)"
            " AND (%(users)s = ARRAY[0] OR lead.user_id = ANY(%(users)s))"
        )
        (new_leads,) = self._one(
            f"""SELECT count(*) FROM crm_lead lead
                 WHERE lead.followup_start_date >= %(start)s::date
                   AND lead.followup_start_date < %(end)s::date AND {lead_scope}""",
            **params,
        )
        contacts, due, on_rhythm = self._one(
            f"""SELECT count(*), count(log.due_date), count(*) FILTER (WHERE log.on_rhythm)
                  FROM sales_followup_log log JOIN crm_lead lead ON lead.id = log.lead_id
                 WHERE log.date >= %(start)s AND log.date < %(end)s AND {lead_scope}""",
            **params,
        )
        won, won_value, lost = self._one(
            f"""SELECT count(*) FILTER (WHERE lead.active AND stage.is_won),
                       COALESCE(sum(lead.expected_revenue)
                                FILTER (WHERE lead.active AND stage.is_won), 0),
                       count(*) FILTER (WHERE NOT lead.active AND lead.probability = 0)
                  FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE lead.date_closed >= %(start)s AND lead.date_closed < %(end)s
                   AND {lead_scope}""",
            **params,
        )
        self.env.cr.execute(
            f"""SELECT reason.id, count(*) FROM crm_lead lead
                  LEFT JOIN crm_lost_reason reason ON reason.id = lead.lost_reason_id
                 WHERE NOT lead.active AND lead.probability = 0
                   AND lead.date_closed >= %(start)s AND lead.date_closed < %(end)s
                   AND {lead_scope}
                 GROUP BY reason.id""",
            params,
        )
        reasons = dict(self.env.cr.fetchall())
        raised, resolved = self._one(
            f"""SELECT count(*) FILTER (WHERE risk.date_raised >= %(start)s
                                          AND risk.date_raised < %(end)s),
                       count(*) FILTER (WHERE risk.date_resolved >= %(start)s
                                          AND risk.date_resolved < %(end)s)
                  FROM sales_followup_risk risk JOIN crm_lead lead ON lead.id = risk.lead_id
                 WHERE {lead_scope}""",
            **params,
        )
        claims, reclaims = self._one(
            """SELECT count(*) FILTER (WHERE own.how = 'claimed'
                                         AND (%(users)s = ARRAY[0]
                                              OR own.user_id = ANY(%(users)s))),
                      count(*) FILTER (WHERE own.how = 'reclaimed'
                                         AND (%(users)s = ARRAY[0]
                                              OR own.from_user_id = ANY(%(users)s)))
                 FROM sales_followup_ownership own
                WHERE own.date_from >= %(start)s AND own.date_from < %(end)s
                  AND own.team_id = ANY(%(teams)s)""",
            **params,
        )
        return {
            "new_leads": new_leads,
            "contacts": contacts,
            "on_rhythm_rate": on_rhythm / due if due else None,
            "won": won,
            "won_revenue": float(won_value),
            "lost": lost,
            "reasons": reasons,
            "risks_raised": raised,
            "risks_resolved": resolved,
            "claims": claims,
            "reclaims": reclaims,
        }

    def _check_period(self, date_from, date_to, teams=None, users=None):
        teams = teams or self.teams
        vals = {"date_from": date_from, "date_to": date_to, "team_ids": [(6, 0, teams.ids)]}
        if users:
            vals["user_ids"] = [(6, 0, users.ids)]
        wizard = self._wizard(**vals)
        data = wizard.get_report_data()
        previous = data["previous"]
        self.assertEqual(
            (previous["date_from"], previous["date_to"]), previous_period(date_from, date_to)
        )
        Report = self.env[REPORT].with_user(self.manager)
        figures = {}
        for key, (start, end) in (
            ("current", (date_from, date_to)),
            ("previous", (previous["date_from"], previous["date_to"])),
        ):
            expected = self._sql_activity(start, end, teams.ids, users and users.ids)
            got = Report._activity_figures(start, end, teams.ids, users.ids if users else [])
            with self.subTest(period=key, start=start):
                self.assertEqual(got["new_leads"], expected["new_leads"])
                self.assertEqual(got["contacts"], expected["contacts"])
                if expected["on_rhythm_rate"] is None:
                    self.assertIsNone(got["on_rhythm_rate"])
                else:
                    self.assertAlmostEqual(got["on_rhythm_rate"], expected["on_rhythm_rate"])
                closed = got["closed"]
                self.assertEqual(closed["won"], expected["won"])
                self.assertAlmostEqual(closed["won_revenue"], expected["won_revenue"])
                self.assertEqual(closed["lost"], expected["lost"])
                reasons = self.env["crm.lost.reason"].browse(
                    [reason for reason in expected["reasons"] if reason]
                )
                self.assertEqual(
                    {row["label"]: row["count"] for row in closed["lost_reasons"]},
                    {
                        (reasons.browse(reason).name if reason else None): count
                        for reason, count in expected["reasons"].items()
                    },
                )
                for name in ("risks_raised", "risks_resolved", "claims", "reclaims"):
                    self.assertEqual(got[name], expected[name], name)
            figures[key] = expected

        # The table: both periods, and the change next to them.
        rows = {row["label"]: row for row in data["activity"]}
        for label, name in (
            ("New leads (by lead date)", "new_leads"),
            ("Contacts logged", "contacts"),
            ("Won (by closing date)", "won"),
            ("Won value (by closing date)", "won_revenue"),
            ("Lost (by closing date)", "lost"),
            ("Risks raised", "risks_raised"),
            ("Risks resolved", "risks_resolved"),
            ("Pool claims", "claims"),
            ("Pool reclaims", "reclaims"),
        ):
            row = rows[label]
            now, before = figures["current"][name], figures["previous"][name]
            self.assertAlmostEqual(row["current"], now, msg=label)
            self.assertAlmostEqual(row["previous"], before, msg=label)
            self.assertAlmostEqual(row["change"], now - before, msg=label)
            if before:
                self.assertAlmostEqual(row["change_pct"], (now - before) / before, msg=label)
            else:
                self.assertIsNone(row["change_pct"], label)
        rate = rows["On-rhythm rate of the contacts"]
        now, before = figures["current"]["on_rhythm_rate"], figures["previous"]["on_rhythm_rate"]
        if now is not None and before is not None:
            self.assertAlmostEqual(rate["change"], (now - before) * 100, msg="in points")
        else:
            self.assertIsNone(rate["change"])
        self.assertIsNone(rate["change_pct"], "a rate changes in points only")
        return data, figures

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_previous_period(self):
        for (date_from, date_to), expected in (
            ((date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 2, 1), date(2026, 2, 28))),
            ((date(2026, 1, 1), date(2026, 3, 31)), (date(2025, 10, 1), date(2025, 12, 31))),
            ((date(2026, 1, 1), date(2026, 12, 31)), (date(2025, 1, 1), date(2025, 12, 31))),
            ((date(2026, 3, 9), date(2026, 3, 15)), (date(2026, 3, 2), date(2026, 3, 8))),
            ((date(2026, 2, 1), date(2026, 2, 20)), (date(2026, 1, 12), date(2026, 1, 31))),
            ((date(2026, 5, 31), date(2026, 6, 30)), (date(2026, 4, 30), date(2026, 5, 30))),
        ):
            with self.subTest(period=(date_from, date_to)):
                self.assertEqual(previous_period(date_from, date_to), expected)

    def test_this_quarter_against_the_last(self):
        data, figures = self._check_period(*self.q1)
        now, before = figures["current"], figures["previous"]
        # Q1 2026: L1-L6 came in, six contacts, L1 and L3 won, L2 and L4 lost; Q4 2025: L7.
        self.assertEqual((now["new_leads"], before["new_leads"]), (6, 1))
        self.assertEqual(now["contacts"], 6)
        self.assertEqual((now["won"], now["won_revenue"], now["lost"]), (2, 180_000, 2))
        # L3, L5 and what the risk rules raised; L7's and L3's resolved (and the rules').
        self.assertGreaterEqual(now["risks_raised"], 2)
        self.assertGreaterEqual(now["risks_resolved"], 2)
        self.assertEqual((before["risks_raised"], before["risks_resolved"]), (1, 0))
        self.assertEqual((now["claims"], before["claims"]), (1, 1))
        # The cohort's KPIs next to the previous cohort's (L7 alone).
        kpis = {row["label"]: row for row in data["kpi_rows"]}
        self.assertEqual(
            (kpis["New leads"]["current"], kpis["New leads"]["previous"]),
            (data["totals"]["leads"], 1),
        )
        self.assertEqual(kpis["New leads"]["change"], data["totals"]["leads"] - 1)
        self.assertAlmostEqual(kpis["New leads"]["change_pct"], data["totals"]["leads"] - 1)
        conversion = kpis["Conversion rate"]
        self.assertAlmostEqual(conversion["change"], (2 / 6 - 0) * 100)

    def test_the_history_against_the_quarter_before(self):
        _data, figures = self._check_period(date(2024, 1, 1), date(2024, 3, 31))
        now, before = figures["current"], figures["previous"]
        # Q1 2024: H02-H05 came in; H01 and H02 won, H04 lost. Q4 2023: H01 and H06 came in.
        self.assertEqual((now["new_leads"], before["new_leads"]), (4, 2))
        self.assertEqual((now["won"], now["won_revenue"], now["lost"]), (2, 1_600_000, 1))
        self.assertEqual(before["won"], 0)
        self.assertGreater(before["contacts"], 0, "the history's calls of Q4 2023")

    def test_a_custom_period_for_one_team_and_salesperson(self):
        self._check_period(date(2026, 2, 1), date(2026, 2, 20), self.team_1, self.rep_b)
        self._check_period(date(2025, 12, 20), date(2026, 1, 31), self.team_1, self.rep_a)

    def test_report_model_computes_the_values(self):
        wizard = self._wizard()
        Report = self.env[REPORT].with_user(self.manager)
        values = Report._get_report_values(wizard.ids)
        self.assertEqual(values["docs"], wizard)
        [(doc, data)] = values["reports"]
        self.assertEqual(doc, wizard)
        self.assertEqual(data["activity"], wizard.get_report_data()["activity"])
        # Without a dialog: the period and the filters from the data.
        values = Report._get_report_values(
            [],
            {
                "date_from": "2026-01-01",
                "date_to": "2026-03-31",
                "team_ids": self.teams.ids,
                "breakdown": "user_id",
            },
        )
        [(_doc, by_data)] = values["reports"]
        self.assertEqual(by_data["activity"], data["activity"])
        self.assertEqual(by_data["kpi_rows"], data["kpi_rows"])
        self.assertEqual(by_data["breakdown_label"], "Salesperson")

    def test_pdf_shows_both_views_with_the_previous_period(self):
        wizard = self._wizard()
        data = wizard.get_report_data()
        Report = self.env["ir.actions.report"].with_user(self.manager)
        content, _kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "sales_followup_reports.action_report_followup_funnel", wizard.ids
        )
        text = flat("\n".join(pdf_pages(content)))
        self.assertLess(text.index("Activity in the period"), text.index("Leads that came in"))
        activity = text.split("Activity in the period", 1)[1].split("Leads that came in")[0]
        self.assertIn("Previous period: 10/01/2025 – 12/31/2025", activity)
        for expected in (
            "Figure This period Previous period Change Change %",
            "New leads (by lead date) 6 1 +5 +500.0%",
            "Contacts logged 6 0 +6",
            "$ 180,000.00 $ 0.00 +$ 180,000.00",
            "Lost (by closing date) 2 0 +2",
            "Lost: " + self.reason_1.name + " 1 0 +1",
            "Risks resolved 3 0 +3",
            "Pool claims 1 1 +0 +0.0%",
            "On-rhythm rate of the contacts",
            "Won value (by closing date)",
        ):
            self.assertIn(expected, activity)
        rate = next(row for row in data["activity"] if row["kind"] == "rate")
        if rate["change"] is not None:
            self.assertIn(f"{rate['change']:+.1f} pts", activity)
        cohort = text.split("Leads that came in during the period", 1)[1]
        self.assertIn("Conversion rate 33.3%", cohort)
        self.assertIn("New leads 6 1 +5 +500.0%", cohort)

    def test_xlsx_activity_sheet_and_kpi_comparison(self):
        wizard = self._wizard()
        data = wizard.get_report_data()
        content, _filename = wizard._xlsx_export()
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames[:2], ["Activity", "KPIs"])
        sheet = book["Activity"]
        header = [cell.value for cell in sheet[5]]
        self.assertEqual(header, ["Figure", "This period", "Previous period", "Change", "Change %"])
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=6) if row[0].value}
        self.assertEqual(len(rows), len(data["activity"]))
        for expected in data["activity"]:
            row = rows[expected["label"]]
            for cell, key in zip(
                row[1:], ("current", "previous", "change", "change_pct"), strict=True
            ):
                if expected[key] is None:
                    self.assertIsNone(cell.value)
                else:
                    self.assertAlmostEqual(cell.value, expected[key])
        leads = rows["New leads (by lead date)"]
        self.assertEqual([c.number_format for c in leads[1:3]], ["#,##0", "#,##0"])
        self.assertEqual(leads[3].number_format, "+#,##0;-#,##0;0")
        self.assertEqual(leads[4].number_format, "+0.0%;-0.0%;0.0%")
        rate = rows["On-rhythm rate of the contacts"]
        self.assertEqual(rate[1].number_format, "0.0%")
        self.assertIsNone(rate[3].value, "no contact with a due date in Q4 2025: no change")
        self.assertEqual(rows["Won value (by closing date)"][1].number_format, "#,##0.00")

        kpis = {row[0].value: row for row in book["KPIs"].iter_rows() if row[0].value}
        self.assertEqual(kpis["New leads"][1].value, 6)
        self.assertEqual(kpis["New leads"][2].value, 1)
        self.assertEqual(kpis["New leads"][3].value, 5)
        self.assertAlmostEqual(kpis["Conversion rate"][3].value, 100 / 3)
        self.assertEqual(
            kpis["Conversion rate"][3].number_format, '+0.0" pts";-0.0" pts";0.0" pts"'
        )

    def test_pivot_compares_with_the_previous_period(self):
        """The analysis view filters by lead date and by closing date, so the pivot's "compare
        to previous period" works; its domains give the previous period's figures."""
        Funnel = self.env["sales.followup.funnel.report"].with_user(self.manager)
        arch = Funnel.get_view(view_type="search")["arch"]
        self.assertIn('date="start_date"', arch)
        self.assertIn('date="date_closed"', arch)
        scope = [("team_id", "in", self.teams.ids)]
        for start, end, expected in (
            ("2026-01-01", "2026-03-31", 6),
            ("2025-10-01", "2025-12-31", 1),
        ):
            period = [("start_date", ">=", start), ("start_date", "<=", end), *scope]
            [group] = formatted_groups(Funnel, period, [], ["nbr:sum"])
            self.assertEqual(group["nbr"], expected)
