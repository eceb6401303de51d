"""The weekly review e-mailed to managers: sent on the chosen weekday and hour of each
recipient's time zone, once per recipient and period, with the figures of the recipient's
scope (a team leader's teams, the whole company for the chosen group), in the recipient's
language, the charts as pictures and the funnel PDF attached; and its settings."""

from datetime import date

from lxml import html

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config

from odoo.addons.sales_followup.compat import images_rendered
from odoo.addons.sales_followup.tests.common import zh_date

from .common import FunnelCommon

FIGURES = (
    "new_leads",
    "contacts",
    "on_rhythm",
    "open_risks",
    "won",
    "won_revenue",
    "lost",
    "pool_reclaims",
)


class ReviewCommon(FunnelCommon):
    """The week of Monday 2026-02-23 to Sunday 2026-03-01: L3 (Team East) won on 03-01, L5
    (Team North) came in on 03-01 and was contacted the same day. The leader of Team East
    lives in Shanghai (UTC+8); the sales manager in UTC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leader = new_test_user(
            cls.env,
            "fr_leader",
            "sales_team.group_sale_salesman_all_leads",
            name="Team Leader",
            tz="Asia/Shanghai",
        )
        cls.team_1.user_id = cls.leader
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["sales_followup", "sales_followup_reports"], ["zh_CN"], overwrite=True
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )

    def _review(self, when, **context):
        with self._frozen(when):
            done = (
                self.env["sales.followup.review"]
                .with_context(**context)
                ._cron_followup_weekly_review()
            )
            self.env.flush_all()
        return done

    def _reviews(self, user):
        return self.env["mail.mail"].search(
            [
                ("recipient_ids", "in", user.partner_id.ids),
                ("attachment_ids.res_model", "=", "sales.followup.review.sent"),
            ]
        )

    def _figures(self, mail):
        tree = html.fromstring(mail.body_html)
        return {
            key: tree.xpath(f"//*[contains(@class, 'o_review_{key}')]")[0].text_content().strip()
            for key in FIGURES
        }


@tagged("post_install", "-at_install")
class TestWeeklyReview(ReviewCommon):
    def test_sent_on_monday_from_eight_local_time(self):
        # Monday 07:30 in Shanghai, Sunday 23:30 in UTC: nobody yet.
        self._review("2026-03-01 23:30:00")
        self.assertFalse(self._reviews(self.leader) | self._reviews(self.manager))
        # Monday 08:10 in Shanghai: the leader's; still Monday 00:10 for the manager.
        self._review("2026-03-02 00:10:00")
        self.assertEqual(len(self._reviews(self.leader)), 1)
        self.assertFalse(self._reviews(self.manager))
        # Monday 08:05 in UTC: the manager's.
        self._review("2026-03-02 08:05:00")
        self.assertEqual(len(self._reviews(self.manager)), 1)
        sent = self.env["sales.followup.review.sent"].search([("user_id", "=", self.manager.id)])
        self.assertEqual(
            (str(sent.date_from), str(sent.date_to)), ("2026-02-23", "2026-03-01"), "last week"
        )
        # Tuesday: nothing more.
        self.assertEqual(self._review("2026-03-03 09:00:00"), 0, "nobody else either")
        self.assertEqual(len(self._reviews(self.leader) | self._reviews(self.manager)), 2)

    def test_once_per_recipient_and_period(self):
        self._review("2026-03-02 08:30:00")
        self._review("2026-03-02 08:30:00")  # the same run again
        self._review("2026-03-02 09:30:00")  # the next hourly run
        self.assertEqual(len(self._reviews(self.leader)), 1)
        self.assertEqual(len(self._reviews(self.manager)), 1)
        # Another server that decided to send as well finds the period taken.
        Sent = self.env["sales.followup.review.sent"].sudo()
        sent = Sent.search([("user_id", "=", self.manager.id)])
        self.assertFalse(Sent._claim(self.manager, sent.date_from, sent.date_to))
        # The next week: the next review.
        self._review("2026-03-09 08:30:00")
        self.assertEqual(len(self._reviews(self.manager)), 2)

    def test_team_leader_gets_the_team_and_manager_the_company(self):
        self._review("2026-03-02 08:30:00")
        leader = self._figures(self._reviews(self.leader))
        manager = self._figures(self._reviews(self.manager))
        # Team East: L3 won, no new lead, no contact. The company: L5 came in and was
        # contacted (Team North) as well.
        self.assertEqual((leader["won"], leader["new_leads"], leader["contacts"]), ("1", "0", "0"))
        self.assertEqual(
            (manager["won"], manager["new_leads"], manager["contacts"]), ("1", "1", "1")
        )
        self.assertIn("80,000.00", manager["won_revenue"])
        self.assertEqual(manager["on_rhythm"], "100.0%", "L5 contacted on time")
        self.assertEqual(leader["on_rhythm"], "–", "no follow-up due")
        self.assertIn("Team East", self._reviews(self.leader).subject)
        self.assertNotIn("Team North", self._reviews(self.leader).body_html)
        self.assertIn(self.env.company.name, self._reviews(self.manager).subject)

    def test_recipients_switched_off(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("sales_followup_reports.review_leaders", "False")
        self._review("2026-03-02 08:30:00")
        self.assertFalse(self._reviews(self.leader))
        self.assertEqual(len(self._reviews(self.manager)), 1)
        ICP.set_param("sales_followup_reports.review_leaders", "True")
        ICP.set_param("sales_followup_reports.review_group_enabled", "False")
        self._review("2026-03-09 08:30:00")
        self.assertEqual(len(self._reviews(self.leader)), 1)
        self.assertEqual(len(self._reviews(self.manager)), 1, "no second one")

    def test_other_day_hour_and_last_month(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("sales_followup_reports.review_weekday", "2")  # Wednesday
        ICP.set_param("sales_followup_reports.review_hour", "0")
        ICP.set_param("sales_followup_reports.review_period", "last_month")
        self._review("2026-03-02 08:30:00")
        self.assertFalse(self._reviews(self.manager), "not on Monday")
        self._review("2026-03-04 00:30:00")
        self.assertEqual(len(self._reviews(self.manager)), 1)
        sent = self.env["sales.followup.review.sent"].search([("user_id", "=", self.manager.id)])
        self.assertEqual((str(sent.date_from), str(sent.date_to)), ("2026-02-01", "2026-02-28"))
        self._review("2026-03-11 00:30:00")  # the next Wednesday: February was sent
        self.assertEqual(len(self._reviews(self.manager)), 1)
        # A bad parameter falls back to its default rather than stopping the cron.
        ICP.set_param("sales_followup_reports.review_hour", "25")
        self.assertEqual(self.env["sales.followup.review"]._review_settings()["hour"], 8)

    def test_languages(self):
        self.leader.lang = "zh_CN"
        self._review("2026-03-02 08:30:00")
        english = self._reviews(self.manager)
        chinese = self._reviews(self.leader)
        self.assertIn("02/23/2026", english.subject)
        self.assertIn("New leads", english.body_html)
        # In the Chinese date format of the series (2026年02月23日 on 18.0, 2026/02/23 on 19.0).
        self.assertIn(zh_date(self.env, date(2026, 2, 23)), chinese.subject)
        self.assertIn(zh_date(self.env, date(2026, 3, 1)), chinese.body_html)
        # The same figures, in the same places.
        self.assertEqual(set(self._figures(chinese)), set(FIGURES))
        pdf = chinese.attachment_ids
        self.assertEqual(pdf.mimetype, "application/pdf")

    def test_pdf_attached(self):
        self._review("2026-03-02 08:30:00", force_report_rendering=True)
        mail = self._reviews(self.manager)
        pdf = mail.attachment_ids
        self.assertEqual(len(pdf), 1)
        self.assertTrue(pdf.raw.startswith(b"%PDF"), "a PDF that opens")
        self.assertTrue(pdf.name.endswith(".pdf"))
        self.assertEqual(mail.state, "outgoing", "queued for the mail cron, not sent inline")


@tagged("post_install", "-at_install")
class TestWeeklyReviewCharts(ReviewCommon, HttpCase):
    def test_charts_as_pictures_anyone_with_the_link_sees(self):
        with images_rendered() as context:
            self._review("2026-03-02 08:30:00", **context)
        mail = self._reviews(self.manager)
        tree = html.fromstring(mail.body_html)
        sources = [
            img.get("src") for img in tree.xpath("//img[contains(@class, 'o_review_chart')]")
        ]
        self.assertEqual(len(sources), 3, "trend, funnel and lost reasons")
        self.assertNotIn("<svg", mail.body_html, "no inline SVG: e-mail clients drop it")
        self.assertTrue(all("/web/image/" in src and "access_token=" in src for src in sources))
        path = sources[0][sources[0].index("/web/image/") :]
        response = self.url_open(path)  # not logged in, as an e-mail client
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"\x89PNG"))
        without_token = self.url_open(path.split("?")[0])
        self.assertNotEqual(without_token.content, response.content, "the token is needed")


@tagged("post_install", "-at_install")
class TestWeeklyReviewSettings(ReviewCommon):
    def test_settings_validation(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, r"Weekly review at \(hour\).*24"):
            Settings.create({"followup_review_hour": 24})
        with self.assertRaisesRegex(ValidationError, r"Weekly review on: '9'"):
            Settings.create({"followup_review_weekday": "9"})
        with self.assertRaisesRegex(ValidationError, r"Weekly review covers: 'last_year'"):
            Settings.create({"followup_review_period": "last_year"})
        with self.assertRaisesRegex(ValidationError, "Company review to"):
            Settings.create(
                {"followup_review_group_enabled": True, "followup_review_group_id": False}
            )

    def test_settings_saved(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.followup_review_weekday, "0")
        self.assertEqual(settings.followup_review_hour, 8)
        self.assertEqual(settings.followup_review_period, "last_week")
        self.assertTrue(settings.followup_review_leaders)
        self.assertTrue(settings.followup_review_group_enabled)
        self.assertEqual(
            settings.followup_review_group_id, self.env.ref("sales_team.group_sale_manager")
        )
        settings.write(
            {
                "followup_review_weekday": "4",
                "followup_review_hour": 0,
                "followup_review_period": "last_month",
                "followup_review_leaders": False,
            }
        )
        settings.execute()
        values = self.env["sales.followup.review"]._review_settings()
        self.assertEqual(
            (values["weekday"], values["hour"], values["period"], values["review_leaders"]),
            (4, 0, "last_month", False),
        )
        self.assertTrue(values["review_group_enabled"])
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.followup_review_hour, 0)
        self.assertFalse(settings.followup_review_leaders)
