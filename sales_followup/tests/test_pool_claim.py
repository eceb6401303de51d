"""The customer pool, claiming: salespeople claim its leads within limits, read only its
public fields before claiming, and are shown the duplicates of a lead (in the pool, held by
another) before they create or claim one."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.sales_followup.compat import SERIES

from .pool_common import PoolCommon

# Measured with PostgreSQL 15: one claim from the pool, caches warm (19.0's mail and activity
# code reads a little more).
CLAIM_QUERIES = {18: 51, 19: 54}[SERIES]


@tagged("post_install", "-at_install")
class TestPoolClaim(PoolCommon):
    def test_claim_takes_the_lead_with_a_first_follow_up(self):
        self._enable_pool()
        lead = self._pool_lead(user=self.user_salesman_2)
        with self.frozen("2026-03-20 09:00:00"):
            pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman)
            self.assertEqual(pool.search([]).ids, lead.ids)
            action = pool.browse(lead.id).action_claim()
            self.env.flush_all()
        self.assertEqual(action["res_id"], lead.id)
        self.assertEqual(lead.user_id, self.user_salesman)
        self.assertFalse(lead.followup_in_pool)
        self.assertEqual(lead.followup_previous_user_id, self.user_salesman_2)
        followup = self._followups(lead)
        self.assertEqual(followup.user_id, self.user_salesman)
        self.assertEqual(followup.date_deadline, date(2026, 3, 23), "24 h later: a Saturday")
        self.assertEqual(self._current_period(lead).how, "claimed")
        self.assertEqual(self._current_period(lead).user_id, self.user_salesman)
        self.assertIn("Claimed from the pool by Wang Salesman", lead.message_ids[0].body)
        # Now the lead is the salesman's: its phone and logs are readable.
        self.assertTrue(lead.with_user(self.user_salesman).read(["phone", "followup_log_ids"]))

    def test_claimed_lead_is_back_under_the_risk_rules_at_once(self):
        """The rules skip the pool's leads: a lead claimed shows its risks at once (here its
        customer has not answered since January), not after the nightly scan."""
        self._enable_pool()
        with self.frozen("2026-01-05 09:00:00"):
            lead = self._lead(user=self.user_salesman_2)
            self._log(lead, user=self.user_salesman_2, customer_responded=True)
        with self.frozen("2026-03-05 09:00:00"):
            lead._followup_to_pool("released", {lead.id: "Outside my region"})
            self.env.flush_all()
        self.assertFalse(lead.followup_risk_type_ids, "no risk while in the pool")
        silent = self.env.ref("sales_followup.risk_type_silent")
        with self.frozen("2026-04-20 09:00:00"):  # 105 days without an answer (rule: 90)
            lead.with_user(self.user_salesman).action_followup_claim()
            self.env.flush_all()
        self.assertEqual(lead.followup_risk_type_ids, silent)
        self.assertEqual(lead.followup_risk_level, silent.severity)

    def test_before_claiming_only_the_public_fields(self):
        self._enable_pool()
        lead = self._pool_lead(
            user=self.user_salesman_2, phone="+86 138 0000 0002", email_from="buyer@example.com"
        )
        self._log(lead, user=self.user_manager, summary="Secret price talk")
        pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman)
        row = pool.search_read(
            [("id", "=", lead.id)], ["customer_name", "name", "phone", "email_from", "grade"]
        )[0]
        self.assertEqual(row["customer_name"], "Shanghai Trading Co.")
        self.assertEqual(row["name"], "Lead")
        self.assertFalse(row["phone"])
        self.assertFalse(row["email_from"])
        self.assertFalse(pool.search([("phone", "=", "+86 138 0000 0002")]), "no search by phone")
        # Over RPC on the lead itself: refused.
        with self.assertRaises(AccessError):
            lead.with_user(self.user_salesman).read(["phone"])
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        self.assertFalse(Log.search([("lead_id", "=", lead.id)]))
        with self.assertRaises(AccessError):
            lead.followup_log_ids.with_user(self.user_salesman).read(["summary"])
        with self.assertRaises(AccessError):
            lead.message_ids.with_user(self.user_salesman).read(["body"])
        # A salesperson who sees all leads, and a manager, see it as any lead.
        self.assertTrue(lead.with_user(self.user_all_leads).read(["phone"]))
        # The team makes the phone public: then it shows.
        self._set_param("pool_public_fields", "followup_customer_name,phone")
        row = pool.search_read([("id", "=", lead.id)], ["name", "phone"])[0]
        self.assertEqual(row["phone"], "+86 138 0000 0002")
        self.assertFalse(row["name"], "the need is no longer public")

    def test_other_team_pool_is_not_seen_nor_claimed(self):
        self._enable_pool()
        lead = self._pool_lead(user=self.user_salesman_2)
        pool = self.env["sales.followup.pool.lead"].with_user(self.other_team_user)
        self.assertFalse(pool.search([]))
        with self.frozen("2026-03-20 09:00:00"), self.assertRaises(UserError) as error:
            lead.with_user(self.other_team_user).action_followup_claim()
        self.assertIn("another sales team", str(error.exception))
        self.assertNotIn("East China Sales", str(error.exception))
        self.assertNotIn(lead.followup_code, str(error.exception))
        self.assertTrue(lead.followup_in_pool)

    def test_claim_refusals(self):
        self._enable_pool(pool_cooldown_days=7, pool_max_open=3, pool_max_claims_day=2)
        taken = self._pool_lead(user=self.user_salesman_2, name="taken")
        with self.frozen("2026-03-20 09:00:00"):
            taken.with_user(self.user_salesman_2).action_followup_claim()
        with self.frozen("2026-03-20 10:00:00"), self.assertRaises(UserError) as error:
            taken.with_user(self.user_salesman).action_followup_claim()
        # The salesman does not read Li's lead any more: neither its code nor its holder.
        self.assertIn("no longer in the pool", str(error.exception))
        self.assertNotIn("Li Salesman", str(error.exception))
        self.assertNotIn(taken.followup_code, str(error.exception))

        # The previous owner waits 7 days.
        mine = self._pool_lead(name="mine before")
        with self.frozen("2026-03-11 09:00:00"), self.assertRaises(UserError) as error:
            mine.with_user(self.user_salesman).action_followup_claim()
        self.assertIn("03/12/2026", str(error.exception))
        self.assertTrue(mine.followup_in_pool)
        with self.frozen("2026-03-12 09:00:00"):
            mine.with_user(self.user_salesman).action_followup_claim()
        self.assertEqual(mine.user_id, self.user_salesman)

        # At most 2 claims a day (the one above counts on the 12th).
        pool = self._pool_lead(user=self.user_salesman_2, name="p1")
        pool |= self._pool_lead(user=self.user_salesman_2, name="p2")
        with self.frozen("2026-03-12 15:00:00"):
            pool[0].with_user(self.user_salesman).action_followup_claim()
            with self.assertRaises(UserError) as error:
                pool[1].with_user(self.user_salesman).action_followup_claim()
        self.assertIn("claimed 2 leads today", str(error.exception))
        self.assertTrue(pool[1].followup_in_pool, "nothing half-written")
        self.assertEqual(
            self.env["sales.followup.ownership"].search_count(
                [("lead_id", "=", pool[1].id), ("how", "=", "claimed")]
            ),
            0,
        )
        # At most 3 open leads held: the salesman holds 2 and the lead "taken" is not his.
        with self.frozen("2026-03-13 09:00:00"):
            self._lead(name="third")
            with self.assertRaises(UserError) as error:
                pool[1].with_user(self.user_salesman).action_followup_claim()
        self.assertIn("hold 3 open leads, and may hold 3", str(error.exception))
        # Managers are exempt from the limits.
        with self.frozen("2026-03-13 09:00:00"):
            pool[1].with_user(self.user_manager).action_followup_claim()
        self.assertEqual(pool[1].user_id, self.user_manager)

    def test_claim_of_unknown_or_other_company_lead(self):
        self._enable_pool()
        with self.assertRaises(UserError) as error:
            self.env["crm.lead"].with_user(self.user_salesman).browse(
                999999
            ).action_followup_claim()
        self.assertIn("999999", str(error.exception))
        other_company = self.env["res.company"].create({"name": "Shenzhen Branch"})
        lead = self._pool_lead(user=self.user_salesman_2)
        lead.sudo().company_id = other_company
        with self.frozen("2026-03-20 09:00:00"), self.assertRaises(UserError) as error:
            lead.with_user(self.user_salesman).action_followup_claim()
        # Answered as an unknown lead: ids do not enumerate another company's codes.
        self.assertEqual(str(error.exception), f"Pool: there is no lead {lead.id} to claim.")
        portal = new_test_user(self.env, login="sf_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            lead.with_user(portal).action_followup_claim()

    def test_claiming_costs_a_constant_number_of_queries(self):
        """Claiming a lead: the checks (team, limits, cooldown), the lock, the write, the
        ownership period, the first Follow-up on a working day and the chatter: the same
        queries whether the salesperson holds 1 lead or 15."""
        self._enable_pool(pool_max_open=1000, pool_max_claims_day=100)
        for held in (1, 15):
            user = self._user(f"sf_claimer_{held}", f"Claimer {held}", "group_sale_salesman")
            self.team.crm_team_member_ids = [(0, 0, {"user_id": user.id})]
            with self.frozen("2026-03-01 09:00:00"):
                for index in range(held):
                    self._lead(user=user, name=f"held {index}")
            leads = self._pool_lead(user=self.user_salesman_2, name="first")
            leads |= self._pool_lead(user=self.user_salesman_2, name="second")
            with self.frozen("2026-03-20 09:00:00"):
                leads[0].with_user(user).action_followup_claim()  # warm-up
                self.env.flush_all()
                self.env.invalidate_all()
                with self.assertQueryCount(CLAIM_QUERIES):
                    leads[1].with_user(user).action_followup_claim()
            self.assertEqual(leads[1].user_id, user)


@tagged("post_install", "-at_install")
class TestDuplicateCheck(PoolCommon):
    def test_new_lead_shows_pool_and_other_owner_duplicates(self):
        self._enable_pool()
        in_pool = self._pool_lead(user=self.user_salesman_2, partner_name="Suzhou Valves Ltd")
        with self.frozen("2026-03-01 09:00:00"):
            self._lead(
                user=self.user_salesman_2,
                name="Li's",
                partner_name="Ningbo Pumps",
                phone="+86 574 8888 0001",
            )
        with Form(self.env["crm.lead"].with_user(self.user_salesman)) as form:
            form.name = "New"
            form.partner_name = "Suzhou Valves Ltd"
            self.assertIn("Already in the pool of East China Sales", form.followup_duplicate_note)
            self.assertIn(in_pool.followup_code, form.followup_duplicate_note)
            form.partner_name = "Someone else"
            form.phone = "+86 574 8888 0001"
            self.assertIn("Held by another salesperson, Li Salesman", form.followup_duplicate_note)
            form.phone = "+86 574 1234 5678"
            self.assertFalse(form.followup_duplicate_note)

    def test_pool_card_shows_duplicates_before_claiming(self):
        self._enable_pool()
        lead = self._pool_lead(user=self.user_salesman_2, partner_name="Hangzhou Motors")
        with self.frozen("2026-03-01 09:00:00"):
            self._lead(user=self.user_manager, name="manager's", partner_name="Hangzhou Motors")
        row = self.env["sales.followup.pool.lead"].with_user(self.user_salesman).browse(lead.id)
        self.assertIn("Held by another salesperson, Chen Manager", row.duplicate_note)
