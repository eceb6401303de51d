"""With a database replica (``--db_replica_host``), Odoo reads on the replica: the views' reads
(``web_search_read``, ``web_read``, ``web_read_group``, ``read_progress_bar``...) run in a
transaction PostgreSQL refuses to write in, and a read that writes fails there and is run again
on the primary. The salesperson's reads write nothing: the Today list and cards, the pipeline,
the lead form with the fields computed when read (due bucket, next action, last contact, pool
return date and warning, possible duplicates), the pool list, the follow-up logs and the risks."""

import logging
from datetime import date, timedelta

import psycopg2.errors

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.sales_followup.compat import READ_ONLY_REQUEST_CURSORS, web_groups

from .common import read_only_transaction, request_cursors
from .pool_common import PoolCommon


def view_spec(Model, views):
    """The web client's specification for reading the fields of ``views`` ([(view id or False,
    type)]) of ``Model``, as its user sees them."""
    names = Model.get_views(views)["models"][Model._name]["fields"]
    return {fname: {} for fname in names}


@tagged("post_install", "-at_install")
class TestReadOnlyGuard(PoolCommon):
    def test_the_guard_refuses_writes_and_lifts_afterwards(self):
        lead = self._lead(name="Guarded")
        with read_only_transaction(self.env):
            self.env.cr.execute("SHOW transaction_read_only")
            self.assertEqual(self.env.cr.fetchone()[0], "on")
        # A write left for the end of the request fails as on a replica...
        with (
            self.assertRaises(psycopg2.errors.ReadOnlySqlTransaction),
            read_only_transaction(self.env),
        ):
            lead.with_user(self.user_salesman).write({"name": "Written on a replica"})
        # ...and after the guard the transaction is a read-write one again.
        self.env.cr.execute("SHOW transaction_read_only")
        self.assertEqual(self.env.cr.fetchone()[0], "off")
        self.assertEqual(lead.name, "Guarded")
        lead.name = "Written on the primary"
        self.env.flush_all()


@tagged("post_install", "-at_install")
class TestReadOnlyReads(PoolCommon):
    def setUp(self):
        super().setUp()
        self._enable_pool(pool_missed_count=50)

    def test_today_list_cards_and_form_of_a_salesperson(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(
                name="Valves for line 2",
                followup_grade="a",
                partner_name="Suzhou Valves Ltd",
                phone="+86 512 6666 0001",
            )
            self._log(
                lead,
                summary="Sent the price list",
                next_action="Call about the quote",
                next_date=date(2026, 3, 7),
            )
            # Another salesperson holds a lead of the same customer.
            self._lead(user=self.user_salesman_2, name="Li's", partner_name="Suzhou Valves Ltd")
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        today_action = self.env.ref("sales_followup.action_followup_today")
        today_views = [(view.view_id.id, view.view_mode) for view in today_action.view_ids]
        pipeline_views = [(False, "kanban"), (False, "list"), (False, "form")]
        domain = [("user_id", "=", self.user_salesman.id), ("followup_due_bucket", "!=", False)]
        with self.frozen("2026-03-06 09:00:00"), read_only_transaction(self.env):
            cards = Lead.web_search_read(domain, view_spec(Lead, today_views))["records"]
            groups = web_groups(Lead, domain, ["followup_due_bucket"], ["__count"])
            mine = [("user_id", "=", self.user_salesman.id)]
            pipeline = Lead.web_search_read(mine, view_spec(Lead, pipeline_views))["records"]
            stages = web_groups(Lead, mine, ["stage_id"], ["expected_revenue:sum", "__count"])
            bars = Lead.read_progress_bar(
                mine,
                "stage_id",
                {
                    "field": "activity_state",
                    "colors": {"planned": "success", "today": "warning", "overdue": "danger"},
                },
            )
            [form] = lead.with_user(self.user_salesman).web_read(view_spec(Lead, [(False, "form")]))
        [card] = cards
        self.assertEqual(card["id"], lead.id)
        self.assertEqual(card["followup_next_action"], "Call about the quote")
        self.assertEqual(card["followup_last_summary"], "Sent the price list")
        self.assertEqual([group["followup_due_bucket"] for group in groups], ["upcoming"])
        self.assertEqual([record["id"] for record in pipeline], [lead.id])
        counts = {group["stage_id"][0]: group["__count"] for group in stages}
        self.assertEqual(counts[lead.stage_id.id], 1)
        self.assertEqual(sum(counts.values()), 1, "every stage is a column, one holds the lead")
        self.assertEqual(bars, {str(lead.stage_id.id): {"planned": 1, "today": 0, "overdue": 0}})
        # Grade A goes back to the pool after 7 days without a contact: on the 8th, a warning
        # two days before.
        self.assertEqual(card["followup_reclaim_label"], "Returns to the pool in 2 days")
        self.assertEqual(form["followup_reclaim_label"], "Returns to the pool in 2 days")
        self.assertIn("Held by another salesperson, Li Salesman", form["followup_duplicate_note"])
        self.assertEqual(form["followup_customer_name"], "Suzhou Valves Ltd")
        self.assertEqual(form["followup_log_count"], 1)

    def test_pool_list_search_group_and_read(self):
        in_pool = self._pool_lead(user=self.user_salesman_2, partner_name="Hangzhou Motors")
        with self.frozen("2026-03-01 09:00:00"):
            self._lead(user=self.user_manager, name="manager's", partner_name="Hangzhou Motors")
        Pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman)
        spec = view_spec(Pool, [(False, "list"), (False, "kanban")])
        with self.frozen("2026-03-09 09:00:00"), read_only_transaction(self.env):
            rows = Pool.web_search_read([("customer_name", "ilike", "hangzhou")], spec)["records"]
            groups = web_groups(Pool, [], ["team_id"], ["pool_date:max", "__count"])
            count = Pool.search_count([("pool_reason", "ilike", "region")])
        [row] = rows
        self.assertEqual(row["id"], in_pool.id)
        self.assertEqual(row["customer_name"], "Hangzhou Motors")
        self.assertEqual(row["pool_days"], 4, "in the pool since the 5th")
        self.assertEqual(row["pool_reason"], "Outside my region")
        self.assertIn("Held by another salesperson, Chen Manager", row["duplicate_note"])
        self.assertEqual([group["team_id"][0] for group in groups], [self.team.id])
        self.assertEqual(groups[0]["__count"], 1)
        self.assertEqual(count, 1)

    def test_follow_up_logs_and_risks(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(name="Pumps")
            self._log(lead, summary="Asked for the drawings")
            self.env["sales.followup.risk"].with_user(self.user_salesman).create(
                {
                    "lead_id": lead.id,
                    "type_id": self.env.ref("sales_followup.risk_type_requirement_change").id,
                    "note": "New drawings",
                }
            )
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        Risk = self.env["sales.followup.risk"].with_user(self.user_salesman)
        log_views = [(False, "list"), (False, "kanban"), (False, "form")]
        with self.frozen("2026-03-06 09:00:00"), read_only_transaction(self.env):
            [log] = Log.web_search_read([], view_spec(Log, log_views))["records"]
            methods = web_groups(Log, [], ["method"], ["__count"])
            [risk] = Risk.web_search_read([], view_spec(Risk, [(False, "list")]))["records"]
        self.assertEqual(log["summary"], "Asked for the drawings")
        self.assertEqual([(group["method"], group["__count"]) for group in methods], [("phone", 1)])
        self.assertEqual(risk["note"], "New drawings")

    def test_pool_dates_are_searched_in_sql(self):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(name="Grade A", followup_grade="a")
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        with self.frozen("2026-03-06 09:00:00"), read_only_transaction(self.env):
            found = Lead.search([("followup_reclaim_date", "<=", date(2026, 3, 8))])
            overdue = Lead.search([("followup_overdue", "=", True)])
        self.assertEqual(found, lead)
        self.assertEqual(overdue, lead, "its first contact was due on the 2nd")


@tagged("post_install", "-at_install")
class TestReadOnlyRoutes(PoolCommon, HttpCase):
    """The salesperson's views as the browser reads them, on the read-only transactions Odoo's
    test server gives the ``@api.readonly`` methods, as a replica would."""

    def test_today_cards_form_and_pool_list(self):
        self._enable_pool(pool_missed_count=50)
        in_pool = self._pool_lead(user=self.user_salesman_2, partner_name="Hangzhou Motors")
        lead = self._lead(name="Valves", partner_name="Hangzhou Motors")
        self._lead(user=self.user_salesman_2, name="Li's", partner_name="Hangzhou Motors")
        self._log(lead, summary="Sent the price list", next_date=fields.Date.today())
        self._followups(lead).with_context(sales_followup_engine=True).write(
            {"date_deadline": fields.Date.today() + timedelta(days=2)}
        )
        self.env.flush_all()
        self.authenticate(self.user_salesman.login, self.user_salesman.login)
        # The session's first request records the device (on a read-write transaction).
        self.make_jsonrpc_request("/web/session/get_session_info")
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        Pool = self.env["sales.followup.pool.lead"].with_user(self.user_salesman)
        today = self.env.ref("sales_followup.crm_lead_view_kanban_followup_today")

        def call_kw(model, method, args, **kwargs):
            return self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/{method}",
                {"model": model, "method": method, "args": args, "kwargs": kwargs},
            )

        with (
            self.assertNoLogs("odoo.http", logging.WARNING),
            request_cursors(self.registry) as cursors,
        ):
            [card] = call_kw(
                "crm.lead",
                "web_search_read",
                [[("followup_due_bucket", "=", "upcoming")]],
                specification=view_spec(Lead, [(today.id, "kanban")]),
            )["records"]
            [form] = call_kw(
                "crm.lead",
                "web_read",
                [[lead.id]],
                specification=view_spec(Lead, [(False, "form")]),
            )
            [row] = call_kw(
                "sales.followup.pool.lead",
                "web_search_read",
                [[]],
                specification=view_spec(Pool, [(False, "list")]),
            )["records"]
        self.assertEqual(cursors, READ_ONLY_REQUEST_CURSORS * 3, "read-only transactions only")
        self.assertEqual(card["id"], lead.id)
        self.assertEqual(card["followup_last_summary"], "Sent the price list")
        self.assertIn("Already in the pool of East China Sales", form["followup_duplicate_note"])
        self.assertIn("Held by another salesperson, Li Salesman", form["followup_duplicate_note"])
        self.assertEqual(row["id"], in_pool.id)
        self.assertEqual(row["customer_name"], "Hangzhou Motors")
        self.assertIn("Held by another salesperson, Li Salesman", row["duplicate_note"])
