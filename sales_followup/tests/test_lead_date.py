from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestLeadDate(FollowupCommon):
    """The lead date: when the lead came in, what the reports count from."""

    def test_default_is_the_creation_day(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
        self.assertEqual(lead.followup_start_date, date(2026, 3, 10))
        self.assertEqual(lead.followup_origin, "odoo")

    def test_a_contact_before_the_lead_date_moves_it_back(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._as_committed()
            # The salesman logs the call he had two days before entering the lead.
            self._log(lead, date="2026-03-08 10:00:00")
            self._flush_tracking()
        self.assertEqual(lead.followup_start_date, date(2026, 3, 8))
        tracked = lead.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "followup_start_date"
        )
        self.assertEqual(tracked.new_value_datetime.date(), date(2026, 3, 8), "tracked")
        with self.frozen("2026-03-12 09:00:00"):
            self._log(lead, date="2026-03-11 10:00:00")
        self.assertEqual(lead.followup_start_date, date(2026, 3, 8), "a later contact: unchanged")

    def test_only_managers_change_it(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            as_rep = lead.with_user(self.user_salesman)
            with self.assertRaisesRegex(AccessError, "Lead Date: only sales managers"):
                as_rep.write({"followup_start_date": "2026-01-01"})
            with self.assertRaisesRegex(AccessError, "Lead Date: only sales managers"):
                self.env["crm.lead"].with_user(self.user_salesman).create(
                    {"name": "Backdated", "followup_start_date": "2025-01-01"}
                )
            # The form sends today's default back: accepted.
            own = (
                self.env["crm.lead"]
                .with_user(self.user_salesman)
                .create({"name": "Today", "followup_start_date": "2026-03-10"})
            )
            self.assertEqual(own.followup_start_date, date(2026, 3, 10))
            lead.with_user(self.user_manager).write({"followup_start_date": "2026-02-20"})
        self.assertEqual(lead.followup_start_date, date(2026, 2, 20))

    def test_bad_dates_are_refused(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead, date="2026-03-10 08:00:00")
            as_manager = lead.with_user(self.user_manager)
            with self.assertRaisesRegex(ValidationError, "after the first contact"):
                as_manager.write({"followup_start_date": "2026-03-11"})
            for value in ("0001-01-01", "1900-01-01", "2026-06-01"):
                with (
                    self.subTest(value=value),
                    self.assertRaisesRegex(ValidationError, "Lead Date: .* not a plausible date"),
                ):
                    as_manager.write({"followup_start_date": value})
            with self.assertRaisesRegex(ValidationError, "a lead needs the date it came in"):
                as_manager.write({"followup_start_date": False})
        self.assertEqual(lead.followup_start_date, date(2026, 3, 10))

    def test_origin_is_not_written_by_hand(self):
        lead = self._lead()
        for user in (self.user_salesman, self.user_manager):
            with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "Origin"):
                lead.with_user(user).write({"followup_origin": "import"})
            with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "Origin"):
                self.env["crm.lead"].with_user(user).create(
                    {"name": "Forged", "followup_origin": "existing"}
                )
        self.assertEqual(lead.followup_origin, "odoo")
