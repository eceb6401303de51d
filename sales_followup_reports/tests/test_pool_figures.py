"""The customer pool in the manager's reports: the pool at the end of the period per team with
its age, and each salesperson's claims, releases, reclaims and reclaim rate, the same in the
PDF, the XLSX and the pool analysis pivot."""

import io
from datetime import date, datetime

import openpyxl
from lxml import etree

from odoo.tests import tagged

from .common import FunnelCommon


@tagged("post_install", "-at_install")
class TestPoolFigures(FunnelCommon):
    """Q2 2026 on top of the funnel's first quarter (its leads are grade B and stay with their
    salesperson: the pool only takes grade A leads after 7 days without contact).

      P1 rep A, grade A, 04-01: reclaimed 05-08 09:00, claimed by rep B 05-20 09:00
      P2 rep A, grade A, 04-01: released by rep A 05-03 09:00, claimed back by rep A 05-20 10:00
      P3 rep B, grade A, 04-01: reclaimed 05-08 09:00, still in the pool
      P4 rep C (North), grade A, 04-01: reclaimed 05-08 09:00, claimed by rep C 07-02 (after)
      P6 rep A, 04-01: released 06-28 12:00
      P7 rep B, 04-01: released 06-10 00:00
      P8 rep C (North), 03-02: released 03-20 09:00 (before the period)
      P9 rep A, 04-01: released 06-01 09:00, lost 06-15 09:00 (in the pool no more)

    The pool at the end of Q2 (07-01 00:00): East P3 53.625 days, P6 2.5, P7 21; North P4
    53.625, P8 102.625.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_pool("2026-05-01", days_a=7)
        cls.p1 = cls._pool_lead("P1", "2026-04-01 09:00:00", cls.rep_a, "a")
        cls.p2 = cls._pool_lead("P2", "2026-04-01 09:00:00", cls.rep_a, "a")
        cls.p3 = cls._pool_lead("P3", "2026-04-01 09:00:00", cls.rep_b, "a")
        cls.p4 = cls._pool_lead("P4", "2026-04-01 09:00:00", cls.rep_c, "a")
        cls.p6 = cls._pool_lead("P6", "2026-04-01 09:00:00", cls.rep_a, "b")
        cls.p7 = cls._pool_lead("P7", "2026-04-01 09:00:00", cls.rep_b, "b")
        cls.p8 = cls._pool_lead("P8", "2026-03-02 09:00:00", cls.rep_c, "b")
        cls.p9 = cls._pool_lead("P9", "2026-04-01 09:00:00", cls.rep_a, "b")

        cls._release(cls.p8, cls.rep_c, "2026-03-20 09:00:00")
        cls._release(cls.p2, cls.rep_a, "2026-05-03 09:00:00")
        with cls._frozen("2026-05-08 09:00:00"):
            cls.env["crm.lead"]._cron_followup_pool_reclaim()
            cls.env.flush_all()
        cls._claim(cls.p1, cls.rep_b, "2026-05-20 09:00:00")
        cls._claim(cls.p2, cls.rep_a, "2026-05-20 10:00:00")
        cls._release(cls.p9, cls.rep_a, "2026-06-01 09:00:00")
        cls._release(cls.p7, cls.rep_b, "2026-06-10 00:00:00")
        with cls._frozen("2026-06-15 09:00:00"):
            cls.p9.with_user(cls.manager).action_set_lost()
            cls.env.flush_all()
        cls._release(cls.p6, cls.rep_a, "2026-06-28 12:00:00")
        cls._claim(cls.p4, cls.rep_c, "2026-07-02 09:00:00")
        cls.q2 = (date(2026, 4, 1), date(2026, 6, 30))

    @classmethod
    def _pool_lead(cls, name, when, user, grade):
        with cls._frozen(when):
            lead = (
                cls.env["crm.lead"]
                .with_user(cls.manager)
                .create(
                    {
                        "name": name,
                        "type": "opportunity",
                        "user_id": user.id,
                        "team_id": (cls.team_2 if user == cls.rep_c else cls.team_1).id,
                        "partner_name": f"Customer {name}",
                        "followup_grade": grade,
                    }
                )
            )
            cls.env.flush_all()
        return lead

    @classmethod
    def _release(cls, lead, user, when):
        with cls._frozen(when):
            lead.with_user(user)._followup_release("Not our market")
            cls.env.flush_all()

    @classmethod
    def _claim(cls, lead, user, when):
        with cls._frozen(when):
            lead.with_user(user).action_followup_claim()
            cls.env.flush_all()

    def _q2_wizard(self, user=None, **vals):
        return self._wizard(user=user, date_from=self.q2[0], date_to=self.q2[1], **vals)

    def _data(self, wizard, when="2026-08-01 09:00:00"):
        with self._frozen(when):
            return wizard.get_report_data()

    # ------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------

    def test_history_is_what_the_pool_did(self):
        """The history the figures are read from, as the pool wrote it."""
        self.assertTrue(self.p3.followup_in_pool)
        self.assertEqual(self.p1.user_id, self.rep_b)
        self.assertEqual(self.p2.user_id, self.rep_a)
        self.assertEqual(self.p4.user_id, self.rep_c)
        reclaims = self.env["sales.followup.ownership"].search([("how", "=", "reclaimed")])
        self.assertEqual(reclaims.lead_id, self.p1 | self.p3 | self.p4, "grade A leads only")
        self.assertEqual(set(reclaims.mapped("date_from")), {datetime(2026, 5, 8, 9, 0)})

    def test_pool_at_the_end_of_the_period_with_its_age(self):
        pool = self._data(self._q2_wizard())["pool"]
        self.assertTrue(pool["ended"])
        self.assertEqual(pool["as_of"], datetime(2026, 7, 1))
        total = pool["pool"]
        self.assertEqual(total["count"], 5, "P4 was still there; the lost P9 is not counted")
        self.assertAlmostEqual(total["age_days"], 233.375 / 5)
        self.assertEqual(
            [total[key] for key in ("age_under_7", "age_7_30", "age_30_90", "age_over_90")],
            [1, 1, 2, 1],
        )
        by_team = {row["label"]: row for row in pool["pool_by_team"]}
        self.assertEqual(set(by_team), {"Team East", "Team North"})
        east, north = by_team["Team East"], by_team["Team North"]
        self.assertEqual(east["count"], 3)
        self.assertAlmostEqual(east["age_days"], (53.625 + 2.5 + 21) / 3)
        self.assertEqual(
            [east[key] for key in ("age_under_7", "age_7_30", "age_30_90", "age_over_90")],
            [1, 1, 1, 0],
        )
        self.assertEqual(north["count"], 2)
        self.assertAlmostEqual(north["age_days"], (53.625 + 102.625) / 2)
        self.assertEqual(
            [north[key] for key in ("age_under_7", "age_7_30", "age_30_90", "age_over_90")],
            [0, 0, 1, 1],
        )

    def test_pool_now_when_the_period_has_not_ended(self):
        """Mid-June: P3, P4, P7 and P8 are in the pool; P9 was lost, P6 not released yet."""
        pool = self._data(self._q2_wizard(), when="2026-06-15 12:00:00")["pool"]
        self.assertFalse(pool["ended"])
        self.assertEqual(pool["as_of"], datetime(2026, 6, 15, 12, 0))
        self.assertEqual(pool["pool"]["count"], 4)
        self.assertAlmostEqual(pool["pool"]["age_days"], (38.125 * 2 + 5.5 + 87.125) / 4)

    def test_claims_releases_reclaims_and_reclaim_rate_per_salesperson(self):
        """Held in Q2: rep A P1, P2, P6, P9, L6, L7 (L1 and L2 closed in January); rep B P1, P3,
        P7, L8 (L3 and L4 closed in Q1); rep C P4, L5 (P8 left him in March)."""
        data = self._data(self._q2_wizard())
        rows = {row["label"]: row for row in data["discipline"]}
        expected = {
            # claims, releases, reclaims, held leads, reclaim rate
            "Rep A": (1, 3, 1, 6, 1 / 6),
            "Rep B": (1, 1, 1, 4, 1 / 4),
            "Rep C": (0, 0, 1, 2, 1 / 2),
        }
        for name, (claims, releases, reclaims, held, rate) in expected.items():
            with self.subTest(salesperson=name):
                row = rows[name]
                self.assertEqual(
                    (row["claims"], row["releases"], row["reclaims"], row["held_leads"]),
                    (claims, releases, reclaims, held),
                )
                self.assertAlmostEqual(row["reclaim_rate"], rate)
        # The pool leads that came in during Q2 are the cohort's unassigned leads: no pool move.
        self.assertEqual(rows[None]["leads"], 4, "P3, P6, P7 and the lost P9")
        self.assertEqual((rows[None]["claims"], rows[None]["reclaim_rate"]), (0, None))

    def test_filters_of_the_dialog(self):
        data = self._data(self._q2_wizard(team_ids=[(6, 0, self.team_2.ids)]))
        self.assertEqual(data["pool"]["pool"]["count"], 2)
        self.assertEqual([row["label"] for row in data["discipline"]], ["Rep C"])
        data = self._data(self._q2_wizard(user_ids=[(6, 0, self.rep_b.ids)]))
        self.assertEqual(data["pool"]["pool"]["count"], 5, "pool leads have no salesperson")
        self.assertEqual([row["label"] for row in data["discipline"]], ["Rep B"])
        self.assertEqual(data["discipline"][0]["claims"], 1)

    def test_a_salesperson_sees_his_own_moves_only(self):
        data = self._data(self._q2_wizard(user=self.rep_a))
        # The pool's leads (nobody's) are not among Rep A's rows: seen through the pool only.
        self.assertEqual([row["label"] for row in data["discipline"]], ["Rep A"])
        row = data["discipline"][0]
        self.assertEqual((row["claims"], row["releases"], row["reclaims"]), (1, 3, 1))
        self.assertAlmostEqual(row["reclaim_rate"], 1 / 6)
        Pool = self.env["sales.followup.pool.report"].with_user(self.rep_a)
        self.assertEqual(set(Pool.search([]).user_id), {self.rep_a})
        # The pool's size is what his pool screen shows: his team's pool, counted (P3, P6, P7),
        # not only the leads he released himself, nor another team's.
        pool = data["pool"]
        self.assertEqual(pool["pool"]["count"], 3)
        self.assertEqual([row["label"] for row in pool["pool_by_team"]], ["Team East"])
        in_his_pool = self.env["sales.followup.pool.lead"].with_user(self.rep_a).search([])
        self.assertEqual(in_his_pool.ids, (self.p6 | self.p7 | self.p3).ids, "his pool screen")

    def test_pivot_measures_match_the_figures(self):
        data = self._data(self._q2_wizard())
        Pool = self.env["sales.followup.pool.report"].with_user(self.manager)
        groups = Pool._read_group(
            [
                ("date", ">=", datetime(2026, 4, 1)),
                ("date", "<", datetime(2026, 7, 1)),
                ("team_id", "in", self.teams.ids),
            ],
            ["user_id"],
            ["claims:sum", "releases:sum", "reclaims:sum"],
        )
        pivot = {
            user.name: (claims, releases, reclaims) for user, claims, releases, reclaims in groups
        }
        report = {
            row["label"]: (row["claims"], row["releases"], row["reclaims"])
            for row in data["discipline"]
            if row["label"]
        }
        self.assertEqual(pivot, report)
        self.assertEqual(pivot["Rep A"], (1, 3, 1))
        # Now (after July 2): P3, P6, P7 and P8 are in the pool.
        in_pool = Pool._read_group([("in_pool_now", "=", 1)], ["team_id"], ["__count"])
        self.assertEqual(
            {team.name: count for team, count in in_pool}, {"Team East": 3, "Team North": 1}
        )
        views = Pool.get_views([(False, "pivot"), (False, "graph"), (False, "list")])["views"]
        self.assertIn('name="reclaims"', views["pivot"]["arch"])

    # ------------------------------------------------------------
    # Outputs
    # ------------------------------------------------------------

    def test_pdf_shows_the_pool_and_the_reclaim_rate(self):
        wizard = self._q2_wizard()
        Report = self.env["ir.actions.report"].with_user(self.manager)
        with self._frozen("2026-08-01 09:00:00"):
            html, _kind = Report._render_qweb_html(
                "sales_followup_reports.action_report_followup_funnel", wizard.ids
            )
        document = etree.fromstring(html.decode(), etree.HTMLParser())
        table = document.xpath("//table[contains(@class, 'o_followup_discipline')]")[0]
        headers = [" ".join(th.xpath("string()").split()) for th in table.xpath("thead/tr/th")]
        for title in ("Claims", "Releases", "Reclaims", "Reclaim rate"):
            self.assertIn(title, headers)
        cells = {}
        for tr in table.xpath("tbody/tr"):
            name = tr.xpath("string(td[1])").strip()
            cells[name] = {
                td.get("data-key"): td.xpath("string()").strip() for td in tr.xpath("td[@data-key]")
            }
        self.assertEqual(
            [cells["Rep A"][key] for key in ("claims", "releases", "reclaims", "reclaim_rate")],
            ["1", "3", "1", "16.7%"],
        )
        self.assertEqual(cells["Rep B"]["reclaim_rate"], "25.0%")
        self.assertEqual(cells["Rep C"]["reclaim_rate"], "50.0%")

        pool = document.xpath("//table[contains(@class, 'o_followup_pool')]")[0]
        rows = {
            tr.xpath("string(td[1])").strip(): [
                td.xpath("string()").strip() for td in tr.xpath("td[@data-key]")
            ]
            for tr in pool.xpath("tbody/tr")
        }
        self.assertEqual(rows["Team East"], ["3", "25.7", "1", "1", "1", "0"])
        self.assertEqual(rows["Team North"], ["2", "78.1", "0", "0", "1", "1"])
        self.assertEqual(rows["Total"], ["5", "46.7", "1", "1", "2", "1"])
        text = " ".join(document.xpath("string(//body)").split())
        self.assertIn("At the end of the period:", text)
        self.assertIn("Reclaim rate = leads reclaimed from the salesperson in the period", text)

    def test_xlsx_has_the_same_pool_figures(self):
        wizard = self._q2_wizard()
        data = self._data(wizard)
        book = openpyxl.load_workbook(io.BytesIO(wizard._xlsx_content(data)))
        sheet = list(book["Discipline"].iter_rows(values_only=True))
        header = sheet[0]
        rows = {row[0]: dict(zip(header, row, strict=True)) for row in sheet[1:]}
        self.assertEqual(rows["Rep A"]["Claims"], 1)
        self.assertEqual(rows["Rep A"]["Releases"], 3)
        self.assertEqual(rows["Rep A"]["Reclaims"], 1)
        self.assertAlmostEqual(rows["Rep A"]["Reclaim rate"], 1 / 6)
        self.assertAlmostEqual(rows["Rep C"]["Reclaim rate"], 1 / 2)
        self.assertEqual(header[3], "First contact in window rate", "earlier columns stay put")
        row_a = [row[0] for row in sheet].index("Rep A") + 1
        cell = book["Discipline"].cell(row_a, header.index("Reclaim rate") + 1)
        self.assertEqual(cell.number_format, "0.0%")

        pool = list(book["Pool"].iter_rows(values_only=True))
        self.assertEqual(pool[1][:2], ("At the end of the period", data["pool"]["as_of_label"]))
        header = pool[3]
        self.assertEqual(header[:3], ("Sales Team", "In the pool", "Average days in the pool"))
        teams = {row[0]: row[1:] for row in pool[4:] if row and row[0]}
        self.assertEqual(teams["Team East"][0], 3)
        self.assertAlmostEqual(teams["Team East"][1], (53.625 + 2.5 + 21) / 3)
        self.assertEqual(teams["Total"], (5, 233.375 / 5, 1, 1, 2, 1))
