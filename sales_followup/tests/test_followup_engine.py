"""The follow-up engine (models/sales_followup_engine.py): one helper for the leads' Follow-up
activities, scheduling the way Odoo's activity_schedule does, and stored computes that follow
what they are computed from (the first-contact window, the salesperson's time zone)."""

from datetime import date

from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestFollowupEngine(FollowupCommon):
    def test_one_helper_for_the_leads_followups(self):
        lead, other = self._lead(), self._lead(name="Other")
        self._log(lead)
        self._log(other)
        Engine = self.env["sales.followup.engine"]
        Activity = self.env["mail.activity"]
        self.assertEqual(Activity.search(Engine._open_domain(lead.ids)), self._followups(lead))
        self.assertEqual(Engine._open_activities(lead), self._followups(lead))
        self.assertEqual(len(Engine._open_activities(lead | other)), 2)
        self.assertFalse(Engine._open_activities(self.env["crm.lead"]))

    def test_has_open_sql_matches_the_domain(self):
        lead, other = self._lead(), self._lead(name="Other")
        self._log(lead)
        self._log(other)
        self._followups(other).unlink()
        self.env.cr.execute(
            SQL(
                "SELECT lead.id FROM crm_lead lead WHERE lead.id IN %s AND %s",
                tuple((lead | other).ids),
                self.env["sales.followup.engine"]._has_open_sql("lead"),
            )
        )
        self.assertEqual([row[0] for row in self.env.cr.fetchall()], lead.ids)

    def test_automation_skip_context_schedules_nothing(self):
        lead = self._lead()
        self._log(lead)
        followup = self._followups(lead)
        self.env["sales.followup.engine"].with_context(
            mail_activity_automation_skip=True
        )._schedule(lead, {lead.id: date(2030, 1, 1)})
        self.assertEqual(self._followups(lead), followup)
        self.assertNotEqual(followup.date_deadline, date(2030, 1, 1))

    def test_new_followup_carries_the_types_default_note(self):
        self.followup_type.default_note = "<p>Ask about the budget</p>"
        lead = self._lead()
        self._log(lead)
        self.assertIn("Ask about the budget", str(self._followups(lead).note))

    def test_first_contact_date_follows_the_window_setting(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self.assertEqual(lead.followup_next_date, date(2026, 3, 11), "24 h by default")
            settings = self.env["res.config.settings"].create({"followup_first_contact_hours": 72})
            settings.execute()
            self.env.flush_all()
            self.assertEqual(lead.followup_next_date, date(2026, 3, 13))

    def test_first_contact_date_follows_the_salespersons_time_zone(self):
        with self.frozen("2026-03-10 20:00:00"):
            lead = self._lead()
            self.assertEqual(lead.followup_next_date, date(2026, 3, 11), "UTC: 20:00 + 24 h")
            self.user_salesman.tz = "Asia/Shanghai"
            self.env.flush_all()
            self.assertEqual(lead.followup_next_date, date(2026, 3, 12), "04:00 on the 12th")

    def test_on_rhythm_follows_the_authors_time_zone(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
        # Due on the 11th; contacted at 20:00 UTC on the 11th, the 12th in Shanghai.
        with self.frozen("2026-03-11 20:00:00"):
            log = self._log(lead, date="2026-03-11 20:00:00")
        self.assertEqual(log.due_date, date(2026, 3, 11))
        self.assertTrue(log.on_rhythm, "in UTC, the contact was on the day it was due")
        self.user_salesman.tz = "Asia/Shanghai"
        self.env.flush_all()
        self.assertFalse(log.on_rhythm, "in Shanghai, it was the next day")

    def test_reminder_says_what_to_do(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(
                lead,
                summary="Customer wants 20 units before May, budget 500k",
                next_action="Send the quotation",
            )
            followup = self._followups(lead)
            self.assertEqual(followup.summary, "Send the quotation")
            self.assertIn("Customer wants 20 units before May, budget 500k", str(followup.note))
            self.assertIn("2026-03-10", str(followup.note))
            self.assertIn("Phone", str(followup.note))
            # The next contact without a planned action: the type's default, and the new note.
            self._log(lead, summary="Sent <b>the</b> quotation by e-mail", method="email")
            followup = self._followups(lead)
            self.assertEqual(followup.summary, self.followup_type.summary)
            self.assertIn("Sent &lt;b&gt;the&lt;/b&gt; quotation", str(followup.note), "escaped")
            self.assertNotIn("budget 500k", str(followup.note))

    # Rhythm on working days ----------------------------------------------------------------

    def test_rhythm_falls_on_working_days(self):
        # Friday 13 March 2026: grade A's next day is a Saturday, so Monday.
        with self.frozen("2026-03-13 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)
        self.assertEqual(lead.followup_next_date, date(2026, 3, 16))
        self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 16))

    def test_rhythm_skips_public_holidays(self):
        # An administrator enters it from CRM → Configuration → Public Holidays (Odoo lets
        # only administrators change the company-wide time off).
        admin = new_test_user(
            self.env, login="sf_admin", groups="base.group_system,sales_team.group_sale_manager"
        )
        action = self.env.ref("sales_followup.resource_calendar_leaves_action_public_holidays")
        self.env[action.res_model].with_user(admin).create(
            {
                "name": "Qingming",
                "calendar_id": self.env.company.resource_calendar_id.id,
                "date_from": "2026-03-15 00:00:00",
                "date_to": "2026-03-17 23:59:59",
            }
        )
        # Grade B from Thursday 12 March: Sunday 15 → not Monday 16 or Tuesday 17 (holiday).
        with self.frozen("2026-03-12 03:00:00"):
            lead = self._lead(followup_grade="b")
            self._log(lead)
        self.assertEqual(lead.followup_next_date, date(2026, 3, 18))

    def test_a_date_the_rep_chose_is_kept(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead, next_date="2026-03-14")  # a Saturday, chosen by the rep
        self.assertEqual(lead.followup_next_date, date(2026, 3, 14))

    def test_after_sale_revisit_on_a_working_day(self):
        self._set_param("interval_converted", 4)
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead)
            lead.stage_id = won  # Tuesday + 4 = Saturday 14 → Monday 16
        self.assertEqual(lead.followup_status, "converted")
        self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 16))

    def test_grade_change_moves_to_a_working_day(self):
        with self.frozen("2026-03-13 09:00:00"):
            lead = self._lead(followup_grade="c")
            self._log(lead)
            lead.with_user(self.user_salesman).followup_grade = "a"
        self.assertEqual(lead.followup_next_date, date(2026, 3, 16), "Saturday → Monday")

    def test_waking_up_clears_the_wakeup_date(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            lead.with_user(self.user_salesman)._followup_set_dormant(date(2026, 6, 1))
            lead.with_user(self.user_salesman).action_followup_wakeup()
        self.assertEqual(lead.followup_status, "in_progress")
        self.assertFalse(lead.followup_wakeup_date, "only a dormant lead has a wake-up date")
