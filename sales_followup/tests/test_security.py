from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.sales_followup.compat import formatted_groups

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestSecurity(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead_mine = cls._lead(name="Mine")
        cls.lead_other = cls._lead(user=cls.user_salesman_2, name="Other")
        cls.lead_free = cls._lead(user=False, name="Unassigned")
        cls.log_mine = cls._log(cls.lead_mine)
        cls.log_other = cls._log(cls.lead_other, user=cls.user_salesman_2)

    def test_logs_follow_lead_visibility(self):
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        visible = Log.search([])
        self.assertIn(self.log_mine, visible)
        self.assertNotIn(self.log_other, visible)
        with self.assertRaises(AccessError):
            self.log_other.with_user(self.user_salesman).read(["summary"])
        groups = formatted_groups(Log, [], ["lead_id"], ["__count"])
        self.assertEqual({g["lead_id"][0] for g in groups}, {self.lead_mine.id})
        all_leads = self.env["sales.followup.log"].with_user(self.user_all_leads).search([])
        self.assertIn(self.log_other, all_leads)

    def test_create_only_on_visible_leads(self):
        self._log(self.lead_free, summary="Cold call, asked for the catalogue by e-mail")
        with self.assertRaises(AccessError):
            self._log(self.lead_other, summary="Trying to log on a colleague's lead")
        self.assertFalse(self.lead_other.followup_log_ids - self.log_other)
        log = self._log(
            self.lead_other, user=self.user_all_leads, summary="Covered for Li: price list sent"
        )
        self.assertEqual(log.lead_id, self.lead_other)

    def test_all_leads_user_cannot_edit_others_logs(self):
        with self.assertRaises(AccessError):
            self.log_other.with_user(self.user_all_leads).write(
                {"summary": "Edited by a colleague"}
            )

    def test_multi_company(self):
        company_2 = self.env["res.company"].create({"name": "Beijing Branch"})
        self.user_manager.write({"company_ids": [(4, company_2.id)]})
        lead_2 = self.env["crm.lead"].create(
            {"name": "Beijing lead", "company_id": company_2.id, "user_id": self.user_manager.id}
        )
        log_2 = (
            self.env["sales.followup.log"]
            .with_user(self.user_manager)
            .with_context(allowed_company_ids=[company_2.id])
            .create({"lead_id": lead_2.id, "summary": "Beijing customer wants a demo in April"})
        )
        self.assertEqual(log_2.company_id, company_2)
        in_company_1 = (
            self.env["sales.followup.log"]
            .with_user(self.user_manager)
            .with_context(allowed_company_ids=[self.company.id])
            .search([])
        )
        self.assertNotIn(log_2, in_company_1)
        self.assertIn(self.log_mine, in_company_1)
        self.assertNotIn(
            log_2, self.env["sales.followup.log"].with_user(self.user_all_leads).search([])
        )
