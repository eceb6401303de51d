"""The customer pool (公海): leads nobody follows go back to their team by the grade's rules,
with a warning first; salespeople claim them within limits; releases, bulk assignment, the
hand-over of a leaving salesperson, the duplicate check, and what a salesperson may read of a
pool lead before claiming it."""

from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import FollowupCommon

# Measured on Odoo 18.0 with PostgreSQL 15: one claim from the pool, caches warm.
CLAIM_QUERIES = 51


class PoolCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_team_user = cls._user("sf_other_team", "Zhou Other Team", "group_sale_salesman")
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "North China Sales",
                "crm_team_member_ids": [(0, 0, {"user_id": cls.other_team_user.id})],
            }
        )

    def _enable_pool(self, since="2026-03-01", **settings):
        self._set_param("pool_enabled", "True")
        self._set_param("pool_enabled_date", since)
        for key, value in settings.items():
            self._set_param(key, str(value))

    def _current_period(self, lead):
        return self.env["sales.followup.ownership"].search(
            [("lead_id", "=", lead.id), ("date_to", "=", False)]
        )

    def _pool_notices(self, leads):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("message_type", "=", "user_notification"),
                ("author_id", "=", self.env.ref("base.partner_root").id),
            ]
        )

    def _reclaim(self, when):
        with self.frozen(when):
            done = self.env["crm.lead"]._cron_followup_pool_reclaim()
            self.env.flush_all()
        return done

    def _pool_lead(self, user=None, **vals):
        """A lead of ``user`` (the salesman) sent back to the pool on 2026-03-05."""
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(user=user, **vals)
        with self.frozen("2026-03-05 09:00:00"):
            lead._followup_to_pool("released", {lead.id: "Outside my region"})
            self.env.flush_all()
        return lead


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
        Lead = self.env["crm.lead"].with_context(ir_cron_progress_id=progress.id)
        with self.frozen("2026-03-09 09:00:00"):
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
        self.assertEqual(self.env["crm.lead"]._followup_setting("pool_days_a"), 7)

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


@tagged("post_install", "-at_install")
class TestPoolClaim(PoolCommon):
    def test_claim_takes_the_lead_with_a_first_follow_up(self):
        self._enable_pool()
        lead = self._pool_lead(user=self.user_salesman_2)
        with self.frozen("2026-03-20 09:00:00"):
            pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman)
            self.assertEqual(pool.search([]).ids, lead.ids)
            action = pool.browse(lead.id).action_claim()
            self.env.flush_all()
        self.assertEqual(action["res_id"], lead.id)
        self.assertEqual(lead.user_id, self.user_salesman)
        self.assertFalse(lead.followup_in_pool)
        self.assertEqual(lead.followup_previous_user_id, self.user_salesman_2)
        followup = self._followups(lead)
        self.assertEqual(followup.user_id, self.user_salesman)
        self.assertEqual(followup.date_deadline, date(2026, 3, 23), "24 h later: a Saturday")
        self.assertEqual(self._current_period(lead).how, "claimed")
        self.assertEqual(self._current_period(lead).user_id, self.user_salesman)
        self.assertIn("Claimed from the pool by Wang Salesman", lead.message_ids[0].body)
        # Now the lead is the salesman's: its phone and logs are readable.
        self.assertTrue(lead.with_user(self.user_salesman).read(["phone", "followup_log_ids"]))

    def test_claimed_lead_is_back_under_the_risk_rules_at_once(self):
        """The rules skip the pool's leads: a lead claimed shows its risks at once (here its
        customer has not answered since January), not after the nightly scan."""
        self._enable_pool()
        with self.frozen("2026-01-05 09:00:00"):
            lead = self._lead(user=self.user_salesman_2)
            self._log(lead, user=self.user_salesman_2, customer_responded=True)
        with self.frozen("2026-03-05 09:00:00"):
            lead._followup_to_pool("released", {lead.id: "Outside my region"})
            self.env.flush_all()
        self.assertFalse(lead.followup_risk_type_ids, "no risk while in the pool")
        silent = self.env.ref("sales_followup.risk_type_silent")
        with self.frozen("2026-04-20 09:00:00"):  # 105 days without an answer (rule: 90)
            lead.with_user(self.user_salesman).action_followup_claim()
            self.env.flush_all()
        self.assertEqual(lead.followup_risk_type_ids, silent)
        self.assertEqual(lead.followup_risk_level, silent.severity)

    def test_before_claiming_only_the_public_fields(self):
        self._enable_pool()
        lead = self._pool_lead(
            user=self.user_salesman_2, phone="+86 138 0000 0002", email_from="buyer@example.com"
        )
        self._log(lead, user=self.user_manager, summary="Secret price talk")
        pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman)
        row = pool.search_read(
            [("id", "=", lead.id)], ["customer_name", "name", "phone", "email_from", "grade"]
        )[0]
        self.assertEqual(row["customer_name"], "Shanghai Trading Co.")
        self.assertEqual(row["name"], "Lead")
        self.assertFalse(row["phone"])
        self.assertFalse(row["email_from"])
        self.assertFalse(pool.search([("phone", "=", "+86 138 0000 0002")]), "no search by phone")
        # Over RPC on the lead itself: refused.
        with self.assertRaises(AccessError):
            lead.with_user(self.user_salesman).read(["phone"])
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        self.assertFalse(Log.search([("lead_id", "=", lead.id)]))
        with self.assertRaises(AccessError):
            lead.followup_log_ids.with_user(self.user_salesman).read(["summary"])
        with self.assertRaises(AccessError):
            lead.message_ids.with_user(self.user_salesman).read(["body"])
        # A salesperson who sees all leads, and a manager, see it as any lead.
        self.assertTrue(lead.with_user(self.user_all_leads).read(["phone"]))
        # The team makes the phone public: then it shows.
        self._set_param("pool_public_fields", "followup_customer_name,phone")
        row = pool.search_read([("id", "=", lead.id)], ["name", "phone"])[0]
        self.assertEqual(row["phone"], "+86 138 0000 0002")
        self.assertFalse(row["name"], "the need is no longer public")

    def test_other_team_pool_is_not_seen_nor_claimed(self):
        self._enable_pool()
        lead = self._pool_lead(user=self.user_salesman_2)
        pool = self.env["sales.followup.pool.lead"].with_user(self.other_team_user)
        self.assertFalse(pool.search([]))
        with self.frozen("2026-03-20 09:00:00"), self.assertRaises(UserError) as error:
            lead.with_user(self.other_team_user).action_followup_claim()
        self.assertIn("another sales team", str(error.exception))
        self.assertNotIn("East China Sales", str(error.exception))
        self.assertNotIn(lead.followup_code, str(error.exception))
        self.assertTrue(lead.followup_in_pool)

    def test_claim_refusals(self):
        self._enable_pool(pool_cooldown_days=7, pool_max_open=3, pool_max_claims_day=2)
        taken = self._pool_lead(user=self.user_salesman_2, name="taken")
        with self.frozen("2026-03-20 09:00:00"):
            taken.with_user(self.user_salesman_2).action_followup_claim()
        with self.frozen("2026-03-20 10:00:00"), self.assertRaises(UserError) as error:
            taken.with_user(self.user_salesman).action_followup_claim()
        # The salesman does not read Li's lead any more: neither its code nor its holder.
        self.assertIn("no longer in the pool", str(error.exception))
        self.assertNotIn("Li Salesman", str(error.exception))
        self.assertNotIn(taken.followup_code, str(error.exception))

        # The previous owner waits 7 days.
        mine = self._pool_lead(name="mine before")
        with self.frozen("2026-03-11 09:00:00"), self.assertRaises(UserError) as error:
            mine.with_user(self.user_salesman).action_followup_claim()
        self.assertIn("03/12/2026", str(error.exception))
        self.assertTrue(mine.followup_in_pool)
        with self.frozen("2026-03-12 09:00:00"):
            mine.with_user(self.user_salesman).action_followup_claim()
        self.assertEqual(mine.user_id, self.user_salesman)

        # At most 2 claims a day (the one above counts on the 12th).
        pool = self._pool_lead(user=self.user_salesman_2, name="p1")
        pool |= self._pool_lead(user=self.user_salesman_2, name="p2")
        with self.frozen("2026-03-12 15:00:00"):
            pool[0].with_user(self.user_salesman).action_followup_claim()
            with self.assertRaises(UserError) as error:
                pool[1].with_user(self.user_salesman).action_followup_claim()
        self.assertIn("claimed 2 leads today", str(error.exception))
        self.assertTrue(pool[1].followup_in_pool, "nothing half-written")
        self.assertEqual(
            self.env["sales.followup.ownership"].search_count(
                [("lead_id", "=", pool[1].id), ("how", "=", "claimed")]
            ),
            0,
        )
        # At most 3 open leads held: the salesman holds 2 and the lead "taken" is not his.
        with self.frozen("2026-03-13 09:00:00"):
            self._lead(name="third")
            with self.assertRaises(UserError) as error:
                pool[1].with_user(self.user_salesman).action_followup_claim()
        self.assertIn("hold 3 open leads, and may hold 3", str(error.exception))
        # Managers are exempt from the limits.
        with self.frozen("2026-03-13 09:00:00"):
            pool[1].with_user(self.user_manager).action_followup_claim()
        self.assertEqual(pool[1].user_id, self.user_manager)

    def test_claim_of_unknown_or_other_company_lead(self):
        self._enable_pool()
        with self.assertRaises(UserError) as error:
            self.env["crm.lead"].with_user(self.user_salesman).browse(
                999999
            ).action_followup_claim()
        self.assertIn("999999", str(error.exception))
        other_company = self.env["res.company"].create({"name": "Shenzhen Branch"})
        lead = self._pool_lead(user=self.user_salesman_2)
        lead.sudo().company_id = other_company
        with self.frozen("2026-03-20 09:00:00"), self.assertRaises(UserError) as error:
            lead.with_user(self.user_salesman).action_followup_claim()
        # Answered as an unknown lead: ids do not enumerate another company's codes.
        self.assertEqual(str(error.exception), f"Pool: there is no lead {lead.id} to claim.")
        portal = new_test_user(self.env, login="sf_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            lead.with_user(portal).action_followup_claim()

    def test_claiming_costs_a_constant_number_of_queries(self):
        """Claiming a lead: the checks (team, limits, cooldown), the lock, the write, the
        ownership period, the first Follow-up on a working day and the chatter: the same
        queries whether the salesperson holds 1 lead or 15."""
        self._enable_pool(pool_max_open=1000, pool_max_claims_day=100)
        for held in (1, 15):
            user = self._user(f"sf_claimer_{held}", f"Claimer {held}", "group_sale_salesman")
            self.team.crm_team_member_ids = [(0, 0, {"user_id": user.id})]
            with self.frozen("2026-03-01 09:00:00"):
                for index in range(held):
                    self._lead(user=user, name=f"held {index}")
            leads = self._pool_lead(user=self.user_salesman_2, name="first")
            leads |= self._pool_lead(user=self.user_salesman_2, name="second")
            with self.frozen("2026-03-20 09:00:00"):
                leads[0].with_user(user).action_followup_claim()  # warm-up
                self.env.flush_all()
                self.env.invalidate_all()
                with self.assertQueryCount(CLAIM_QUERIES):
                    leads[1].with_user(user).action_followup_claim()
            self.assertEqual(leads[1].user_id, user)


@tagged("post_install", "-at_install")
class TestPoolRelease(PoolCommon):
    def test_release_with_a_reason(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        with self.frozen("2026-03-03 09:00:00"):
            action = lead.with_user(self.user_salesman).action_followup_release()
            wizard = (
                self.env[action["res_model"]]
                .with_user(self.user_salesman)
                .with_context(**action["context"])
                .create({"reason": "The customer moved to Xinjiang, outside my region"})
            )
            result = wizard.action_apply()
            self.env.flush_all()
        # To the pool as a new page (the lead's form behind the dialog is no longer readable).
        self.assertEqual(
            (result["type"], result["url"], result["target"]),
            ("ir.actions.act_url", "/odoo/action-sales_followup.action_followup_pool", "self"),
        )
        self.assertTrue(lead.followup_in_pool)
        self.assertEqual(
            lead.followup_pool_reason, "The customer moved to Xinjiang, outside my region"
        )
        self.assertEqual(self._current_period(lead).how, "released")
        self.assertIn("Released to the pool by Wang Salesman", lead.message_ids[0].body)

    def test_release_refusals(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
            other = self._lead(user=self.user_salesman_2)
            won = self._lead(name="won")
            won.write({"stage_id": self.stage_won.id})
        for reason in (False, "", "   ", 42):
            with self.assertRaises(UserError) as error:
                lead.with_user(self.user_salesman)._followup_release(reason)
            self.assertIn("Reason", str(error.exception))
        self.assertFalse(lead.followup_in_pool)
        self.assertEqual(lead.user_id, self.user_salesman)
        with self.assertRaises(AccessError):
            other.with_user(self.user_salesman)._followup_release("not mine")
        with self.assertRaises(UserError):
            won.with_user(self.user_salesman)._followup_release("customers stay")
        self.assertFalse(won.followup_in_pool)


@tagged("post_install", "-at_install")
class TestPoolAssignAndHandover(PoolCommon):
    def test_manager_assigns_pool_leads_in_bulk(self):
        self._enable_pool()
        leads = self._pool_lead(name="one") | self._pool_lead(name="two")
        # Actions > Assign of the pool list: the bound window action, on the selected rows.
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.user_manager)
            ._for_xml_id("sales_followup.sales_followup_pool_lead_action_assign_dialog")
        )
        with self.frozen("2026-03-20 09:00:00"):
            wizard = (
                self.env[action["res_model"]]
                .with_user(self.user_manager)
                .with_context(active_model="sales.followup.pool.lead", active_ids=leads.ids)
                .create({"user_id": self.user_salesman_2.id})
            )
            self.assertEqual(wizard.lead_count, 2)
            wizard.action_apply()
            self.env.flush_all()
        self.assertEqual(leads.user_id, self.user_salesman_2)
        self.assertFalse(any(leads.mapped("followup_in_pool")))
        self.assertEqual({self._current_period(lead).how for lead in leads}, {"assigned"})
        self.assertEqual(len(self._followups(leads[0])), 1)
        with self.assertRaises(AccessError):
            leads.with_user(self.user_salesman)._followup_assign(self.user_salesman)
        inactive = self._user("sf_gone", "Gone", "group_sale_salesman")
        inactive.active = False
        with self.assertRaises(UserError):
            leads.with_user(self.user_manager)._followup_assign(inactive)

    def test_archiving_a_salesperson_asks_where_the_leads_go(self):
        with self.frozen("2026-03-01 09:00:00"):
            leads = self._lead(user=self.user_salesman_2, name="a")
            leads |= self._lead(user=self.user_salesman_2, name="b")
        admin = self.env.ref("base.user_admin")
        action = self.user_salesman_2.with_user(admin).action_archive()
        self.assertEqual(action["res_model"], "sales.followup.handover.wizard")
        self.assertTrue(self.user_salesman_2.active, "not archived before the choice")
        wizard = (
            self.env[action["res_model"]]
            .with_user(admin)
            .with_context(**action["context"])
            .create({"target": "user", "colleague_id": self.user_salesman.id, "reason": "Li left"})
        )
        self.assertEqual(wizard.lead_count, 2)
        with self.frozen("2026-03-10 09:00:00"):
            wizard.action_apply()
            self.env.flush_all()
        self.assertFalse(self.user_salesman_2.active)
        self.assertEqual(leads.user_id, self.user_salesman)
        self.assertEqual(self._current_period(leads[0]).how, "reassigned")
        self.assertEqual(self._current_period(leads[0]).reason, "Li left")

    def test_archiving_to_the_pool(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(user=self.user_salesman_2)
        admin = self.env.ref("base.user_admin")
        action = self.user_salesman_2.with_user(admin).action_archive()
        wizard = (
            self.env[action["res_model"]]
            .with_user(admin)
            .with_context(**action["context"])
            .create({"target": "pool"})
        )
        wizard.action_apply()
        self.assertFalse(self.user_salesman_2.active)
        self.assertTrue(lead.followup_in_pool)
        self.assertIn("Li Salesman no longer works here", lead.followup_pool_reason)
        # A user without leads is archived at once.
        self.user_all_leads.with_user(admin).action_archive()
        self.assertFalse(self.user_all_leads.active)

    def test_backfill_gives_existing_leads_their_current_period(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        lead.followup_ownership_ids.sudo().unlink()
        self.env["sales.followup.ownership"]._backfill()
        self.assertEqual(lead.followup_ownership_ids.how, "assigned")
        self.assertEqual(lead.followup_ownership_ids.date_from, lead.date_open)


@tagged("post_install", "-at_install")
class TestDuplicateCheck(PoolCommon):
    def test_new_lead_shows_pool_and_other_owner_duplicates(self):
        self._enable_pool()
        in_pool = self._pool_lead(user=self.user_salesman_2, partner_name="Suzhou Valves Ltd")
        with self.frozen("2026-03-01 09:00:00"):
            self._lead(
                user=self.user_salesman_2,
                name="Li's",
                partner_name="Ningbo Pumps",
                phone="+86 574 8888 0001",
            )
        with Form(self.env["crm.lead"].with_user(self.user_salesman)) as form:
            form.name = "New"
            form.partner_name = "Suzhou Valves Ltd"
            self.assertIn("Already in the pool of East China Sales", form.followup_duplicate_note)
            self.assertIn(in_pool.followup_code, form.followup_duplicate_note)
            form.partner_name = "Someone else"
            form.phone = "+86 574 8888 0001"
            self.assertIn("Held by another salesperson, Li Salesman", form.followup_duplicate_note)
            form.phone = "+86 574 1234 5678"
            self.assertFalse(form.followup_duplicate_note)

    def test_pool_card_shows_duplicates_before_claiming(self):
        self._enable_pool()
        lead = self._pool_lead(user=self.user_salesman_2, partner_name="Hangzhou Motors")
        with self.frozen("2026-03-01 09:00:00"):
            self._lead(user=self.user_manager, name="manager's", partner_name="Hangzhou Motors")
        row = self.env["sales.followup.pool.lead"].with_user(self.user_salesman).browse(lead.id)
        self.assertIn("Held by another salesperson, Chen Manager", row.duplicate_note)


@tagged("post_install", "-at_install")
class TestPoolDoorsAsClicked(PoolCommon):
    """The pool's buttons as the web client runs them, as the least-privileged user who sees
    them, to the end of the request (the final flush recomputes as that user), and the doors
    around them closed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A team of no company: Odoo would empty the company of its leads without salesperson.
        cls.team.company_id = False

    def _dialog(self, action, user):
        """The dialog an action opens, as ``user``, with the action's context."""
        context = dict(action.get("context") or {})
        return Form(self.env[action["res_model"]].with_user(user).with_context(**context))

    def test_salesperson_releases_from_the_lead_form(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        self.assertEqual(lead.company_id, self.company)
        with self.frozen("2026-03-05 09:00:00"):
            action = lead.with_user(self.user_salesman).action_followup_release()
            with self._dialog(action, self.user_salesman) as dialog:
                dialog.reason = "Outside my region"
            dialog.record.action_apply()
            self.env.flush_all()
        self.assertTrue(lead.followup_in_pool)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.followup_pool_reason, "Outside my region")
        self.assertEqual(lead.company_id, self.company, "the lead stays in its company's pool")
        in_pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman_2).search([])
        self.assertEqual(in_pool.ids, lead.ids)

    def test_release_dialog_never_reports_what_it_did_not_do(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            mine = self._lead(name="mine")
            others = self._lead(name="others", user=self.user_salesman_2)
            lost = self._lead(name="lost")
            lost.action_set_lost(lost_reason_id=self.lost_reason.id)
        pooled = self._pool_lead(name="pooled")
        Wizard = self.env["sales.followup.release.wizard"].with_user(self.user_salesman)
        cases = {
            "no lead": ([], UserError),
            "another's lead": (others.ids, AccessError),
            "a pool lead": (pooled.ids, AccessError),
            "a lost lead": (lost.ids, UserError),
        }
        for case, (ids, error) in cases.items():
            with self.subTest(case), self.assertRaises(error) as raised:
                Wizard.create(
                    {"lead_ids": [(6, 0, ids)], "reason": "Outside my region"}
                ).action_apply()
            self.assertNotIn("others", str(raised.exception))
        for reason in ("\u200b\u200b", " \ufeff "):
            with self.subTest(reason=reason), self.assertRaisesRegex(UserError, "Reason"):
                Wizard.create({"lead_ids": [(6, 0, mine.ids)], "reason": reason}).action_apply()
        self.assertEqual((mine | others | lost).mapped("followup_in_pool"), [False] * 3)
        self.assertEqual(others.user_id, self.user_salesman_2)

    def test_manager_assigns_from_the_pool_list_actions_menu(self):
        self._enable_pool()
        leads = self._pool_lead(name="one") | self._pool_lead(name="two")
        binding = self.env.ref("sales_followup.sales_followup_pool_lead_action_assign_dialog")
        bound = (
            self.env["ir.actions.actions"]
            .with_user(self.user_manager)
            .get_bindings("sales.followup.pool.lead")["action"]
        )
        self.assertIn(binding.id, [action["id"] for action in bound])
        salesman_bound = (
            self.env["ir.actions.actions"]
            .with_user(self.user_salesman)
            .get_bindings("sales.followup.pool.lead")
            .get("action", [])
        )
        self.assertNotIn(binding.id, [action["id"] for action in salesman_bound])
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.user_manager)
            ._for_xml_id("sales_followup.sales_followup_pool_lead_action_assign_dialog")
        )
        action["context"] = {"active_model": "sales.followup.pool.lead", "active_ids": leads.ids}
        with self.frozen("2026-03-20 09:00:00"):
            with self._dialog(action, self.user_manager) as dialog:
                self.assertEqual(dialog.lead_count, 2)
                dialog.user_id = self.user_salesman_2
            result = dialog.record.action_apply()
            self.env.flush_all()
        self.assertIn("2", result["params"]["message"])
        self.assertEqual(leads.user_id, self.user_salesman_2)
        self.assertFalse(any(leads.mapped("followup_in_pool")))

    def test_assign_dialog_of_a_pool_lead_form_counts_it(self):
        self._enable_pool()
        lead = self._pool_lead()
        with self.frozen("2026-03-20 09:00:00"):
            action = lead.with_user(self.user_manager).action_followup_open_assign()
            with self._dialog(action, self.user_manager) as dialog:
                self.assertEqual(dialog.lead_count, 1)
                dialog.user_id = self.user_salesman
            result = dialog.record.action_apply()
            self.env.flush_all()
        self.assertEqual(
            result["params"]["message"], f"{lead.display_name} assigned to Wang Salesman."
        )
        self.assertEqual(lead.user_id, self.user_salesman)

    def test_the_salesperson_moves_only_through_the_doors(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        with self.assertRaisesRegex(UserError, "Release to Pool"):
            lead.with_user(self.user_salesman).write({"user_id": False})
        self.assertEqual(lead.user_id, self.user_salesman)
        pooled = self._pool_lead(name="pooled")
        with self.assertRaisesRegex(UserError, "claim it from the pool"):
            pooled.with_user(self.user_all_leads).write({"user_id": self.user_all_leads.id})
        with self.assertRaises(AccessError):
            pooled.with_user(self.user_salesman_2).write({"user_id": self.user_salesman_2.id})
        self.assertTrue(pooled.followup_in_pool)
        # A manager still reassigns by hand; the move is in the ownership history.
        lead.with_user(self.user_manager).write({"user_id": self.user_salesman_2.id})
        self.assertEqual(self._current_period(lead).how, "reassigned")

    def test_claim_refusals_name_nothing_of_another_company(self):
        self._enable_pool()
        company_2 = self.env["res.company"].create({"name": "Beijing Branch"})
        rep_2 = self._user("sf_rep_2", "Sun Rep", "group_sale_salesman")
        rep_2.write({"company_ids": [(6, 0, company_2.ids)], "company_id": company_2.id})
        self.team.crm_team_member_ids = [(0, 0, {"user_id": rep_2.id})]
        held = self._lead(name="held", followup_code=False)
        pooled = self._pool_lead(name="pooled")
        Lead = self.env["crm.lead"].with_user(rep_2).with_context(allowed_company_ids=company_2.ids)
        for lead in held | pooled:
            with self.subTest(lead=lead.name), self.assertRaises(UserError) as raised:
                Lead.browse(lead.id).action_followup_claim()
            message = str(raised.exception)
            self.assertNotIn(lead.followup_code, message)
            self.assertNotIn("Wang", message)
            self.assertIn(str(lead.id), message)
        note = (
            self.env["crm.lead"]
            .with_user(rep_2)
            .with_context(allowed_company_ids=company_2.ids)
            .new({"partner_name": held.partner_name, "user_id": rep_2.id})
            .followup_duplicate_note
        )
        self.assertFalse(note, "no lead of another company is named")


@tagged("post_install", "-at_install")
class TestLogDisciplineFields(PoolCommon):
    def test_discipline_fields_are_the_systems(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="b")
            log = self._log(lead)
            probes = {
                "grade": "a",
                "due_date": "2026-03-20",
                "stage_id": self.stage_won.id,
                "on_rhythm": not log.on_rhythm,
                "recorded_late": True,
            }
            before = {fname: log[fname] for fname in probes}
            for fname, value in probes.items():
                with self.subTest(field=fname), self.assertRaisesRegex(ValidationError, "by hand"):
                    log.with_user(self.user_salesman).write({fname: value})
                with self.subTest(create=fname), self.assertRaisesRegex(ValidationError, "by hand"):
                    self._log(lead, **{fname: value})
            # The form sending them back unchanged is no error.
            log.with_user(self.user_salesman).write(
                {"grade": log.grade, "stage_id": log.stage_id.id, "summary": "Asked for a quote"}
            )
        self.assertEqual({fname: log[fname] for fname in probes}, before)
        self.assertEqual(log.summary, "Asked for a quote")

    def test_wakeup_is_at_most_a_year_ahead(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            Wizard = self.env["sales.followup.dormant.wizard"].with_user(self.user_salesman)
            for day in ("9999-12-31", "2027-06-01"):
                with self.subTest(day=day), self.assertRaisesRegex(ValidationError, "Wake-up"):
                    Wizard.create(
                        {"lead_ids": [(6, 0, lead.ids)], "wakeup_date": day}
                    ).action_apply()
            Wizard.create(
                {"lead_ids": [(6, 0, lead.ids)], "wakeup_date": "2026-09-01"}
            ).action_apply()
            self.assertEqual(lead.followup_status, "dormant")
            with self.assertRaisesRegex(ValidationError, "Wake-up"):
                lead.with_user(self.user_salesman).write({"followup_wakeup_date": "9999-12-31"})
