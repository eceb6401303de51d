"""Reminders that reach people: the morning digest of each salesperson (in their time zone,
language and notification channel), the team leader's morning sheet, quiet and bounded sending,
and the escalation of overdue follow-ups."""

from datetime import date
from pathlib import Path

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.sales_followup.compat import SERIES

from .common import FollowupCommon, zh_date

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "tour" / f"{SERIES}.0" / "digest"


class DigestCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.user_id = cls.user_manager
        cls.root_partner = cls.env.ref("base.partner_root")
        # The digest template and the risk types in Chinese (an administrator's job).
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["sales_followup"], ["zh_CN"], overwrite=True
        )

    def _digest(self, when):
        with self.frozen(when):
            done = self.env["sales.followup.digest"]._cron_followup_digest()
            self.env.flush_all()
        return done

    def _digests(self, user):
        """The digests ``user`` received (record-less notifications from Odoo's bot)."""
        return self.env["mail.message"].search(
            [
                ("model", "=", False),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", user.partner_id.ids),
                ("author_id", "=", self.root_partner.id),
            ]
        )

    def _due_lead(self, user, due, name="Lead", **vals):
        """A lead of ``user`` whose open Follow-up is due on ``due``."""
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(user=user, name=name, followup_grade="b", **vals)
            self._log(lead, user=user, next_date=due, next_action=f"Call {name} back")
        return lead


@tagged("post_install", "-at_install")
class TestDigest(DigestCommon):
    def test_sent_at_eight_in_the_salesperson_time_zone(self):
        self.user_salesman_2.tz = "Asia/Shanghai"
        self._due_lead(self.user_salesman_2, date(2026, 3, 10), name="Shanghai lead")
        # 07:30 in Shanghai: not yet.
        self._digest("2026-03-09 23:30:00")
        self.assertFalse(self._digests(self.user_salesman_2))
        # 08:05 in Shanghai (00:05 UTC): the day's digest, its lead due "today" there.
        self._digest("2026-03-10 00:05:00")
        digest = self._digests(self.user_salesman_2)
        self.assertEqual(len(digest), 1)
        self.assertIn("03/10/2026", digest.subject)
        self.assertIn("Due today (1)", digest.body)
        self.assertIn("Shanghai lead", digest.body)
        self.assertIn("Call Shanghai lead back", digest.body)
        self.assertIn("/odoo/action-sales_followup.action_followup_today", digest.body)
        self.assertEqual(self.user_salesman_2.followup_digest_date, date(2026, 3, 10))

    def test_languages_and_sections(self):
        self.user_salesman_2.lang = "zh_CN"
        late = self._due_lead(self.user_salesman, date(2026, 3, 8), name="Late one")
        self._due_lead(self.user_salesman, date(2026, 3, 10), name="Today's")
        lead_zh = self._due_lead(self.user_salesman_2, date(2026, 3, 10), name="今天的")
        with self.frozen("2026-03-09 12:00:00"):
            self.env["sales.followup.risk"].with_user(self.user_salesman_2).create(
                {
                    "lead_id": lead_zh.id,
                    "type_id": self.env.ref("sales_followup.risk_type_competitor").id,
                }
            )
        with self.frozen("2026-03-01 09:00:00"):
            plain = self._lead(name="No next action", followup_grade="b")
            self._log(plain, next_date=date(2026, 3, 10))
        with self.frozen("2026-03-10 08:00:00"):  # the nightly scan flags the late one
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
        self.assertEqual(late.followup_risk_type_ids.mapped("code"), ["overdue"])
        self._digest("2026-03-10 08:30:00")
        english = self._digests(self.user_salesman)
        self.assertNotIn("New risks", english.body, "being late is said once, under Overdue")
        self.assertIn("No next action", english.body)
        self.assertNotIn(self.followup_type.summary, english.body, "no generic next action")
        self.assertIn("Overdue (1)", english.body)
        self.assertIn("2 days late", english.body)
        self.assertIn("Due today (2)", english.body)
        self.assertIn("Follow-ups for 03/10/2026: 3 to do", english.subject)
        chinese = self._digests(self.user_salesman_2)
        self.assertIn("今日到期（1）", chinese.body)
        self.assertIn("昨天以来的新风险（1）", chinese.body)
        self.assertIn("对比竞品", chinese.body)
        self.assertIn("打开今日跟进", chinese.body)
        # In the Chinese date format of the series (2026年03月10日 on 18.0, 2026/03/10 on 19.0).
        self.assertIn(zh_date(self.env, date(2026, 3, 10)), chinese.subject)

    def test_inbox_or_email_as_the_user_chose(self):
        self.user_salesman.notification_type = "inbox"
        self.user_salesman_2.notification_type = "email"
        self._due_lead(self.user_salesman, date(2026, 3, 10), name="Inbox")
        self._due_lead(self.user_salesman_2, date(2026, 3, 10), name="Email")
        self._digest("2026-03-10 08:30:00")
        inbox = self._digests(self.user_salesman)
        self.assertEqual(inbox.notification_ids.notification_type, "inbox")
        self.assertFalse(
            self.env["mail.mail"].search([("mail_message_id", "=", inbox.id)]),
            "no e-mail for an inbox user",
        )
        email = self._digests(self.user_salesman_2)
        self.assertEqual(email.notification_ids.notification_type, "email")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", email.id)])
        self.assertEqual(mail.recipient_ids, self.user_salesman_2.partner_id)
        self.assertEqual(mail.state, "outgoing", "queued for the mail cron, not sent inline")

    def test_once_a_day_quiet_and_only_for_salespeople(self):
        self._due_lead(self.user_salesman, date(2026, 3, 10))
        self._digest("2026-03-10 08:30:00")
        self._digest("2026-03-10 09:30:00")  # the next hourly run
        self.assertEqual(len(self._digests(self.user_salesman)), 1)
        self._digest("2026-03-11 08:30:00")
        self.assertEqual(len(self._digests(self.user_salesman)), 2, "the next day's")
        # Nothing to do: nothing sent (but the day is done).
        self.assertFalse(self._digests(self.user_all_leads))
        self.assertEqual(self.user_all_leads.followup_digest_date, date(2026, 3, 11))
        # Switched off by the user himself, archived, portal, no sales rights: nothing.
        self.user_salesman.with_user(self.user_salesman).write({"followup_digest_enabled": False})
        self._digest("2026-03-12 08:30:00")
        self.assertEqual(len(self._digests(self.user_salesman)), 2)
        archived = self._user("sf_archived", "Archived Rep", "group_sale_salesman")
        self._due_lead(archived, date(2026, 3, 13))
        archived.with_context(sales_followup_handover_done=True).action_archive()
        portal = new_test_user(self.env, login="sf_portal_digest", groups="base.group_portal")
        clerk = new_test_user(self.env, login="sf_clerk", groups="base.group_user")
        self._digest("2026-03-13 08:30:00")
        for user in (archived, portal, clerk):
            self.assertFalse(self._digests(user))
            self.assertFalse(user.followup_digest_date)

    def test_bounded_message_and_queries_per_lead(self):
        self._set_param("digest_lines", "5")
        for index in range(30):
            self._due_lead(self.user_salesman, date(2026, 3, 5), name=f"Old {index:02d}")
        self._due_lead(self.user_salesman_2, date(2026, 3, 5), name="Li's only")
        Digest = self.env["sales.followup.digest"]
        with self.frozen("2026-03-10 08:30:00"):
            for user in (self.user_salesman, self.user_salesman_2):  # warm-up: caches, params
                Digest._digest_own_sections(user, {user.id: date(2026, 3, 10)}, 5, "http://x")
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            many = Digest._digest_own_sections(
                self.user_salesman, {self.user_salesman.id: date(2026, 3, 10)}, 5, "http://x"
            )
            queries_many = self.env.cr.sql_log_count - before
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Digest._digest_own_sections(
                self.user_salesman_2, {self.user_salesman_2.id: date(2026, 3, 10)}, 5, "http://x"
            )
            queries_one = self.env.cr.sql_log_count - before
        self.assertEqual(queries_many, queries_one, "no query per lead")
        overdue = many[self.user_salesman.id]["overdue"]
        self.assertEqual(overdue["total"], 30)
        self.assertEqual(len(overdue["lines"]), 5)
        self._digest("2026-03-10 08:30:00")
        body = self._digests(self.user_salesman).body
        self.assertIn("Overdue (30)", body)
        self.assertIn("Old 04", body)
        self.assertNotIn("Old 05", body)
        self.assertIn("and 25 more", body)

    def test_pool_warnings_in_the_digest(self):
        self._set_param("pool_enabled", "True")
        self._set_param("pool_enabled_date", "2026-03-01")
        self._set_param("pool_missed_count", "50")
        with self.frozen("2026-03-01 09:00:00"):
            self._lead(name="Neglected", followup_grade="a")
        self._digest("2026-03-06 08:30:00")
        body = self._digests(self.user_salesman).body
        self.assertIn("Returning to the pool soon (1)", body)
        self.assertIn("in 2 days", body)

    def test_team_leader_morning_sheet(self):
        self._due_lead(self.user_salesman, date(2026, 3, 10), name="Wang today")
        self._due_lead(self.user_salesman, date(2026, 3, 2), name="Wang very late")
        self._due_lead(self.user_salesman_2, date(2026, 3, 6), name="Li late")
        with self.frozen("2026-03-09 10:00:00"):
            lead = self._lead(name="Logged yesterday")
            self._log(
                lead, summary="Called: they want 20 units in April", next_date=date(2026, 3, 20)
            )
            late = self._lead(name="Recorded late")
            self._log(late, summary="Met last week", date="2026-03-05 10:00:00")
        self._digest("2026-03-10 08:30:00")
        with self.frozen("2026-03-10 08:30:00"):
            sheet = self.env["sales.followup.digest"]._digest_team_sheets(
                self.user_manager, "http://x"
            )[self.user_manager.id][0]
        rows = {row["user"]: row for row in sheet["rows"]}
        wang, li = rows["Wang Salesman"], rows["Li Salesman"]
        self.assertEqual((wang["due_today"], wang["overdue"]), (1, 1))
        self.assertEqual((li["due_today"], li["overdue"]), (0, 1))
        self.assertEqual(wang["logged"], 2, "the two logs recorded yesterday")
        self.assertEqual(wang["late"], 1, "one of them more than 24 h after the contact")
        self.assertEqual(li["logged"], 0)
        self.assertEqual([line["name"] for line in sheet["worst"]], ["Wang very late", "Li late"])
        self.assertEqual(sheet["worst"][0]["days"], 8)
        body = self._digests(self.user_manager).body
        self.assertIn("Team sheet: East China Sales", body)
        self.assertIn("Most overdue:", body)
        self.assertIn("Wang very late", body)

    def test_preference_field_writable_by_the_user_only(self):
        self.user_salesman.with_user(self.user_salesman).write({"followup_digest_enabled": False})
        self.assertFalse(self.user_salesman.followup_digest_enabled)
        with self.assertRaises(AccessError):
            self.user_salesman_2.with_user(self.user_salesman).write(
                {"followup_digest_enabled": False}
            )
        self.assertTrue(self.user_salesman_2.followup_digest_enabled)

    def test_render_a_digest_for_the_artifacts(self):
        """A digest of a salesperson who also leads a team, in English and Chinese, written
        as HTML pages to look at at phone width."""
        for index, due in enumerate((date(2026, 3, 3), date(2026, 3, 8), date(2026, 3, 10))):
            self._due_lead(
                self.user_manager, due, name=f"数控机床改造 {index}", partner_name="苏州精工机械"
            )
        self._due_lead(self.user_salesman, date(2026, 3, 9), name="Stainless fasteners")
        Digest = self.env["sales.followup.digest"]
        template = self.env.ref("sales_followup.mail_template_followup_digest")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for lang in ("en_US", "zh_CN"):
            self.user_manager.lang = lang
            with self.frozen("2026-03-10 08:30:00"):
                digest = Digest._digest_compute(
                    self.user_manager, {self.user_manager.id: date(2026, 3, 10)}
                )[self.user_manager.id]
                body = template._render_field(
                    "body_html",
                    self.user_manager.ids,
                    compute_lang=True,
                    add_context={"digest": digest},
                )[self.user_manager.id]
            self.assertIn("苏州精工机械", body)
            page = (
                '<html><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
                f'<body style="margin: 8px; font-family: sans-serif;">{body}</body></html>'
            )
            (ARTIFACTS / f"digest_{lang}.html").write_text(page, encoding="utf-8")


@tagged("post_install", "-at_install")
class TestEscalation(DigestCommon):
    def setUp(self):
        super().setUp()
        self._set_param("escalation_since", "2026-01-01")

    def _notices(self, lead, user):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", user.partner_id.ids),
                ("author_id", "=", self.root_partner.id),
            ]
        )

    def test_steps_once_each_for_the_same_follow_up(self):
        self.user_manager.lang = "zh_CN"
        lead = self._due_lead(self.user_salesman, date(2026, 3, 2))
        self._digest("2026-03-02 09:00:00")
        self.assertEqual(lead.followup_escalation_level, "0", "due today: not overdue")
        self._digest("2026-03-03 09:00:00")
        self.assertEqual(lead.followup_escalation_level, "1")
        self.assertEqual(len(self._notices(lead, self.user_salesman)), 1)
        self.assertIn(
            "Follow-up overdue by 1 days", self._notices(lead, self.user_salesman).subject
        )
        self._digest("2026-03-03 15:00:00")
        self._digest("2026-03-04 09:00:00")
        self.assertEqual(len(self._notices(lead, self.user_salesman)), 1, "never repeated")
        self.assertFalse(self._notices(lead, self.user_manager))
        self._digest("2026-03-05 09:00:00")
        self.assertEqual(lead.followup_escalation_level, "2")
        leader = self._notices(lead, self.user_manager)
        self.assertEqual(len(leader), 1)
        self.assertIn("Wang Salesman", leader.subject)
        self.assertIn("天", leader.subject, "in the leader's language")
        with self.frozen("2026-03-05 09:30:00"):  # the nightly risk scan
            lead._followup_apply_risk_rules()
        self.assertEqual(lead.followup_risk_type_ids.mapped("code"), ["overdue"])
        self._digest("2026-03-09 09:00:00")
        self.assertEqual(lead.followup_escalation_level, "3")
        self.assertEqual(lead.followup_risk_level, "high")
        self.assertEqual(lead.followup_risk_type_ids.mapped("code"), ["overdue_long"])
        self._digest("2026-03-10 09:00:00")
        self.assertEqual(len(self._notices(lead, self.user_manager)), 1)
        # A contact starts a new follow-up: its steps start again from none.
        with self.frozen("2026-03-10 10:00:00"):
            self._log(lead, next_date=date(2026, 3, 12))
        self.assertFalse(lead.followup_risk_type_ids)
        self._digest("2026-03-13 09:00:00")
        self.assertEqual(lead.followup_escalation_due, date(2026, 3, 12))
        self.assertEqual(lead.followup_escalation_level, "1")
        self.assertEqual(len(self._notices(lead, self.user_salesman)), 2)

    def test_days_count_from_when_escalation_came_in(self):
        """An upgrade does not escalate years of old overdue follow-ups at once."""
        lead = self._due_lead(self.user_salesman, date(2026, 3, 2))
        self._set_param("escalation_since", "2026-03-20")
        self._digest("2026-03-20 09:00:00")
        self.assertEqual(lead.followup_escalation_level, "0")
        self._digest("2026-03-21 09:00:00")
        self.assertEqual(lead.followup_escalation_level, "1")

    def test_settings_steps_in_order_and_in_range(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaises(ValidationError) as error:
            Settings.create(
                {
                    "followup_escalate_remind_days": 5,
                    "followup_escalate_leader_days": 3,
                    "followup_escalate_high_days": 7,
                }
            )
        self.assertIn("(5)", str(error.exception))
        for fname, value in (
            ("followup_digest_hour", 24),
            ("followup_digest_lines", 0),
            ("followup_escalate_high_days", 0),
        ):
            with self.assertRaises(ValidationError):
                Settings.create({fname: value})
