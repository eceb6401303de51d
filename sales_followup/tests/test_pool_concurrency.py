import uuid

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPoolClaimConcurrency(BaseCase):
    """Two salespeople claim the same pool lead at the same moment: exactly one gets it, the
    other a clear message, whether the first claim is still running or already committed. Runs
    on real, committed transactions (several cursors), cleaned up afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        suffix = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.reps = [
                new_test_user(
                    env,
                    login=f"sf_claim_{name}_{suffix}",
                    name=f"Claimer {name}",
                    groups="sales_team.group_sale_salesman",
                    tz="UTC",
                ).id
                for name in ("first", "second")
            ]
            team = env["crm.team"].create(
                {
                    "name": f"Pool race {suffix}",
                    "crm_team_member_ids": [(0, 0, {"user_id": uid}) for uid in self.reps],
                }
            )
            lead = env["crm.lead"].create(
                {"name": "Race for this lead", "type": "opportunity", "team_id": team.id}
            )
            self.team_id = team.id
            self.lead_id = lead.id
            env["ir.config_parameter"].set_param("sales_followup.pool_enabled", "True")
            lead.sudo().write({"user_id": self.reps[1]})
            lead._followup_to_pool("released", {lead.id: "Outside my region"})
            # The previous owner's cooldown does not apply to the first claimer.
            lead.sudo().write({"followup_previous_user_id": False})
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(self.lead_id).unlink()
            env["crm.team"].browse(self.team_id).unlink()
            env["res.users"].browse(self.reps).write({"active": False})
            env["ir.config_parameter"].set_param("sales_followup.pool_enabled", False)
            env["ir.cron.trigger"].search(
                [("cron_id", "=", env.ref("sales_followup.ir_cron_followup_first_contact").id)]
            ).unlink()

    def _claim(self, cr, rep):
        env = api.Environment(cr, rep, {})
        return env["crm.lead"].browse(self.lead_id).action_followup_claim()

    def test_exactly_one_claim_wins(self):
        first_cr = self.registry.cursor()
        late_cr = self.registry.cursor()
        try:
            # The second salesperson's request started (its snapshot is taken) before the first
            # claim commits.
            late_cr.execute("SELECT 1")
            self._claim(first_cr, self.reps[0])
            # While the first claim runs: refused at once, no waiting.
            with self.registry.cursor() as cr, self.assertRaises(UserError) as error:
                self._claim(cr, self.reps[1])
            self.assertIn("was just claimed by someone else", str(error.exception))
            first_cr.commit()
            # A request that began before the commit is refused as well.
            with self.assertRaises(UserError) as error:
                self._claim(late_cr, self.reps[1])
            self.assertIn("was just claimed by someone else", str(error.exception))
            late_cr.rollback()
        finally:
            first_cr.close()
            late_cr.close()
        # After the commit: the lead is no longer in the pool; who holds it now is not the
        # late salesperson's to read (nor the lead itself).
        with self.registry.cursor() as cr, self.assertRaises(UserError) as error:
            self._claim(cr, self.reps[1])
        self.assertIn("no longer in the pool", str(error.exception))
        self.assertNotIn("Claimer first", str(error.exception))

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lead = env["crm.lead"].browse(self.lead_id)
            self.assertEqual(lead.user_id.id, self.reps[0])
            self.assertFalse(lead.followup_in_pool)
            claims = env["sales.followup.ownership"].search(
                [("lead_id", "=", lead.id), ("how", "=", "claimed")]
            )
            self.assertEqual(len(claims), 1, "one owner, one claim")
            self.assertEqual(claims.user_id.id, self.reps[0])
