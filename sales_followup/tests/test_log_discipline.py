"""What a follow-up log keeps for the system: its grade, due date, stage, rhythm and
lateness are not written by hand; a dormant lead's wake-up is at most a year ahead."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestLogDisciplineFields(FollowupCommon):
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
