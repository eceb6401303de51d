"""The customer pool, releasing and assigning: a salesperson releases a lead with a reason, a
manager assigns pool leads in bulk, a leaving salesperson's leads are handed over (to a
colleague or to the pool), and the leads there before get their ownership history."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .pool_common import PoolCommon


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
