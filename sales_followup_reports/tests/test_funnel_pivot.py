"""The analysis view: rates as pivot measures, the default pivot, the saved favourites and the
query hooks of the SQL view."""

from datetime import date, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from odoo.addons.sales_followup.compat import FILTER_USERS, filter_owner_values, formatted_groups

from .common import FunnelCommon

RATES = ["conversion_rate:avg", "first_contact_rate:avg", "on_rhythm_rate:avg"]
FAVOURITES = {
    "sales_followup_funnel_report_filter_this_week": ("This week", "user_id"),
    "sales_followup_funnel_report_filter_last_week": ("Last week", "user_id"),
    "sales_followup_funnel_report_filter_this_quarter": ("This quarter", "user_id"),
    "sales_followup_funnel_report_filter_by_source": ("By source", "source_id"),
    "sales_followup_funnel_report_filter_by_grade": ("By grade", "grade"),
}


@tagged("post_install", "-at_install")
class TestFunnelPivot(FunnelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A lead nobody was given: a new lead, not converted, whose first contact is not
        # measured (the first-contact rate leaves it out, the conversion rate counts it).
        cls.unassigned = cls._lead("L9", "2026-02-03 09:00:00", cls.rep_a, None, None, 1000)
        cls.unassigned.user_id = False
        cls.env.flush_all()

    def _pivot(self, domain, groupby):
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        return formatted_groups(Report, domain, groupby, ["nbr:sum", *RATES])

    def test_rates_as_measures_are_the_report_rates(self):
        wizard = self._wizard(breakdown="user_id")
        data = wizard.get_report_data()
        totals = data["totals"]
        [total] = self._pivot(wizard._domain(), [])
        self.assertEqual(total["nbr"], 7)
        self.assertAlmostEqual(total["conversion_rate"], totals["conversion_rate"])
        self.assertAlmostEqual(total["conversion_rate"], 2 / 7, msg="won / every new lead")
        self.assertAlmostEqual(total["first_contact_rate"], totals["first_contact_rate"])
        self.assertAlmostEqual(
            total["first_contact_rate"], 3 / 6, msg="the unassigned lead is not measured"
        )
        self.assertAlmostEqual(total["on_rhythm_rate"], totals["on_rhythm_rate"])
        self.assertAlmostEqual(total["on_rhythm_rate"], 4 / 6)

        by_user = {
            group["user_id"] and group["user_id"][1]: group
            for group in self._pivot(wizard._domain(), ["user_id"])
        }
        discipline = {row["label"]: row for row in data["discipline"]}
        self.assertEqual(set(by_user), {"Rep A", "Rep B", "Rep C", False})
        for label, group in by_user.items():
            row = discipline[label or None]
            for rate in ("conversion_rate", "first_contact_rate", "on_rhythm_rate"):
                with self.subTest(salesperson=label, rate=rate):
                    if row[rate] is None:
                        self.assertFalse(group[rate])
                    else:
                        self.assertAlmostEqual(group[rate], row[rate])
        # Rep A's follow-ups: two on rhythm for L1, one late for L2. The rate of her
        # follow-ups is 2/3; the average of her leads' own rates would say 1/2.
        self.assertAlmostEqual(by_user["Rep A"]["on_rhythm_rate"], 2 / 3)
        self.assertAlmostEqual(by_user["Rep B"]["on_rhythm_rate"], 1 / 2)
        self.assertAlmostEqual(by_user["Rep A"]["first_contact_rate"], 1 / 3)
        self.assertFalse(by_user[False]["first_contact_rate"], "nothing to measure")

        by_source = {
            group["source_id"] and group["source_id"][1]: group
            for group in self._pivot(wizard._domain(), ["source_id", "grade"])
        }
        breakdown = {
            row["label"]: row
            for row in self._wizard(breakdown="source_id").get_report_data()["breakdown"]
        }
        for label, group in by_source.items():
            self.assertAlmostEqual(
                group["conversion_rate"], breakdown[label or None]["conversion_rate"]
            )

    def test_a_lead_holds_its_own_rates(self):
        rows = self.env["sales.followup.funnel.report"].search(
            [("lead_id", "in", (self.l1 | self.l2 | self.l4 | self.unassigned).ids)]
        )
        rates = {
            row.lead_id: (row.conversion_rate, row.first_contact_rate, row.on_rhythm_rate)
            for row in rows
        }
        self.assertEqual(rates[self.l1], (1.0, 1.0, 1.0))
        self.assertEqual(rates[self.l2], (0.0, 0.0, 0.0))
        self.assertEqual(rates[self.l4], (0.0, 0.0, 0.0), "no follow-up: 0.0 read, NULL stored")
        self.env.cr.execute(
            SQL(
                "SELECT on_rhythm_rate, first_contact_rate FROM (%s) report "
                "WHERE lead_id IN %s ORDER BY lead_id",
                self.env["sales.followup.funnel.report"]._table_query,
                (self.l4.id, self.unassigned.id),
            )
        )
        self.assertEqual(self.env.cr.fetchall(), [(None, 0.0), (None, None)])

    def test_default_pivot_fits_a_wide_screen(self):
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        arch = Report.get_views([(False, "pivot")])["views"]["pivot"]["arch"]
        pivot = etree.fromstring(arch)
        rows = pivot.xpath("//field[@type='row']/@name")
        cols = pivot.xpath("//field[@type='col']/@name")
        measures = pivot.xpath("//field[@type='measure']")
        self.assertEqual(rows, ["user_id"])
        self.assertEqual(cols, [], "one column group per measure: six columns")
        self.assertLessEqual(len(measures), 6)
        widgets = {field.get("name"): field.get("widget") for field in measures}
        for rate in ("conversion_rate", "first_contact_rate", "on_rhythm_rate"):
            self.assertEqual(widgets.get(rate), "percentage", rate)
            self.assertEqual(Report._fields[rate].aggregator, "avg")
        self.assertIn("nbr", widgets)
        self.assertIn("won_revenue", widgets)

    def test_favourites(self):
        action = self.env.ref("sales_followup_reports.sales_followup_funnel_report_action")
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        in_teams = [("team_id", "in", self.teams.ids)]
        expected_leads = {
            # Wednesday 4 February 2026: the week runs from Monday 2 to Sunday 8
            "sales_followup_funnel_report_filter_this_week": self.unassigned,
            # L3 came in on Sunday 1 February
            "sales_followup_funnel_report_filter_last_week": self.l3,
            "sales_followup_funnel_report_filter_this_quarter": (
                self.l1 | self.l2 | self.l3 | self.l4 | self.l5 | self.l6 | self.unassigned
            ),
        }
        expected_leads["sales_followup_funnel_report_filter_by_source"] = expected_leads[
            "sales_followup_funnel_report_filter_this_quarter"
        ]
        expected_leads["sales_followup_funnel_report_filter_by_grade"] = expected_leads[
            "sales_followup_funnel_report_filter_this_quarter"
        ]
        listed = {
            record["id"]: record
            for record in self.env["ir.filters"]
            .with_user(self.rep_a)
            .get_filters("sales.followup.funnel.report", action.id)
        }
        for xmlid, (name, group_by) in FAVOURITES.items():
            with self.subTest(favourite=name):
                favourite = self.env.ref(f"sales_followup_reports.{xmlid}")
                self.assertEqual(favourite.name, name)
                self.assertEqual(favourite.model_id, "sales.followup.funnel.report")
                self.assertEqual(favourite.action_id.id, action.id)
                self.assertFalse(favourite[FILTER_USERS], "shared with everyone")
                self.assertFalse(favourite.is_default, "nobody's default")
                self.assertIn(favourite.id, listed, "a salesperson has it too")
                self.assertEqual(safe_eval(favourite.context), {"group_by": [group_by]})
                with freeze_time("2026-02-04 10:00:00"):
                    domain = safe_eval(
                        favourite.domain,
                        {
                            "context_today": lambda: date(2026, 2, 4),
                            "relativedelta": relativedelta,
                            "datetime": safe_datetime,
                        },
                    )
                rows = Report.search(domain + in_teams)
                self.assertEqual(rows.lead_id, expected_leads[xmlid])

        week = safe_eval(
            self.env.ref(f"sales_followup_reports.{next(iter(FAVOURITES))}").domain,
            {"context_today": lambda: date(2026, 2, 8), "relativedelta": relativedelta},
        )
        self.assertEqual(
            week, [("start_date", ">=", "2026-02-02"), ("start_date", "<", "2026-02-09")]
        )

    def test_favourite_names_in_the_users_language(self):
        action = self.env.ref("sales_followup_reports.sales_followup_funnel_report_action")
        mine = self.env["ir.filters"].create(
            {
                "name": "This week",
                "model_id": "sales.followup.funnel.report",
                "action_id": action.id,
                "domain": "[]",
                **filter_owner_values(self.manager),
            }
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.manager.lang = "zh_CN"
        translations = {"This week": "本周", "By grade": "按等级"}
        with patch(
            "odoo.addons.sales_followup_reports.models.ir_filters.code_translations"
            ".get_python_translations",
            return_value=translations,
        ):
            listed = {
                record["id"]: record["name"]
                for record in self.env["ir.filters"]
                .with_user(self.manager)
                .get_filters("sales.followup.funnel.report", action.id)
            }
        ref = self.env.ref
        self.assertEqual(
            listed[ref("sales_followup_reports.sales_followup_funnel_report_filter_this_week").id],
            "本周",
        )
        self.assertEqual(
            listed[ref("sales_followup_reports.sales_followup_funnel_report_filter_by_grade").id],
            "按等级",
        )
        self.assertEqual(
            listed[ref("sales_followup_reports.sales_followup_funnel_report_filter_last_week").id],
            "Last week",
            "untranslated: as shipped",
        )
        self.assertEqual(listed[mine.id], "This week", "a user's own favourite as he named it")

    def test_view_query_hooks_take_a_new_column(self):
        Report = self.env["sales.followup.funnel.report"]
        select = type(Report)._select

        def rows(sql, *args):
            self.env.cr.execute(SQL(sql, SQL("(%s) report", Report._table_query), *args))
            return self.env.cr.fetchall()

        def _select(report):
            return SQL("%s, lead.name AS lead_name", select(report))

        with patch.object(type(Report), "_select", _select):
            query = Report._query()
            self.assertIn("lead.name AS lead_name", query.code)
            self.assertEqual(
                rows("SELECT lead_name, converted FROM %s WHERE lead_id = %s", self.l1.id),
                [("L1", 1)],
            )

        with patch.object(
            type(Report), "_where", lambda report: SQL("lead.user_id = %s", self.rep_b.id)
        ):
            self.assertIn("WHERE lead.user_id", Report._query().code)
            self.assertEqual(rows("SELECT DISTINCT user_id FROM %s"), [(self.rep_b.id,)])
        self.assertGreater(rows("SELECT count(*) FROM %s")[0][0], 2)

    def test_additional_fields_hook_adds_a_column(self):
        """Another module adds a column as sale.report's do: its SQL expression in
        ``_select_additional_fields`` (and a field of the same name)."""
        Report = self.env["sales.followup.funnel.report"]
        added = {"lead_name": SQL("lead.name")}
        with patch.object(type(Report), "_select_additional_fields", lambda report: added):
            query = Report._table_query
        self.assertIn('lead.name AS "lead_name"', query.code)
        self.env.cr.execute(
            SQL("SELECT lead_name, nbr FROM (%s) report WHERE lead_id = %s", query, self.l1.id)
        )
        self.assertEqual(self.env.cr.fetchall(), [("L1", 1)])
        self.assertNotIn("lead_name", Report._table_query.code, "none without the hook")

    def test_today_is_the_readers_day(self):
        """A follow-up is overdue from the day after its due date in the day the reader lives
        in (frozen here), not by the database's clock."""
        self.assertEqual(self.l5.followup_status, "in_progress")
        self.assertFalse(self.l5.followup_postponed_from)
        due = self.l5.followup_next_date
        Report = self.env["sales.followup.funnel.report"].with_user(self.rep_c)

        def overdue(day):
            with self._frozen(f"{day} 10:00:00"):
                [[count]] = Report._read_group(
                    [("lead_id", "=", self.l5.id)], [], ["overdue_now:sum"]
                )
            return count

        self.assertEqual(overdue(due - timedelta(days=1)), 0)
        self.assertEqual(overdue(due), 0, "due today")
        self.assertEqual(overdue(due + timedelta(days=1)), 1, "due yesterday")
        self.assertEqual(overdue(due + timedelta(days=400)), 1)

    def test_jit_is_back_after_a_pivot_read(self):
        """JIT compilation is off for the pivot's query only: after the read, the transaction
        has it as before."""
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        cr = self.env.cr
        during = []
        read_group_select = type(Report)._read_group_select

        def spy(report, aggregate_spec, query):
            cr.execute("SELECT current_setting('jit')")
            during.append(cr.fetchone()[0])
            return read_group_select(report, aggregate_spec, query)

        for previous in ("on", "off"):
            with self.subTest(jit=previous):
                cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))
                during.clear()
                with patch.object(type(Report), "_read_group_select", spy):
                    groups = formatted_groups(Report, [], ["user_id"], ["nbr:sum", *RATES])
                self.assertTrue(groups)
                self.assertEqual(set(during), {"off"}, "off while the query is made and run")
                cr.execute("SELECT current_setting('jit')")
                self.assertEqual(cr.fetchone()[0], previous)
                # The printed report's reads share one block, and leave it as it was too.
                self._wizard().get_report_data()
                cr.execute("SELECT current_setting('jit')")
                self.assertEqual(cr.fetchone()[0], previous)

    def test_groups_in_the_order_of_stages_and_salespeople(self):
        # Names against the order of creation, an archived salesperson, two stages in one
        # place of the pipeline: the pivot's groups come as the database orders them.
        self.rep_a.name = "Zed Rep A"
        self.rep_b.active = False
        stage = self.env["crm.stage"].create({"name": "A Second Look", "sequence": 1})
        self.l2.stage_id = self.l1.stage_id.copy({"name": "B First Look", "sequence": 1})
        self.l3.stage_id = stage
        self.env.flush_all()
        Report = self.env["sales.followup.funnel.report"].with_user(self.manager)
        for groupby in (["stage_id", "user_id"], ["user_id", "stage_id"]):
            with self.subTest(groupby=groupby):
                order = ",".join(groupby)
                groups = Report._read_group([], groupby, ["__count"], order=order)
                # a limit leaves the order to the database
                in_sql = Report._read_group([], groupby, ["__count"], order=order, limit=1000)
                self.assertEqual(groups, in_sql)
        users = [group["user_id"] for group in self._pivot([], ["user_id"])]
        self.assertEqual(
            [user and user[1] for user in users], ["Rep B", "Rep C", "Zed Rep A", False]
        )
