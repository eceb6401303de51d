from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.sales_followup.compat import LEAD_RESTORE

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestLifecycle(FollowupCommon):
    def test_won_is_converted_with_revisit(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead)
            lead.with_user(self.user_salesman).action_set_won()
            self.assertEqual(lead.followup_status, "converted")
            self.assertEqual(lead.followup_next_date, date(2026, 4, 9), "after-sale revisit")
            self._log(lead, summary="Delivered, customer checks the invoice")
            self.assertEqual(lead.followup_status, "converted", "a revisit keeps it converted")
            self.assertEqual(lead.followup_next_date, date(2026, 4, 9))
            lead.with_user(self.user_salesman).stage_id = self.stage_new
            self.assertEqual(lead.followup_status, "in_progress", "leaving the won stage")

    def test_lost_dialog_requires_reason(self):
        lead = self._lead()
        Wizard = self.env["crm.lead.lost"].with_user(self.user_salesman)
        wizard = Wizard.create({"lead_ids": lead.ids})
        self.assertTrue(wizard.followup_reason_required)
        with self.assertRaisesRegex(UserError, "Lost Reason"):
            wizard.action_lost_reason_apply()
        self.assertTrue(lead.active)
        self.assertEqual(lead.followup_status, "to_contact")
        Wizard.create(
            {"lead_ids": lead.ids, "lost_reason_id": self.lost_reason.id}
        ).action_lost_reason_apply()
        self.assertFalse(lead.active)
        self.assertEqual(lead.followup_status, "lost")
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        self.assertFalse(self._followups(lead), "a lost lead has no follow-up")

    def test_lost_reason_optional_setting(self):
        self._set_param("lost_reason_optional", "True")
        lead = self._lead()
        self.env["crm.lead.lost"].with_user(self.user_salesman).create(
            {"lead_ids": lead.ids}
        ).action_lost_reason_apply()
        self.assertEqual(lead.followup_status, "lost")

    def test_programmatic_set_lost_keeps_stock_behaviour(self):
        lead = self._lead()
        self._log(lead)
        self.assertTrue(self._followups(lead))
        lead.with_user(self.user_salesman).action_set_lost()
        self.assertFalse(lead.active)
        self.assertEqual(lead.followup_status, "lost")
        # Nothing left to follow up (19.0 keeps the activities of an archived record).
        self.assertFalse(self._followups(lead))

    def test_restore_lost_lead(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            lead.action_set_lost(lost_reason_id=self.lost_reason.id)
            # The lost lead's Restore button.
            getattr(lead.with_user(self.user_salesman), LEAD_RESTORE)()
            self.assertTrue(lead.active)
            self.assertEqual(lead.followup_status, "in_progress")
            self.assertEqual(lead.followup_next_date, date(2026, 3, 10), "follow-up due at once")

    def test_dormant_and_wakeup_cron(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead)
            action = lead.with_user(self.user_salesman).action_followup_set_dormant()
            wizard = (
                self.env[action["res_model"]]
                .with_user(self.user_salesman)
                .with_context(**action["context"])
                .create({"wakeup_date": "2026-06-01", "note": "Budget frozen until June"})
            )
            wizard.action_apply()
            self.assertEqual(lead.followup_status, "dormant")
            self.assertEqual(lead.followup_wakeup_date, date(2026, 6, 1))
            self.assertFalse(self._followups(lead), "open follow-ups are cancelled")
            self.assertIn("Budget frozen", lead.message_ids[0].body)
        with self.frozen("2026-05-31 09:00:00"):
            self.env["crm.lead"]._cron_followup_wakeup()
            self.assertEqual(lead.followup_status, "dormant", "not yet")
        with self.frozen("2026-06-01 02:00:00"):
            self.run_cron("sales_followup.ir_cron_followup_wakeup")
            self.assertEqual(lead.followup_status, "in_progress")
            self.assertEqual(lead.followup_next_date, date(2026, 6, 1))
            self.assertEqual(len(self._followups(lead)), 1)

    def test_wakeup_cron_in_batches(self):
        with self.frozen("2026-03-10 09:00:00"):
            leads = self.env["crm.lead"]
            for index in range(5):
                leads |= self._lead(name=f"Sleeper {index}")
            leads._followup_set_dormant(date(2026, 3, 20))
        with self.frozen("2026-03-20 09:00:00"):
            self.assertEqual(self.env["crm.lead"]._cron_followup_wakeup(batch_size=2), 5)
            self.assertEqual(set(leads.mapped("followup_status")), {"in_progress"})

    def test_dormant_bad_input(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self.env["crm.lead"]._cron_followup_first_contact()
            Wizard = self.env["sales.followup.dormant.wizard"].with_user(self.user_salesman)
            for bad in ("2026-03-10", "2026-03-01"):
                with self.subTest(bad=bad), self.assertRaisesRegex(ValidationError, "Wake-up Date"):
                    Wizard.create({"lead_ids": lead.ids, "wakeup_date": bad}).action_apply()
            self.assertEqual(lead.followup_status, "to_contact")
            self.assertTrue(self._followups(lead))
            lead.action_set_lost()
            with self.assertRaisesRegex(UserError, "only open leads"):
                lead.with_user(self.user_salesman).action_followup_set_dormant()

    def test_log_on_dormant_lead_wakes_it(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            lead._followup_set_dormant(date(2026, 9, 1))
            self._log(lead, summary="Customer called back: new plant project, 30 units")
            self.assertEqual(lead.followup_status, "in_progress")
            self.assertFalse(lead.followup_wakeup_date)
            self.assertEqual(len(self._followups(lead)), 1)

    def test_manual_wakeup(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            lead._followup_set_dormant(date(2026, 9, 1))
            lead.with_user(self.user_salesman).action_followup_wakeup()
            self.assertEqual(lead.followup_status, "in_progress")
            self.assertEqual(lead.followup_next_date, date(2026, 3, 10))
            with self.assertRaises(UserError):
                lead.action_followup_wakeup()

    def test_status_tracked_in_chatter(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._as_committed()
            self._log(lead)
            self._flush_tracking()
            values = lead.sudo().message_ids.tracking_value_ids.filtered(
                lambda t: t.field_id.name == "followup_status"
            )
            self.assertEqual(values.mapped("new_value_char"), ["Following"])

    def test_merge_keeps_logs_risks_and_one_followup(self):
        with self.frozen("2026-03-10 09:00:00"):
            master = self._lead(name="Master", partner_name="Suzhou Precision", followup_grade="a")
            duplicate = self._lead(name="Duplicate", partner_name="Suzhou Precision")
            self._log(master, summary="Visited the plant: 3 lines to automate")
            self._log(duplicate, summary="Phone: they asked for the brochure again")
            self._log(duplicate, summary="Email: sent the brochure and price list")
            competitor = self.env.ref("sales_followup.risk_type_competitor")
            self.env["sales.followup.risk"].with_user(self.user_salesman).create(
                {"lead_id": duplicate.id, "type_id": competitor.id}
            )
            self.assertEqual(len(self._followups(master) | self._followups(duplicate)), 2)
            wizard = (
                self.env["crm.merge.opportunity"]
                .with_user(self.user_manager)
                .with_context(active_model="crm.lead", active_ids=(master | duplicate).ids)
                .create({"user_id": self.user_salesman.id})
            )
            result = wizard.action_merge()
            kept = self.env["crm.lead"].browse(result["res_id"])
            self.assertEqual(len(kept.followup_log_ids), 3, "no log is lost in the merge")
            self.assertEqual(len(self._followups(kept)), 1, "still one open follow-up")
            self.assertEqual(kept.followup_risk_ids.type_id, competitor)
            self.assertEqual(kept.followup_risk_ids.state, "open", "a manual risk stays open")
            self.assertEqual(kept.followup_risk_level, "high")
            self.assertEqual(len((master | duplicate).exists()), 1)
            # Both leads' holders stay in the kept lead's history, one period still current.
            history = kept.followup_ownership_ids
            self.assertEqual(len(history), 2)
            self.assertEqual(len(history.filtered(lambda row: not row.date_to)), 1)
