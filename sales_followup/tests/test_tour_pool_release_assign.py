"""The pool's release and assign doors in the web client, at phone and desktop width, as the
roles that see them (static/tests/tours/pool_release_assign_tour.js): a salesman with "own
documents only" releases his lead from its form; a sales manager assigns a pool lead from its
form and, on desktops, two pool leads at once from the pool list (Actions > Assign).

The tests check the records the tours wrote and keep a screenshot of each stage in
``artifacts/tour/<series>/<width>/``.
"""

from odoo import fields
from odoo.tests import new_test_user, tagged

from .tour_common import FollowupTourCase

# Kept in step with the tour.
RELEASE_NEED = "Hydraulic press seals: 200 sets a quarter for the Ningbo line"
RELEASE_REASON = "Outside my region: the buyer moved to the Wuhan office"
FORM_NEED = "Conveyor belts for the Suzhou warehouse"
BULK_NEEDS = ("Forklift batteries for the Hefei depot", "Packaging film, 30 tons a year")


class PoolDoorsTourCase(FollowupTourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="sf_tour_manager",
            name="Chen Jing",
            groups="sales_team.group_sale_manager",
            tz="Asia/Shanghai",
            lang="en_US",
            email="chen.jing@example.com",
        )
        today = fields.Date.context_today(cls.salesman.with_context(tz=cls.salesman.tz))
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("sales_followup.pool_enabled", "True")
        params.set_param("sales_followup.pool_enabled_date", fields.Date.to_string(today))
        # A team of no company, as many single-company databases have: the released lead keeps
        # its company all the same.
        cls.team.company_id = False
        Lead = cls.env["crm.lead"]
        cls.held = Lead.create(
            {
                "name": RELEASE_NEED,
                "type": "opportunity",
                "partner_name": "宁波海天密封件有限公司",
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
            }
        )
        cls.form_lead, *bulk = Lead.create(
            [
                {
                    "name": need,
                    "type": "opportunity",
                    "partner_name": f"Customer of {need}",
                    "user_id": cls.salesman.id,
                    "team_id": cls.team.id,
                }
                for need in (FORM_NEED, *BULK_NEEDS)
            ]
        )
        cls.bulk = Lead.union(*bulk)
        (cls.form_lead | cls.bulk)._followup_to_pool(
            "released",
            dict.fromkeys((cls.form_lead | cls.bulk).ids, "No time for these"),
        )

    def _lead_url(self, lead):
        return f"/odoo/action-crm.crm_lead_action_pipeline/{lead.id}"

    def _run_release(self):
        company = self.held.company_id
        self.assertTrue(company)
        self._start(
            self._lead_url(self.held),
            "sales_followup_pool_release",
            ("release_1_dialog", "release_2_pool"),
        )
        self.env.invalidate_all()
        self.assertRecordValues(
            self.held,
            [
                {
                    "user_id": False,
                    "followup_in_pool": True,
                    "followup_pool_reason": RELEASE_REASON,
                    "followup_previous_user_id": self.salesman.id,
                    "company_id": company.id,
                }
            ],
        )
        self.assertEqual(self.held.followup_ownership_ids.sorted("id")[-1].how, "released")

    def _run_assign_form(self):
        # A phone's dialog is mostly white: only the desktop's is checked for content.
        self._start(
            self._lead_url(self.form_lead),
            "sales_followup_pool_assign_form",
            ("assign_2_done",) if self.touch_enabled else ("assign_1_dialog", "assign_2_done"),
            login=self.manager.login,
        )
        self.env.invalidate_all()
        self.assertRecordValues(
            self.form_lead, [{"user_id": self.salesman.id, "followup_in_pool": False}]
        )
        self.assertEqual(self.form_lead.followup_ownership_ids.sorted("id")[-1].how, "assigned")


@tagged("post_install", "-at_install")
class TestPoolDoorsPhone(PoolDoorsTourCase):
    browser_size = "390x844"
    touch_enabled = True
    screenshot_folder = "phone"

    def test_pool_release_phone(self):
        self._run_release()

    def test_pool_assign_form_phone(self):
        self._run_assign_form()


@tagged("post_install", "-at_install")
class TestPoolDoorsDesktop(PoolDoorsTourCase):
    browser_size = "1440x900"
    screenshot_folder = "desktop"

    def test_pool_release_desktop(self):
        self._run_release()

    def test_pool_assign_bulk_desktop(self):
        self._start(
            "/odoo/action-sales_followup.action_followup_pool",
            "sales_followup_pool_assign_bulk",
            ("assign_bulk_1_dialog",),
            login=self.manager.login,
        )
        self.env.invalidate_all()
        self.assertEqual(self.bulk.user_id, self.salesman)
        self.assertFalse(any(self.bulk.mapped("followup_in_pool")))
        self.assertEqual(
            {lead.followup_ownership_ids.sorted("id")[-1].how for lead in self.bulk}, {"assigned"}
        )
        self.assertTrue(self.form_lead.followup_in_pool, "only the selected leads")
