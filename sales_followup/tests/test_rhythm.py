from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestRhythm(FollowupCommon):
    def _first_contact_cron(self, triggered=True):
        cron = self.env.ref("sales_followup.ir_cron_followup_first_contact")
        # What the commit of the request does first (the trigger is set once per transaction).
        self.env.flush_all()
        self.env.cr.precommit.run()
        if triggered:
            self.assertTrue(
                self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
                "creating or assigning the lead triggered the first-contact cron",
            )
        self.run_cron("sales_followup.ir_cron_followup_first_contact")

    def test_first_contact_window(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self.assertEqual(lead.followup_next_date, date(2026, 3, 11), "due within 24 hours")
            self._first_contact_cron()
            followup = self._followups(lead)
            self.assertEqual(len(followup), 1)
            self.assertEqual(followup.date_deadline, date(2026, 3, 11))
            self.assertEqual(followup.user_id, self.user_salesman)
            self.assertEqual(lead.followup_next_date, date(2026, 3, 11))
            self._set_param("first_contact_hours", 72)
            later = self._lead()
            unassigned = self._lead(user=False)
            self._first_contact_cron()
            self.assertEqual(self._followups(later).date_deadline, date(2026, 3, 13))
            self.assertFalse(self._followups(unassigned), "nobody to follow up")
            self.assertFalse(unassigned.followup_next_date)
            # Run again (the run consumed its triggers on 19.0): nothing twice.
            self._first_contact_cron(triggered=False)
            self.assertEqual(
                len(self._followups(lead) | self._followups(later)), 2, "no duplicates"
            )

    def test_first_contact_in_salesperson_timezone(self):
        self.user_salesman.tz = "Asia/Shanghai"
        with self.frozen("2026-03-10 18:00:00"):  # 02:00 on March 11th in Shanghai
            self.assertEqual(self._lead().followup_next_date, date(2026, 3, 12))

    def test_assigning_a_salesperson_schedules_or_moves_followup(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(user=False)
            self.env["ir.cron.trigger"].search([]).unlink()
            lead.user_id = self.user_salesman
            self._first_contact_cron()
            self.assertEqual(self._followups(lead).user_id, self.user_salesman)
            lead.user_id = self.user_salesman_2
            followup = self._followups(lead)
            self.assertEqual(len(followup), 1)
            self.assertEqual(followup.user_id, self.user_salesman_2, "the follow-up moves along")

    def test_grade_change_moves_undated_followup(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="c")
            self._log(lead)
            self.assertEqual(lead.followup_next_date, date(2026, 4, 9))
        with self.frozen("2026-03-12 09:00:00"):
            lead.with_user(self.user_salesman).followup_grade = "b"
            self.assertEqual(lead.followup_next_date, date(2026, 3, 13), "last contact + 3 days")
            lead.with_user(self.user_salesman).followup_grade = "a"
            self.assertEqual(lead.followup_next_date, date(2026, 3, 12), "never before today")
            self.assertEqual(len(self._followups(lead)), 1)

    def test_grade_change_keeps_explicit_date(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="c")
            self._log(lead, next_date="2026-03-25")
            lead.with_user(self.user_salesman).followup_urgency = "high"
            self.assertEqual(lead.followup_grade, "b")
            self.assertEqual(lead.followup_next_date, date(2026, 3, 25))

    def test_no_second_followup_by_hand(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead)
            # assertRaises (Odoo's) rolls back to a savepoint, as the request would.
            with self.assertRaises(ValidationError) as caught:
                lead.with_user(self.user_salesman).activity_schedule(
                    "sales_followup.mail_activity_type_followup", date_deadline=date(2026, 3, 20)
                )
            self.assertIn("already has an open Follow-up", str(caught.exception))
            self.assertEqual(len(self._followups(lead)), 1)
            # Other activities stay free.
            lead.with_user(self.user_salesman).activity_schedule(
                "mail.mail_activity_data_call", date_deadline=date(2026, 3, 20)
            )
            self.assertEqual(len(lead.activity_ids), 2)

    def test_rhythm_settings(self):
        settings = self.env["res.config.settings"].create(
            {"followup_interval_a": 2, "followup_interval_b": 4, "followup_interval_c": 10}
        )
        settings.execute()
        with self.frozen("2026-03-10 09:00:00"):
            # Tuesday + 2, + 4 (Saturday: the next working day, Monday), + 10.
            for grade, due in (("a", 12), ("b", 16), ("c", 20)):
                lead = self._lead(followup_grade=grade)
                self._log(lead)
                self.assertEqual(lead.followup_next_date, date(2026, 3, due), grade)

    def test_settings_defaults_and_bad_values(self):
        defaults = self.env["res.config.settings"].create({})
        self.assertEqual(
            (
                defaults.followup_interval_a,
                defaults.followup_interval_b,
                defaults.followup_interval_c,
                defaults.followup_interval_converted,
                defaults.followup_first_contact_hours,
            ),
            (1, 3, 30, 30, 24),
        )
        for fname in ("followup_interval_a", "followup_first_contact_hours"):
            for value in (0, -3):
                with (
                    self.subTest(fname=fname, value=value),
                    self.assertRaisesRegex(ValidationError, "must be a whole number from 1 to"),
                ):
                    self.env["res.config.settings"].create({fname: value})
        # A hand-edited parameter that makes no sense falls back to the default.
        self._set_param("interval_b", "abc")
        self.assertEqual(self.env["sales.followup.settings"]._get_int("interval_b"), 3)

    def test_overdue_flag_and_search(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)
            others = self.env["crm.lead"].search([("followup_overdue", "=", True)])
            self.assertNotIn(lead, others)
        with self.frozen("2026-03-13 09:00:00"):
            lead.invalidate_recordset(["followup_overdue"])
            self.assertTrue(lead.followup_overdue)
            Lead = self.env["crm.lead"].with_user(self.user_salesman)
            self.assertIn(lead, Lead.search([("followup_overdue", "=", True)]))
            self.assertNotIn(lead, Lead.search([("followup_overdue", "=", False)]))
            self.assertNotIn(lead, Lead.search([("followup_overdue", "!=", True)]))
