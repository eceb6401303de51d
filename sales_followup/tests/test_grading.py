from odoo.exceptions import ValidationError
from odoo.tests import tagged, users

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestGrading(FollowupCommon):
    @users("sf_salesman")
    def test_suggested_grade_rule(self):
        lead = self._lead().with_user(self.env.user)
        cases = [
            (("confirmed", "high", "short"), "a"),
            (("estimated", "high", "short"), "b"),
            (("confirmed", "high", "long"), "b"),
            (("confirmed", "medium", "short"), "b"),
            (("unknown", "high", "unknown"), "b"),
            (("confirmed", "low", "short"), "c"),
            ((False, False, False), "c"),
            (("confirmed", False, "short"), "c"),
        ]
        for (budget, urgency, chain), expected in cases:
            lead.write(
                {
                    "followup_budget": budget,
                    "followup_urgency": urgency,
                    "followup_decision_chain": chain,
                }
            )
            self.assertEqual(lead.followup_grade_suggested, expected, (budget, urgency, chain))
            self.assertEqual(lead.followup_grade, expected, "the grade follows the qualification")

    def test_new_lead_grade(self):
        self.assertEqual(self._lead().followup_grade, "c", "no qualification yet: low")
        lead = self._lead(
            followup_budget="confirmed", followup_urgency="high", followup_decision_chain="short"
        )
        self.assertEqual(lead.followup_grade, "a")
        self.assertEqual(self._lead(followup_grade="b").followup_grade, "b", "given grade kept")

    @users("sf_salesman")
    def test_override_is_kept_and_tracked(self):
        lead = self._lead(followup_urgency="medium").with_user(self.env.user)
        self.assertEqual(lead.followup_grade, "b")
        self._as_committed()
        lead.followup_grade = "a"
        self._flush_tracking()
        lead.invalidate_recordset()
        self.assertEqual(lead.followup_grade, "a")
        self.assertEqual(lead.followup_grade_suggested, "b", "the suggestion stays visible")
        tracked = lead.sudo().message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "followup_grade"
        )
        self.assertEqual(len(tracked), 1)
        self.assertEqual(tracked.old_value_char, "B")
        self.assertEqual(tracked.new_value_char, "A")

    @users("sf_salesman")
    def test_grade_outside_abc_refused(self):
        lead = self._lead(followup_grade="b").with_user(self.env.user)
        with self.assertRaisesRegex(ValidationError, "Grade: 'z' is not an allowed value"):
            lead.write({"followup_grade": "z", "name": "Renamed"})
        lead.invalidate_recordset()
        self.assertEqual(lead.followup_grade, "b")
        self.assertEqual(lead.name, "Lead", "nothing of the bad write is kept")
        with self.assertRaisesRegex(ValidationError, "Grade"):
            self.env["crm.lead"].create({"name": "Bad", "followup_grade": "d"})
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Bad")]))
