"""The customer pool (公海), its rules: leads nobody follows go back to their team by the
grade's rules, with a warning first, in batches the cron resumes; the settings of the rules
and the pool's fields, which no caller writes."""

from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .pool_common import PoolCommon


@tagged("post_install", "-at_install")
class TestPoolRules(PoolCommon):
    def test_pool_off_by_default_reclaims_nothing(self):
        with self.frozen("2026-01-01 09:00:00"):
            lead = self._lead(followup_grade="a")
        self.assertEqual(self._reclaim("2026-06-01 09:00:00"), 0)
        self.assertEqual(lead.user_id, self.user_salesman)
        self.assertFalse(lead.followup_in_pool)
        self.assertFalse(lead.followup_reclaim_date)

    def test_days_without_contact_by_grade_from_the_day_rules_start(self):
        """A lead last contacted long before the pool was switched on gets the full delay from
        that day: 7 days for grade A, 60 for grade C."""
        with self.frozen("2025-06-01 09:00:00"):
            lead_a = self._lead(name="A", followup_grade="a")
            lead_c = self._lead(name="C", followup_grade="c")
            self._log(lead_a, next_date=date(2025, 6, 2))
            self._log(lead_c, next_date=date(2025, 7, 1))
        self._enable_pool(since="2026-03-01", pool_missed_count=50)
        with self.frozen("2026-03-01 09:00:00"):
            self.assertEqual(lead_a.followup_reclaim_date, date(2026, 3, 8))
            self.assertEqual(lead_c.followup_reclaim_date, date(2026, 4, 30))
        self._reclaim("2026-03-07 09:00:00")
        self.assertFalse(lead_a.followup_in_pool, "the 7th day has not passed")
        self._reclaim("2026-03-08 09:00:00")
        self.assertTrue(lead_a.followup_in_pool)
        self.assertFalse(lead_c.followup_in_pool)
        self._reclaim("2026-04-29 09:00:00")
        self.assertFalse(lead_c.followup_in_pool)
        self._reclaim("2026-04-30 09:00:00")
        self.assertTrue(lead_c.followup_in_pool)

    def test_a_logged_contact_restarts_the_clock(self):
        self._enable_pool(pool_missed_count=50)
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(followup_grade="b")
        with self.frozen("2026-03-10 09:00:00"):
            self._log(lead, next_date=date(2026, 3, 13))
        self._reclaim("2026-03-16 09:00:00")
        self.assertFalse(lead.followup_in_pool, "15 days from the assignment, but contacted")
        with self.frozen("2026-03-20 09:00:00"):
            self.assertEqual(lead.followup_reclaim_date, date(2026, 3, 25))
        self._reclaim("2026-03-25 09:00:00")
        self.assertTrue(lead.followup_in_pool)

    def test_missed_follow_ups_of_the_rhythm(self):
        """Grade B follows up every 3 days: with 2 missed follow-ups in a row, a follow-up due
        on the 11th, then the 14th, both passed without a contact: back on the 15th."""
        self._enable_pool(pool_missed_count=2, pool_days_b=365)
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(followup_grade="b")
            self._log(lead, next_date=date(2026, 3, 11))
        self.assertEqual(lead.followup_next_date, date(2026, 3, 11))
        self._reclaim("2026-03-14 09:00:00")
        self.assertFalse(lead.followup_in_pool)
        self._reclaim("2026-03-15 09:00:00")
        self.assertTrue(lead.followup_in_pool)
        self.assertIn("2 follow-ups missed in a row", lead.followup_pool_reason)

    def test_converted_never_dormant_only_after_waking_unanswered(self):
        self._enable_pool(pool_missed_count=50)
        with self.frozen("2026-03-01 09:00:00"):
            converted = self._lead(name="won", followup_grade="a")
            converted.write({"stage_id": self.stage_won.id})
            dormant = self._lead(name="asleep", followup_grade="a")
            dormant._followup_set_dormant(date(2026, 4, 1))
        self._reclaim("2026-03-20 09:00:00")
        self.assertFalse(converted.followup_in_pool)
        self.assertFalse(dormant.followup_in_pool, "asleep: no salesperson is late")
        with self.frozen("2026-04-01 02:00:00"):
            self.env["crm.lead"]._cron_followup_wakeup()
        self.assertEqual(dormant.followup_woken_date, date(2026, 4, 1))
        self._reclaim("2026-04-07 09:00:00")
        self.assertFalse(dormant.followup_in_pool, "7 days from the wake-up, not from March")
        self._reclaim("2026-04-08 09:00:00")
        self.assertTrue(dormant.followup_in_pool)
        self.assertFalse(converted.followup_in_pool)

    def test_reclaim_closes_the_follow_up_and_keeps_the_history(self):
        self._enable_pool(pool_missed_count=50)
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(followup_grade="a", phone="+86 138 0000 0001")
            log = self._log(lead, next_date=date(2026, 3, 2))
            code = lead.followup_code
        self.assertTrue(self._followups(lead))
        self._reclaim("2026-03-09 09:00:00")
        self.assertTrue(lead.followup_in_pool)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.team_id, self.team, "the lead stays with its team")
        self.assertEqual(lead.followup_previous_user_id, self.user_salesman)
        self.assertEqual(lead.followup_pool_date, datetime(2026, 3, 9, 9, 0))
        self.assertEqual(lead.followup_code, code)
        self.assertEqual(lead.followup_log_ids, log, "logs stay")
        self.assertFalse(self._followups(lead), "the old owner's follow-up is closed")
        self.assertFalse(lead.followup_next_date)
        self.assertEqual(lead.followup_risk_level, "none", "no overdue risk in the pool")
        self.assertIn("no contact logged for 7 days (grade A)", lead.followup_pool_reason)
        self.assertIn("Returned to the pool from Wang Salesman", lead.message_ids[0].body)
        history = lead.followup_ownership_ids.sorted("date_from")
        self.assertEqual(history.mapped("how"), ["assigned", "reclaimed"])
        self.assertEqual(history[0].user_id, self.user_salesman)
        self.assertEqual(history[0].date_to, datetime(2026, 3, 9, 9, 0))
        self.assertFalse(history[1].user_id)
        self.assertEqual(history[1].from_user_id, self.user_salesman)
        self.assertFalse(history[1].date_to)

    def test_warning_once_in_the_salesperson_language_with_a_badge(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.user_salesman_2.lang = "zh_CN"
        self._enable_pool(pool_missed_count=50)
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(name="en", followup_grade="a")
            lead_zh = self._lead(user=self.user_salesman_2, name="zh", followup_grade="a")
        self._reclaim("2026-03-05 09:00:00")
        notices = self._pool_notices(lead | lead_zh)
        self.assertFalse(notices, "3 days before: no warning yet")
        with self.frozen("2026-03-06 09:00:00"):
            self.assertEqual(
                lead.with_user(self.user_salesman).followup_reclaim_label,
                "Returns to the pool in 2 days",
            )
            self.assertEqual(
                lead.with_user(self.user_salesman).search(
                    [("followup_reclaim_date", "<=", "2026-03-08")]
                ),
                lead,
            )
        self._reclaim("2026-03-06 09:00:00")
        self._reclaim("2026-03-06 10:00:00")  # a second run the same day
        notices = self._pool_notices(lead | lead_zh)
        self.assertEqual(len(notices), 2, "one warning per lead, however often the cron runs")
        by_lead = {notice.res_id: notice for notice in notices}
        self.assertEqual(by_lead[lead.id].partner_ids, self.user_salesman.partner_id)
        self.assertIn("Returns to the pool in 2 days", by_lead[lead.id].subject)
        self.assertIn("2 天后退回公海", by_lead[lead_zh.id].subject)
        self.assertFalse(lead.followup_in_pool)
        self._reclaim("2026-03-08 09:00:00")
        self.assertTrue(lead.followup_in_pool and lead_zh.followup_in_pool)
        self.assertIn("7 天", lead_zh.followup_pool_reason)

    def test_leaving_salesperson_leads_go_back_at_once(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(user=self.user_salesman_2, followup_grade="c")
        self.user_salesman_2.with_context(sales_followup_handover_done=True).action_archive()
        self._reclaim("2026-03-02 09:00:00")
        self.assertTrue(lead.followup_in_pool)
        self.assertIn("Li Salesman no longer works here", lead.followup_pool_reason)

    def test_cron_batches_report_progress_and_resume(self):
        self._enable_pool(pool_missed_count=50, pool_warning_days=0)
        with self.frozen("2026-03-01 09:00:00"):
            leads = self._lead(followup_grade="a")
            for index in range(4):
                leads |= self._lead(name=f"lead {index}", followup_grade="a")
        cron = self.env.ref("sales_followup.ir_cron_followup_pool_reclaim")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        Lead = self.env["crm.lead"].with_context(ir_cron_progress_id=progress.id, cron_id=cron.id)
        with self.frozen("2026-03-09 09:00:00"), self.batch_commits_skipped():
            self.assertEqual(Lead._cron_followup_pool_reclaim(batch_size=2), 2)
            self.assertEqual((progress.done, progress.remaining), (2, 3))
            self.assertEqual(len(leads.filtered("followup_in_pool")), 2, "one batch per call")
            # A new run (after a restart) goes on with what is left.
            Lead._cron_followup_pool_reclaim(batch_size=2)
            Lead._cron_followup_pool_reclaim(batch_size=2)
            self.assertEqual(progress.remaining, 0)
        self.assertTrue(all(leads.mapped("followup_in_pool")))

    def test_pool_fields_are_not_written_by_a_caller(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        for vals in (
            {"followup_in_pool": True},
            {"followup_pool_date": "2026-03-01 10:00:00"},
            {"followup_previous_user_id": self.user_salesman_2.id},
        ):
            with self.assertRaises(UserError):
                lead.with_user(self.user_manager).write(vals)
        self.assertFalse(lead.followup_in_pool)
        with self.assertRaises(UserError):
            self.env["crm.lead"].with_user(self.user_salesman).create(
                {"name": "sneaky", "followup_in_pool": True}
            )

    def test_settings_refuse_zero_and_absurd_rules(self):
        Settings = self.env["res.config.settings"].with_user(self.user_manager).sudo()
        for fname, value in (
            ("followup_pool_days_a", 0),
            ("followup_pool_days_c", 99999),
            ("followup_pool_missed_count", 0),
            ("followup_pool_max_open", 0),
            ("followup_pool_max_claims_day", -1),
            ("followup_pool_cooldown_days", 1000),
            ("followup_pool_warning_days", 61),
        ):
            with self.assertRaises(ValidationError) as error:
                Settings.create({fname: value})
            self.assertIn(str(value), str(error.exception))
        # A bad value set as a system parameter falls back to the default.
        self._set_param("pool_days_a", "0")
        self.assertEqual(self.env["sales.followup.settings"]._get_int("pool_days_a"), 7)

    def test_switching_the_pool_on_dates_the_rules(self):
        with self.frozen("2026-03-10 09:00:00"):
            settings = self.env["res.config.settings"].create({"followup_pool_enabled": True})
            settings.execute()
        ICP = self.env["ir.config_parameter"].sudo()
        self.assertEqual(ICP.get_param("sales_followup.pool_enabled_date"), "2026-03-10")
        with self.frozen("2026-03-20 09:00:00"):
            self.env["res.config.settings"].create({"followup_pool_enabled": True}).execute()
        self.assertEqual(
            ICP.get_param("sales_followup.pool_enabled_date"), "2026-03-10", "kept while on"
        )
