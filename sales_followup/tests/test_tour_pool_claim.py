"""The pool (公海) in the web client, at phone and desktop width: a salesman opens the pool from
the home screen, sees the lead another rep of the team released (not its phone number, not the
leads of other teams), claims it and logs a first contact (static/tests/tours/pool_claim_tour.js).

The tests check the records the tour wrote and keep a screenshot of each stage in
``artifacts/tour/<series>/<width>/pool_*.png`` at the repository root.
"""

from odoo import fields
from odoo.tests import new_test_user, tagged

from .tour_common import FollowupTourCase

TOUR = "sales_followup_pool_claim"

# Kept in step with the tour.
POOL_CUSTOMER = "杭州东立五金机械有限公司"
POOL_NEED = "Stainless fasteners for the new Xiaoshan plant: M8 and M10 bolts, nuts and washers"
POOL_PHONE = "+86 571 8765 4321"
POOL_REASON = "Outside my region: the buyer now orders from the Hangzhou office"
OTHER_TEAM_CUSTOMER = "天津北方化工"
OTHER_TEAM_REASON = "Customer moved to another supplier for this year"
FIRST_CONTACT_SUMMARY = (
    "First call after the claim: the buyer still needs M8 bolts for the new plant, asks for samples"
)

SCREENSHOTS = ("pool_1_cards", "pool_2_claimed", "pool_3_saved", "pool_4_next_date")


class PoolClaimTourCase(FollowupTourCase):
    """The pool switched on; a lead of the salesman's team released by a colleague, with its
    phone number, and a lead in another team's pool."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = new_test_user(
            cls.env,
            login="sf_tour_colleague",
            name="Li Na",
            groups="sales_team.group_sale_salesman",
            tz="Asia/Shanghai",
            email="li.na@example.com",
        )
        cls.team.crm_team_member_ids = [(0, 0, {"user_id": cls.colleague.id})]
        cls.other_rep = new_test_user(
            cls.env,
            login="sf_tour_other_rep",
            name="Zhao Lei",
            groups="sales_team.group_sale_salesman",
            tz="Asia/Shanghai",
            email="zhao.lei@example.com",
        )
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "North China Sales",
                "crm_team_member_ids": [(0, 0, {"user_id": cls.other_rep.id})],
            }
        )
        today = fields.Date.context_today(cls.salesman.with_context(tz=cls.salesman.tz))
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("sales_followup.pool_enabled", "True")
        params.set_param("sales_followup.pool_enabled_date", fields.Date.to_string(today))
        partners = cls.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in (POOL_CUSTOMER, OTHER_TEAM_CUSTOMER)]
        )
        cls.pool_lead, cls.other_team_lead = cls.env["crm.lead"].create(
            [
                {
                    "name": POOL_NEED,
                    "type": "opportunity",
                    "partner_id": partners[0].id,
                    "phone": POOL_PHONE,
                    "user_id": cls.colleague.id,
                    "team_id": cls.team.id,
                    "followup_grade": "b",
                },
                {
                    "name": "Solvent tanks",
                    "type": "opportunity",
                    "partner_id": partners[1].id,
                    "phone": "+86 22 6666 7777",
                    "user_id": cls.other_rep.id,
                    "team_id": cls.other_team.id,
                    "followup_grade": "b",
                },
            ]
        )
        (cls.pool_lead | cls.other_team_lead)._followup_to_pool(
            "released",
            {cls.pool_lead.id: POOL_REASON, cls.other_team_lead.id: OTHER_TEAM_REASON},
        )

    def _run_pool_claim(self):
        today = fields.Date.context_today(self.salesman.with_context(tz=self.salesman.tz))
        # What the salesman may read of the pool before the claim: not the phone number.
        pool = self.env["sales.followup.pool.lead"].with_user(self.salesman).search([])
        # A pool row's id is its lead's (the lead itself is not the salesman's to read yet).
        self.assertEqual(pool.ids, self.pool_lead.ids, "only the pool of the salesman's team")
        self.assertFalse(pool.phone)

        self._start("/odoo", TOUR, SCREENSHOTS)
        self.env.invalidate_all()

        # Claimed: the salesman's, out of the pool, the claim in the ownership history.
        self.assertRecordValues(
            self.pool_lead,
            [
                {
                    "user_id": self.salesman.id,
                    "team_id": self.team.id,
                    "followup_in_pool": False,
                    "followup_pool_date": False,
                    "followup_pool_reason": False,
                    "followup_log_count": 1,
                }
            ],
        )
        current = self.pool_lead.followup_ownership_ids.filtered(lambda period: not period.date_to)
        self.assertRecordValues(current, [{"how": "claimed", "user_id": self.salesman.id}])

        # The first contact, logged by the salesman; one open Follow-up, on the next date.
        self.assertRecordValues(
            self.pool_lead.followup_log_ids,
            [{"user_id": self.salesman.id, "summary": FIRST_CONTACT_SUMMARY}],
        )
        followups = self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", self.pool_lead.id),
                ("activity_type_id", "=", self.followup_type.id),
            ]
        )
        self.assertRecordValues(
            followups,
            [{"user_id": self.salesman.id, "date_deadline": self.pool_lead.followup_next_date}],
        )
        self.assertEqual(self.pool_lead.followup_status, "in_progress")
        self.assertGreater(self.pool_lead.followup_next_date, today)

        # The other team's lead: still in its pool, untouched.
        self.assertRecordValues(
            self.other_team_lead,
            [
                {
                    "user_id": False,
                    "team_id": self.other_team.id,
                    "followup_in_pool": True,
                    "followup_pool_reason": OTHER_TEAM_REASON,
                    "followup_previous_user_id": self.other_rep.id,
                    "followup_log_count": 0,
                }
            ],
        )
        self.assertEqual(
            sorted(self.other_team_lead.followup_ownership_ids.mapped("how")),
            ["assigned", "released"],
        )


@tagged("post_install", "-at_install")
class TestPoolClaimPhone(PoolClaimTourCase):
    browser_size = "390x844"
    touch_enabled = True
    screenshot_folder = "phone"

    def test_pool_claim_phone(self):
        self._run_pool_claim()


@tagged("post_install", "-at_install")
class TestPoolClaimDesktop(PoolClaimTourCase):
    browser_size = "1440x900"
    screenshot_folder = "desktop"

    def test_pool_claim_desktop(self):
        self._run_pool_claim()
