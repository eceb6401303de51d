from datetime import date, timedelta

from lxml import etree, html

from odoo.tests import tagged

from .common import FunnelCommon

END = date(2026, 3, 31)  # a Tuesday: the last week is 03-30 and 03-31
REPORT = "report.sales_followup_reports.report_followup_funnel"


@tagged("post_install", "-at_install")
class TestFunnelCharts(FunnelCommon):
    """The weekly trend against plain SQL, and the charts against the report's tables.

    On top of FunnelCommon's quarter, figures on both sides of week boundaries (Sunday 23:30 /
    Monday 00:10 UTC) and of the end date, and a lead of the other team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.l9 = cls._lead("L9", "2026-03-08 23:30:00", cls.rep_a, cls.web, None, 4000)
        cls.l10 = cls._lead("L10", "2026-03-09 00:10:00", cls.rep_b, cls.web, None, 6000)
        cls.l11 = cls._lead("L11", "2026-03-02 09:00:00", cls.rep_c, cls.expo, None, 9000)
        cls.l12 = cls._lead("L12", "2026-03-25 09:00:00", cls.rep_a, cls.expo, None, 12000)
        cls._log(cls.l9, cls.rep_a, "2026-03-08 23:45:00")
        cls._log(cls.l10, cls.rep_b, "2026-03-09 00:20:00")
        cls._log(cls.l10, cls.rep_b, "2026-03-30 08:00:00")
        cls._log(cls.l11, cls.rep_c, "2026-03-03 10:00:00")
        cls._log(cls.l12, cls.rep_a, "2026-03-31 22:00:00")
        for lead, when in (
            (cls.l9, "2026-03-15 23:50:00"),  # Sunday: week of 03-09
            (cls.l11, "2026-03-16 08:00:00"),  # the other team
            (cls.l12, "2026-03-31 23:00:00"),  # the last day of the period
            (cls.l10, "2026-04-01 08:00:00"),  # after the period
        ):
            with cls._frozen(when):
                lead.with_user(lead.user_id).action_set_won()
                cls.env.flush_all()

    # ------------------------------------------------------------
    # Reference figures: plain SQL, one query per week
    # ------------------------------------------------------------

    def _sql_week(self, monday, teams, users=None):
        self.env.flush_all()
        end = min(monday + timedelta(days=7), END + timedelta(days=1))
        params = {"start": monday, "end": end, "teams": teams, "users": users}
        scope = "lead.team_id = ANY(%(teams)s)" + (
            " AND lead.user_id = ANY(%(users)s)" if users else ""
        )
        cr = self.env.cr
        cr.execute(
            f"""SELECT count(*) FROM crm_lead lead
                 WHERE lead.followup_start_date >= %(start)s
                   AND lead.followup_start_date < %(end)s AND {scope}""",
            params,
        )
        (new_leads,) = cr.fetchone()
        cr.execute(
            f"""SELECT count(*), count(log.due_date), count(*) FILTER (WHERE log.on_rhythm)
                  FROM sales_followup_log log JOIN crm_lead lead ON lead.id = log.lead_id
                 WHERE log.date >= %(start)s AND log.date < %(end)s AND {scope}""",
            params,
        )
        contacts, due, on_rhythm = cr.fetchone()
        cr.execute(
            f"""SELECT COALESCE(sum(lead.expected_revenue), 0)
                  FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE lead.active AND stage.is_won
                   AND lead.date_closed >= %(start)s AND lead.date_closed < %(end)s
                   AND {scope}""",
            params,
        )
        (won,) = cr.fetchone()
        return new_leads, contacts, due, on_rhythm, float(won)

    def _assert_trend(self, trend, teams, users=None):
        self.assertEqual(len(trend["weeks"]), 12)
        self.assertEqual(trend["weeks"][0], date(2026, 1, 12))
        self.assertEqual(trend["weeks"][-1], date(2026, 3, 30))
        for position, monday in enumerate(trend["weeks"]):
            new_leads, contacts, due, on_rhythm, won = self._sql_week(monday, teams, users)
            with self.subTest(week=monday):
                self.assertEqual(trend["new_leads"][position], new_leads)
                self.assertEqual(trend["contacts"][position], contacts)
                self.assertEqual(trend["logs_due"][position], due)
                self.assertEqual(trend["logs_on_rhythm"][position], on_rhythm)
                if due:
                    self.assertAlmostEqual(trend["on_rhythm_rate"][position], on_rhythm / due)
                else:
                    self.assertIsNone(trend["on_rhythm_rate"][position])
                self.assertAlmostEqual(trend["won_revenue"][position], won)

    # ------------------------------------------------------------
    # The trend
    # ------------------------------------------------------------

    def test_trend_equals_plain_sql_per_week(self):
        trend = self._wizard(date_to=END).get_report_data()["charts"]["trend_figures"]
        self._assert_trend(trend, self.teams.ids)
        weeks = {monday: position for position, monday in enumerate(trend["weeks"])}
        # By hand: the Sunday lead and log fall in the week before the Monday ones.
        self.assertEqual(trend["new_leads"][weeks[date(2026, 3, 2)]], 2, "L9 and L11")
        self.assertEqual(trend["new_leads"][weeks[date(2026, 3, 9)]], 1, "L10")
        self.assertEqual(trend["contacts"][weeks[date(2026, 3, 30)]], 2, "up to 03-31 22:00")
        self.assertEqual(trend["won_revenue"][weeks[date(2026, 3, 9)]], 4000, "L9 on Sunday")
        self.assertEqual(trend["won_revenue"][weeks[date(2026, 3, 30)]], 12000, "not L10")
        # L2's log of 01-12 counts although L2 is lost (archived).
        self.assertEqual(trend["contacts"][0], 1)

    def test_trend_keeps_to_the_team_salesperson_and_record_rules(self):
        east = self._wizard(date_to=END, team_ids=[(6, 0, self.team_1.ids)])
        trend = east.get_report_data()["charts"]["trend_figures"]
        self._assert_trend(trend, self.team_1.ids)
        rep_b = self._wizard(date_to=END, user_ids=[(6, 0, self.rep_b.ids)])
        self._assert_trend(
            rep_b.get_report_data()["charts"]["trend_figures"], self.teams.ids, self.rep_b.ids
        )
        own = self._wizard(user=self.rep_a, date_to=END).get_report_data()
        self._assert_trend(own["charts"]["trend_figures"], self.teams.ids, self.rep_a.ids)

    def test_trend_weeks_follow_the_time_zone(self):
        """A log at 17:00 UTC on Sunday is Monday 01:00 in Shanghai: the next week there."""
        self._log(self.l11, self.rep_c, "2026-02-22 17:00:00")
        Report = self.env[REPORT].with_user(self.manager)
        scope = [("team_id", "in", self.teams.ids)]
        utc = Report.with_context(tz="UTC")._weekly_trend(END, scope)
        shanghai = Report.with_context(tz="Asia/Shanghai")._weekly_trend(END, scope)
        week_16, week_23 = (utc["weeks"].index(date(2026, 2, day)) for day in (16, 23))
        self.assertEqual(shanghai["contacts"][week_16], utc["contacts"][week_16] - 1)
        self.assertEqual(shanghai["contacts"][week_23], utc["contacts"][week_23] + 1)

    def test_trend_queries_do_not_grow_with_the_weeks(self):
        Report = self.env[REPORT].with_user(self.manager)
        scope = [("team_id", "in", self.teams.ids)]
        self.env.flush_all()
        Report._weekly_trend(END, scope)  # record rules and lookups cached
        counts = {}
        for weeks in (2, 12, 52):
            Report.env.invalidate_all()
            before = self.env.cr.sql_log_count
            trend = Report._weekly_trend(END, scope, weeks)
            counts[weeks] = self.env.cr.sql_log_count - before
            self.assertEqual(len(trend["weeks"]), weeks)
        self.assertEqual(counts[2], counts[12])
        self.assertEqual(counts[12], counts[52])
        # new leads, contacts with the on-rhythm rate, won value; JIT off before the reads of
        # the funnel and back after
        self.assertLessEqual(counts[12], 6, counts)

    # ------------------------------------------------------------
    # The charts in the report
    # ------------------------------------------------------------

    def _chart(self, document, kind):
        charts = document.xpath(f"//svg[contains(@class, 'o_followup_chart_{kind}')]")
        self.assertEqual(len(charts), 1, kind)
        return charts[0]

    def test_charts_in_the_report_say_what_the_tables_say(self):
        wizard = self._wizard(date_to=END)
        data = wizard.get_report_data()
        content, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html("sales_followup_reports.action_report_followup_funnel", wizard.ids)
        )
        document = html.fromstring(content)
        page_text = " ".join(document.text_content().split())

        funnel = self._chart(document, "funnel")
        steps = funnel.xpath(".//g[contains(@class, 'o_chart_step')]")
        self.assertEqual(
            [(g.get("data-label"), int(g.get("data-value"))) for g in steps],
            [(step["stage"], step["reached"]) for step in data["funnel"]],
        )
        for g, step in zip(steps, data["funnel"], strict=True):
            labels = [text.text for text in g.xpath(".//text")]
            self.assertIn(str(step["reached"]), labels)
            if step["step_rate"] is not None:
                rate = "{:.1f}%".format(step["step_rate"] * 100)
                self.assertIn(rate, labels)
                self.assertIn(rate, page_text, "the table prints the same rate")

        lost = self._chart(document, "bars")
        bars = lost.xpath(".//g[contains(@class, 'o_chart_bar')]")
        self.assertEqual(
            [(int(g.get("data-value")), float(g.get("data-rate"))) for g in bars],
            [(row["count"], row["share"]) for row in data["lost_reasons"]],
        )
        self.assertEqual(
            [g.get("data-label") for g in bars],
            [row["label"] or "No reason given" for row in data["lost_reasons"]],
        )

        trend = data["charts"]["trend_figures"]
        panels = self._chart(document, "trend").xpath(".//g[contains(@class, 'o_chart_series')]")
        keys = ["new_leads", "contacts", "on_rhythm_rate", "won_revenue"]
        self.assertEqual(len(panels), len(keys))
        for panel, key in zip(panels, keys, strict=True):
            values = [
                None if point.get("data-value") == "" else float(point.get("data-value"))
                for point in panel.xpath(".//g[contains(@class, 'o_chart_point')]")
            ]
            self.assertEqual(len(values), 12)
            for shown, figure in zip(values, trend[key], strict=True):
                if figure is None:
                    self.assertIsNone(shown)
                else:
                    self.assertAlmostEqual(shown, figure, places=5)
        self.assertIn("Weekly trend: the 12 weeks to 2026-03-31", page_text)

    def test_period_without_leads_still_has_its_trend(self):
        wizard = self._wizard(date_from="2026-04-06", date_to="2026-04-12")
        content, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html("sales_followup_reports.action_report_followup_funnel", wizard.ids)
        )
        document = html.fromstring(content)
        self.assertFalse(document.xpath("//svg[contains(@class, 'o_followup_chart_funnel')]"))
        trend = self._chart(document, "trend")
        self.assertTrue(trend.xpath(".//g[contains(@class, 'o_chart_point')]"))
        # The SVG is well-formed XML (the PDF engine parses it as such).
        etree.fromstring(etree.tostring(trend))
