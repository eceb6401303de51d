from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupLog(FollowupCommon):
    def test_logs_figures_index_covers_what_the_funnel_reads(self):
        """The funnel reads a lead's logs from one index (index-only), on any database the
        module was installed or updated on."""
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'sales_followup_log' "
            "AND indexname = 'sales_followup_log_lead_figures_index'"
        )
        definition = self.env.cr.fetchone()[0]
        self.assertIn(
            "(lead_id) INCLUDE (date, customer_responded, due_date, on_rhythm)", definition
        )

    def test_log_closes_followup_and_schedules_next_by_grade(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="b")
            self.env["crm.lead"]._cron_followup_first_contact()
            first = self._followups(lead)
            self.assertEqual(len(first), 1, "the new lead got its first-contact follow-up")
            self.assertEqual(lead.followup_status, "to_contact")

            log = self._log(
                lead,
                customer_words="We need 20 units before May",
                interpretation="Real deadline, budget owner is the plant manager",
                sentiment="positive",
                next_action="Send the quotation",
            )
            self.assertEqual(log.user_id, self.user_salesman)
            self.assertEqual(log.date, datetime(2026, 3, 10, 9, 0))
            self.assertEqual(log.stage_id, lead.stage_id, "stage snapshot")
            self.assertEqual(log.grade, "b", "grade snapshot")
            self.assertEqual(lead.followup_status, "in_progress")
            self.assertFalse(first.active, "the due follow-up is done (kept, archived)")
            self.assertEqual(first.date_done, date(2026, 3, 10))
            done = lead.message_ids.filtered(
                lambda m: m.mail_activity_type_id == self.followup_type
            )
            self.assertEqual(len(done), 1, "closing is recorded in the chatter")
            self.assertIn("20-unit order", str(done.body))

            self.assertEqual(log.due_date, date(2026, 3, 11), "answered the first-contact due")
            self.assertTrue(log.on_rhythm)
            nxt = self._followups(lead)
            self.assertEqual(len(nxt), 1)
            self.assertEqual(nxt.date_deadline, date(2026, 3, 13), "grade B: 3 days")
            self.assertEqual(nxt.user_id, self.user_salesman)
            self.assertEqual(lead.followup_next_date, date(2026, 3, 13))
            self.assertEqual(lead.followup_last_date, datetime(2026, 3, 10, 9, 0))
            self.assertFalse(lead.followup_date_fixed)

    def test_explicit_next_date_and_never_two_followups(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead, next_date="2026-03-20")
            self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 20))
            self.assertTrue(lead.followup_date_fixed)
            self._log(lead)
            self._log(lead, user=self.user_salesman)
            followups = self._followups(lead)
            self.assertEqual(len(followups), 1, "a lead never has two open follow-ups")
            self.assertEqual(followups.date_deadline, date(2026, 3, 11), "grade A: daily")
            self.assertFalse(lead.followup_date_fixed)
            self.assertEqual(lead.followup_log_count, 3)

    def test_on_rhythm(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)  # next due 2026-03-11
        with self.frozen("2026-03-11 09:00:00"):
            on_time = self._log(lead)
        with self.frozen("2026-03-15 09:00:00"):
            late = self._log(lead)
        self.assertEqual(on_time.due_date, date(2026, 3, 11))
        self.assertTrue(on_time.on_rhythm)
        self.assertEqual(late.due_date, date(2026, 3, 12))
        self.assertFalse(late.on_rhythm)

    def test_unanswered_count(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead, date="2026-03-01 09:00:00", customer_responded=True)
            self._log(lead, date="2026-03-03 09:00:00", customer_responded=False)
            self.assertEqual(lead.followup_unanswered_count, 1)
            self._log(lead, date="2026-03-05 09:00:00", customer_responded=False)
            self._log(lead, date="2026-03-07 09:00:00", customer_responded=False)
            self.assertEqual(lead.followup_unanswered_count, 3)
            self._log(lead, customer_responded=True)
            self.assertEqual(lead.followup_unanswered_count, 0)

    def test_backfilled_older_log_moves_nothing(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="c")
            self._log(lead, next_date="2026-03-15")
            self._log(lead, date="2026-03-02 09:00:00", summary="Met at the Shanghai expo, booth 3")
            self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 15))
            self.assertEqual(lead.followup_last_date, datetime(2026, 3, 10, 9, 0))

    def test_backdated_latest_log_counts_from_its_day(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="b")
            log = self._log(lead, date="2026-03-09 17:00:00")
            self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 12))
            self.assertFalse(log.recorded_late, "logged within 24 hours")
            late = self._log(self._lead(), date="2026-03-08 08:00:00")
            self.assertTrue(late.recorded_late)

    def test_log_in_user_timezone(self):
        self.user_salesman.tz = "Asia/Shanghai"
        # 2026-03-10 20:00 UTC is already March 11th in Shanghai.
        with self.frozen("2026-03-10 20:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)
            self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 12))

    def test_bad_input_is_refused_and_nothing_written(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            followup = self._followups(lead)
            bad_inputs = [
                (
                    {"next_date": "2026-03-09"},
                    ValidationError,
                    "Next Follow-up: 2026-03-09 is in the past",
                ),
                ({"summary": "   "}, ValidationError, "Discussed"),
                ({"summary": False}, ValidationError, "Discussed"),
                ({"summary": "有意向"}, ValidationError, "too vague"),
                ({"summary": "Interested!"}, ValidationError, "too vague"),
                (
                    {"date": "2026-03-11 09:00:00"},
                    ValidationError,
                    "Date: a contact cannot be logged in the future",
                ),
                ({"method": "fax"}, ValidationError, "Method: 'fax' is not an allowed value"),
                ({"sentiment": "angry"}, ValidationError, "Attitude"),
            ]
            for vals, error, message in bad_inputs:
                with self.subTest(vals=vals), self.assertRaisesRegex(error, message):
                    self._log(lead, **vals)
            self.assertFalse(lead.followup_log_ids)
            self.assertEqual(lead.followup_status, "to_contact")
            self.assertEqual(self._followups(lead), followup, "the open follow-up is untouched")

    def test_no_log_on_lost_or_archived_lead(self):
        lost = self._lead()
        lost.action_set_lost(lost_reason_id=self.lost_reason.id)
        with self.assertRaisesRegex(UserError, "lost or archived"):
            self._log(lost)
        archived = self._lead()
        archived.action_archive()
        with self.assertRaisesRegex(UserError, "lost or archived"):
            self._log(archived)
        with self.assertRaisesRegex(UserError, "lost or archived"):
            lost.with_user(self.user_salesman).action_followup_log()
        self.assertFalse(
            self.env["sales.followup.log"].search([("lead_id", "in", (lost | archived).ids)])
        )

    def test_quick_dialog_action(self):
        lead = self._lead()
        action = lead.with_user(self.user_salesman).action_followup_log()
        self.assertEqual(action["res_model"], "sales.followup.log")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["default_lead_id"], lead.id)
        view = (
            self.env["sales.followup.log"].with_user(self.user_salesman).get_views(action["views"])
        )
        self.assertIn("summary", view["models"]["sales.followup.log"]["fields"])

    def test_salesman_corrects_own_log_same_day_only(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            log = self._log(lead)
            log.with_user(self.user_salesman).write({"customer_words": "Price must be under 50k"})
            self.assertEqual(log.customer_words, "Price must be under 50k")
            with self.assertRaises(AccessError):
                log.with_user(self.user_salesman_2).write({"summary": "Not mine to change"})
            with self.assertRaises(AccessError):
                log.with_user(self.user_salesman).unlink()
        with self.frozen("2026-03-11 09:00:00"):
            with self.assertRaisesRegex(AccessError, "on the day it was written"):
                log.with_user(self.user_salesman).write({"summary": "Changed the next day"})
            log.with_user(self.user_manager).write({"summary": "Manager fixed the wording"})
            self.assertEqual(log.summary, "Manager fixed the wording")
            log.with_user(self.user_manager).unlink()
            self.assertFalse(log.exists())

    def test_correcting_next_date_moves_followup(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="c")
            log = self._log(lead)
            self.assertEqual(self._followups(lead).date_deadline, date(2026, 4, 9))
            log.with_user(self.user_salesman).next_date = "2026-03-12"
            self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 12))
            self.assertTrue(lead.followup_date_fixed)

    def test_mark_done_from_chatter_logs_the_contact(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="b")
            self.env["crm.lead"]._cron_followup_first_contact()
            activity = self._followups(lead).with_user(self.user_salesman)
            with self.assertRaisesRegex(UserError, "say what was discussed"):
                activity.action_done()
            self.assertTrue(activity.active, "still open")
            self.assertFalse(lead.followup_log_ids)
            activity.action_feedback(feedback="<p>Phoned: wants a demo next Tuesday</p>")
            self.assertEqual(lead.followup_log_ids.summary, "Phoned: wants a demo next Tuesday")
            self.assertEqual(lead.followup_log_ids.user_id, self.user_salesman)
            self.assertFalse(activity.active, "done through the log")
            self.assertEqual(len(self._followups(lead)), 1, "the next one is scheduled")
            self.assertEqual(lead.followup_next_date, date(2026, 3, 13))
            # Other activity types keep Odoo's behaviour.
            call = lead.with_user(self.user_salesman).activity_schedule(
                "mail.mail_activity_data_call", date_deadline=date(2026, 3, 11)
            )
            call.action_done()
            self.assertFalse(call.exists() and call.active)
