"""The customer pool's buttons as the web client runs them, as the least-privileged user who
sees them, to the end of the request, and the doors around them closed."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .pool_common import PoolCommon


@tagged("post_install", "-at_install")
class TestPoolDoorsAsClicked(PoolCommon):
    """The pool's buttons as the web client runs them, as the least-privileged user who sees
    them, to the end of the request (the final flush recomputes as that user), and the doors
    around them closed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A team of no company: Odoo would empty the company of its leads without salesperson.
        cls.team.company_id = False

    def _dialog(self, action, user):
        """The dialog an action opens, as ``user``, with the action's context."""
        context = dict(action.get("context") or {})
        return Form(self.env[action["res_model"]].with_user(user).with_context(**context))

    def test_salesperson_releases_from_the_lead_form(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        self.assertEqual(lead.company_id, self.company)
        with self.frozen("2026-03-05 09:00:00"):
            action = lead.with_user(self.user_salesman).action_followup_release()
            with self._dialog(action, self.user_salesman) as dialog:
                dialog.reason = "Outside my region"
            dialog.record.action_apply()
            self.env.flush_all()
        self.assertTrue(lead.followup_in_pool)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.followup_pool_reason, "Outside my region")
        self.assertEqual(lead.company_id, self.company, "the lead stays in its company's pool")
        in_pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman_2).search([])
        self.assertEqual(in_pool.ids, lead.ids)

    def test_release_dialog_never_reports_what_it_did_not_do(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            mine = self._lead(name="mine")
            others = self._lead(name="others", user=self.user_salesman_2)
            lost = self._lead(name="lost")
            lost.action_set_lost(lost_reason_id=self.lost_reason.id)
        pooled = self._pool_lead(name="pooled")
        Wizard = self.env["sales.followup.release.wizard"].with_user(self.user_salesman)
        cases = {
            "no lead": ([], UserError),
            "another's lead": (others.ids, AccessError),
            "a pool lead": (pooled.ids, AccessError),
            "a lost lead": (lost.ids, UserError),
        }
        for case, (ids, error) in cases.items():
            with self.subTest(case), self.assertRaises(error) as raised:
                Wizard.create(
                    {"lead_ids": [(6, 0, ids)], "reason": "Outside my region"}
                ).action_apply()
            self.assertNotIn("others", str(raised.exception))
        for reason in ("\u200b\u200b", " \ufeff "):
            with self.subTest(reason=reason), self.assertRaisesRegex(UserError, "Reason"):
                Wizard.create({"lead_ids": [(6, 0, mine.ids)], "reason": reason}).action_apply()
        self.assertEqual((mine | others | lost).mapped("followup_in_pool"), [False] * 3)
        self.assertEqual(others.user_id, self.user_salesman_2)

    def test_manager_assigns_from_the_pool_list_actions_menu(self):
        self._enable_pool()
        leads = self._pool_lead(name="one") | self._pool_lead(name="two")
        binding = self.env.ref("sales_followup.sales_followup_pool_lead_action_assign_dialog")
        bound = (
            self.env["ir.actions.actions"]
            .with_user(self.user_manager)
            .get_bindings("sales.followup.pool.lead")["action"]
        )
        self.assertIn(binding.id, [action["id"] for action in bound])
        salesman_bound = (
            self.env["ir.actions.actions"]
            .with_user(self.user_salesman)
            .get_bindings("sales.followup.pool.lead")
            .get("action", [])
        )
        self.assertNotIn(binding.id, [action["id"] for action in salesman_bound])
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.user_manager)
            ._for_xml_id("sales_followup.sales_followup_pool_lead_action_assign_dialog")
        )
        action["context"] = {"active_model": "sales.followup.pool.lead", "active_ids": leads.ids}
        with self.frozen("2026-03-20 09:00:00"):
            with self._dialog(action, self.user_manager) as dialog:
                self.assertEqual(dialog.lead_count, 2)
                dialog.user_id = self.user_salesman_2
            result = dialog.record.action_apply()
            self.env.flush_all()
        self.assertIn("2", result["params"]["message"])
        self.assertEqual(leads.user_id, self.user_salesman_2)
        self.assertFalse(any(leads.mapped("followup_in_pool")))

    def test_assign_dialog_of_a_pool_lead_form_counts_it(self):
        self._enable_pool()
        lead = self._pool_lead()
        with self.frozen("2026-03-20 09:00:00"):
            action = lead.with_user(self.user_manager).action_followup_open_assign()
            with self._dialog(action, self.user_manager) as dialog:
                self.assertEqual(dialog.lead_count, 1)
                dialog.user_id = self.user_salesman
            result = dialog.record.action_apply()
            self.env.flush_all()
        self.assertEqual(
            result["params"]["message"], f"{lead.display_name} assigned to Wang Salesman."
        )
        self.assertEqual(lead.user_id, self.user_salesman)

    def test_the_salesperson_moves_only_through_the_doors(self):
        self._enable_pool()
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead()
        with self.assertRaisesRegex(UserError, "Release to Pool"):
            lead.with_user(self.user_salesman).write({"user_id": False})
        self.assertEqual(lead.user_id, self.user_salesman)
        pooled = self._pool_lead(name="pooled")
        with self.assertRaisesRegex(UserError, "claim it from the pool"):
            pooled.with_user(self.user_all_leads).write({"user_id": self.user_all_leads.id})
        with self.assertRaises(AccessError):
            pooled.with_user(self.user_salesman_2).write({"user_id": self.user_salesman_2.id})
        self.assertTrue(pooled.followup_in_pool)
        # A manager still reassigns by hand; the move is in the ownership history.
        lead.with_user(self.user_manager).write({"user_id": self.user_salesman_2.id})
        self.assertEqual(self._current_period(lead).how, "reassigned")

    def test_claim_refusals_name_nothing_of_another_company(self):
        self._enable_pool()
        company_2 = self.env["res.company"].create({"name": "Beijing Branch"})
        rep_2 = self._user("sf_rep_2", "Sun Rep", "group_sale_salesman")
        rep_2.write({"company_ids": [(6, 0, company_2.ids)], "company_id": company_2.id})
        self.team.crm_team_member_ids = [(0, 0, {"user_id": rep_2.id})]
        held = self._lead(name="held", followup_code=False)
        pooled = self._pool_lead(name="pooled")
        Lead = self.env["crm.lead"].with_user(rep_2).with_context(allowed_company_ids=company_2.ids)
        for lead in held | pooled:
            with self.subTest(lead=lead.name), self.assertRaises(UserError) as raised:
                Lead.browse(lead.id).action_followup_claim()
            message = str(raised.exception)
            self.assertNotIn(lead.followup_code, message)
            self.assertNotIn("Wang", message)
            self.assertIn(str(lead.id), message)
        note = (
            self.env["crm.lead"]
            .with_user(rep_2)
            .with_context(allowed_company_ids=company_2.ids)
            .new({"partner_name": held.partner_name, "user_id": rep_2.id})
            .followup_duplicate_note
        )
        self.assertFalse(note, "no lead of another company is named")
