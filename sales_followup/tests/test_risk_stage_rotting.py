"""A stage's "Days to rot" (Odoo 19.0 on) is one of the automatic risk rules: the opportunity
that stays in its stage longer gets the risk "Stuck in stage", which goes when it moves on; the
pipeline card shows that risk, not a second "stale" badge of Odoo's. On 18.0, whose stages do
not rot, the rule is archived: nobody sees a rule that never fires."""

from odoo.tests import tagged

from odoo.addons.sales_followup.compat import STAGE_ROTTING

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestStageRotting(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env.ref("sales_followup.risk_type_stage_rotting")

    def _open_codes(self, lead):
        lead.invalidate_recordset()
        return set(
            lead.followup_risk_ids.filtered(lambda r: r.state == "open").type_id.mapped("code")
        )

    def test_the_rule_exists_where_stages_rot(self):
        Rule = self.env["sales.followup.risk.type"].with_user(self.user_manager)
        listed = Rule.search([("code", "=", "stage_rotting")])
        self.assertEqual(bool(listed), STAGE_ROTTING)
        self.assertTrue(self.rule.automatic)

    def test_an_opportunity_stuck_in_its_stage_is_at_risk_until_it_moves(self):
        if not STAGE_ROTTING:
            self.skipTest("stages rot from Odoo 19.0 on; the rule is archived on this series")
        stages = self.env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)
        first, second = stages
        first.rotting_threshold_days = 5
        with self.frozen("2026-03-02 09:00:00"):
            lead = self._lead(stage_id=first.id)
            self._log(lead)
        # Four days in the stage: not yet.
        with self.frozen("2026-03-06 10:00:00"):
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
            self.assertNotIn("stage_rotting", self._open_codes(lead))
        # Six days: Odoo's own rotting says so, and so does the risk.
        with self.frozen("2026-03-08 10:00:00"):
            lead.invalidate_recordset()
            self.assertTrue(lead.is_rotting, "Odoo's rotting agrees")
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
            self.assertIn("stage_rotting", self._open_codes(lead))
            self.assertEqual(lead.with_user(self.user_salesman).followup_risk_level, "watch")
            # The salesperson moves it on: the risk is resolved at the next scan.
            lead.with_user(self.user_salesman).stage_id = second
            self.env.flush_all()
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
            self.assertNotIn("stage_rotting", self._open_codes(lead))
        # A stage without days to rot never rots, however long.
        with self.frozen("2026-06-01 10:00:00"):
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
            self.assertNotIn("stage_rotting", self._open_codes(lead))
