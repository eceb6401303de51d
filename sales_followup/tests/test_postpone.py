"""No silent snoozing: a Follow-up moves to a later day when a contact is logged, or through
Postpone with a reason; editing its due date or Odoo's "later" buttons ask for the reason."""

from datetime import date, datetime, time, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.sales_followup.compat import ACTIVITY_LATER, MIXIN_LATER

from .common import FollowupCommon

# The day each of Odoo's "later" buttons moves an activity due on or before Tuesday 10 March 2026
# to, pressed that day: Snooze (18.0) a week later; Tomorrow and Next Week (19.0).
LATER_DAYS = {
    "action_snooze": "2026-03-17",
    "action_reschedule_tomorrow": "2026-03-11",
    "action_reschedule_nextweek": "2026-03-16",
}


@tagged("post_install", "-at_install")
class TestNoSilentSnoozing(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Due on March 3rd and seen on the 10th: 7 days overdue, the high-severity risk.
        cls.type_overdue = cls.env.ref("sales_followup.risk_type_overdue_long")

    def _overdue_lead(self):
        with self.frozen("2026-03-02 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead, next_date=date(2026, 3, 3))
        return lead

    def _wizard(self, lead, **vals):
        return (
            self.env["sales.followup.postpone.wizard"]
            .with_user(self.user_salesman)
            .create({"lead_id": lead.id, **vals})
        )

    def test_postpone_with_a_reason_is_said_counted_and_late_in_the_figures(self):
        lead = self._overdue_lead()
        with self.frozen("2026-03-10 09:00:00"):
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
            self.assertEqual(lead.followup_risk_type_ids, self.type_overdue)
            self._wizard(
                lead, new_date=date(2026, 3, 16), reason="The buyer is at the Canton Fair"
            ).action_apply()
            self.assertRecordValues(
                lead,
                [
                    {
                        "followup_next_date": date(2026, 3, 16),
                        "followup_postponed_from": date(2026, 3, 3),
                        "followup_postpone_count": 1,
                        "followup_overdue": False,
                    }
                ],
            )
            # The card never says "in 6 days" and "overdue" at once.
            self.assertFalse(lead.followup_risk_type_ids)
            message = lead.message_ids[0]
            self.assertIn("The buyer is at the Canton Fair", message.body)
            self.assertIn("2026-03-03", message.body)
        with self.frozen("2026-03-12 09:00:00"):
            self._wizard(lead, new_date=date(2026, 3, 18), reason="Fair extended").action_apply()
            self.assertEqual(lead.followup_postpone_count, 2)
            self.assertEqual(lead.followup_postponed_from, date(2026, 3, 3), "the first due date")
            log = self._log(lead, summary="Met the buyer back from the fair: 30 units")
        self.assertEqual(log.due_date, date(2026, 3, 3))
        self.assertFalse(log.on_rhythm, "late in the discipline figures")
        self.assertFalse(lead.followup_postponed_from, "the next follow-up starts afresh")
        self.assertEqual(lead.followup_postpone_count, 2)

    def test_postpone_bad_input_writes_nothing(self):
        lead = self._overdue_lead()
        with self.frozen("2026-03-10 09:00:00"):
            cases = [
                ({"new_date": date(2026, 3, 16)}, ValidationError, "Reason: say why"),
                ({"new_date": date(2026, 3, 16), "reason": " \u200b "}, ValidationError, "Reason"),
                ({"reason": "Trade fair"}, ValidationError, "New Due Date: '' is not a date"),
                ({"new_date": date(2026, 3, 9), "reason": "Fair"}, ValidationError, "in the past"),
                (
                    {"new_date": date(2028, 1, 1), "reason": "Fair"},
                    ValidationError,
                    "too far away",
                ),
            ]
            for vals, error, message in cases:
                with self.subTest(vals=vals):
                    wizard = self._wizard(lead, **vals)
                    wizard.new_date = vals.get("new_date", False)
                    with self.assertRaisesRegex(error, message):
                        wizard.action_apply()
            self.assertRecordValues(
                lead,
                [
                    {
                        "followup_next_date": date(2026, 3, 3),
                        "followup_postpone_count": 0,
                        "followup_postponed_from": False,
                    }
                ],
            )
            due_today = self._lead(followup_grade="a")
            self._log(due_today, next_date=date(2026, 3, 12))
            with self.assertRaisesRegex(ValidationError, "not later than"):
                self._wizard(due_today, new_date=date(2026, 3, 12), reason="Fair").action_apply()

    def test_postpone_needs_an_open_followup_and_the_right_to_change_the_lead(self):
        lead = self._overdue_lead()
        with self.assertRaisesRegex(AccessError, "crm.lead"):
            self.env["sales.followup.postpone.wizard"].with_user(self.user_salesman_2).create(
                {"lead_id": lead.id, "new_date": date(2026, 3, 20), "reason": "Fair"}
            ).action_apply()
        with self.frozen("2026-03-10 09:00:00"):
            dormant = self._lead()
            dormant._followup_set_dormant(date(2026, 3, 10) + timedelta(days=30))
            with self.assertRaisesRegex(UserError, "no open follow-up to postpone"):
                dormant.with_user(self.user_salesman).action_followup_postpone()
        self.assertEqual(lead.followup_postpone_count, 0)

    def test_editing_or_snoozing_a_followup_asks_for_the_reason(self):
        lead = self._overdue_lead()
        followup = self._followups(lead).with_user(self.user_salesman)
        self.assertTrue(ACTIVITY_LATER, "the series has buttons that move an activity later")
        with self.frozen("2026-03-10 09:00:00"):
            with self.assertRaisesRegex(UserError, "Due Date: .*use Postpone"):
                followup.write({"date_deadline": date(2026, 3, 17)})
            for button in ACTIVITY_LATER:
                with self.subTest(button=button):
                    action = getattr(followup, button)()
                    self.assertEqual(action["res_model"], "sales.followup.postpone.wizard")
                    # The day the button names (from today: the follow-up was overdue), on a
                    # working day: 11 March is a Wednesday, 16 and 17 a Monday and Tuesday.
                    self.assertEqual(action["context"]["default_new_date"], LATER_DAYS[button])
                    self.assertEqual(followup.date_deadline, date(2026, 3, 3), "not moved")
            # Moving it earlier hides nothing.
            followup.write({"date_deadline": date(2026, 3, 2)})
            # Other activities move as in Odoo.
            for button in ACTIVITY_LATER:
                with self.subTest(button=button, activity="call"):
                    call = lead.activity_schedule(
                        "mail.mail_activity_data_call",
                        date_deadline=date(2026, 3, 10),
                        user_id=self.user_salesman.id,
                    )
                    getattr(call.with_user(self.user_salesman), button)()
                    self.assertEqual(str(call.date_deadline), LATER_DAYS[button])
                    call.unlink()
            # The same buttons on the lead's row of a list (19.0) open the dialog too.
            for row_button in MIXIN_LATER:
                with self.subTest(row_button=row_button):
                    action = getattr(lead.with_user(self.user_salesman), row_button)()
                    self.assertEqual(action["res_model"], "sales.followup.postpone.wizard")
        self.assertEqual(lead.followup_postpone_count, 0)

    def test_postponements_are_not_written_by_hand(self):
        lead = self._overdue_lead().with_user(self.user_salesman)
        for vals in (
            {"followup_postpone_count": 0, "followup_postponed_from": "2026-03-20"},
            {"followup_postpone_count": 5},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "kept by Sales"):
                lead.write(vals)
        with self.assertRaisesRegex(UserError, "Originally Due"):
            self.env["crm.lead"].with_user(self.user_salesman).create(
                {"name": "Forged", "followup_postponed_from": "2026-01-01"}
            )
        self.assertRecordValues(
            lead, [{"followup_postpone_count": 0, "followup_postponed_from": False}]
        )

    def test_snooze_default_skips_a_holiday(self):
        lead = self._overdue_lead()
        followup = self._followups(lead).with_user(self.user_salesman)
        for button in ACTIVITY_LATER:
            with self.subTest(button=button):
                day = fields.Date.to_date(LATER_DAYS[button])
                holiday = self.env["resource.calendar.leaves"].create(
                    {
                        "name": "Holiday",
                        "calendar_id": self.company.resource_calendar_id.id,
                        "date_from": datetime.combine(day, time(0, 0)),
                        "date_to": datetime.combine(day, time(23, 59)),
                    }
                )
                with self.frozen("2026-03-10 09:00:00"):
                    action = getattr(followup, button)()
                self.assertEqual(
                    action["context"]["default_new_date"], str(day + timedelta(days=1))
                )
                holiday.unlink()

    def test_the_engine_still_moves_followups(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="c")
            self._log(lead)
            due = lead.followup_next_date
            lead.with_user(self.user_salesman).followup_grade = "a"
            self.assertLess(lead.followup_next_date, due)
            lead.with_user(self.user_salesman).followup_grade = "c"
            self.assertEqual(lead.followup_next_date, due, "a grade change moves it back later")
