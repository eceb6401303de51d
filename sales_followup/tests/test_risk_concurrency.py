import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestRiskScanConcurrency(BaseCase):
    """A salesperson logs a contact while the risk scan holds its batch open: the log waits for
    the batch (seconds at most), is retried by Odoo's usual serialization retry, and nothing is
    lost. Runs on real, committed transactions (two cursors), cleaned up afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.rep_uid = env.ref("base.user_admin").id
            lead = env["crm.lead"].create(
                {"name": "Concurrency check", "type": "opportunity", "user_id": self.rep_uid}
            )
            env.flush_all()
            # Assigned three days ago and never contacted: the scan raises "first contact late".
            cr.execute(
                "UPDATE crm_lead SET date_open = (now() AT TIME ZONE 'UTC') - interval '3 days' "
                "WHERE id = %s",
                [lead.id],
            )
            self.lead_id = lead.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(self.lead_id).unlink()
            env["ir.cron.trigger"].search(
                [("cron_id", "=", env.ref("sales_followup.ir_cron_followup_first_contact").id)]
            ).unlink()

    def test_log_written_while_scan_runs(self):
        scan_cr = self.registry.cursor()
        try:
            scan_env = api.Environment(scan_cr, SUPERUSER_ID, {})
            touched = scan_env["sales.followup.risk"]._apply_rules(lead_ids=[self.lead_id])
            self.assertEqual(touched, [self.lead_id], "the batch flagged the lead and holds it")

            outcome = {}

            def rep_logs_a_contact():
                started = time.monotonic()
                try:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, self.rep_uid, {})

                        def log():
                            env["sales.followup.log"].create(
                                {
                                    "lead_id": self.lead_id,
                                    "summary": "First call: wants a quote for 12 units",
                                }
                            )

                        retrying(log, env)
                except Exception as error:  # reported to the main thread
                    outcome["error"] = repr(error)
                outcome["seconds"] = time.monotonic() - started

            rep = threading.Thread(target=rep_logs_a_contact)
            rep.start()
            # The scan batch is still open: watch the log's transaction come to wait for one of
            # its locks (or end, or 10 s pass).
            waiting, deadline = False, time.monotonic() + 10
            while not waiting and rep.is_alive() and time.monotonic() < deadline:
                scan_cr.execute(
                    "SELECT count(*) > 0 FROM pg_locks WHERE NOT granted "
                    "AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
                )
                waiting = scan_cr.fetchone()[0]
                if not waiting:
                    rep.join(timeout=0.05)
            waiting = waiting and rep.is_alive()
            scan_cr.commit()
        finally:
            scan_cr.close()
        rep.join(timeout=60)
        self.assertTrue(waiting, "the log waited for the scan's batch (same lead row)")
        self.assertFalse(rep.is_alive(), "and went through once the batch committed")
        self.assertNotIn("error", outcome)
        self.assertLess(outcome["seconds"], 10)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lead = env["crm.lead"].browse(self.lead_id)
            self.assertEqual(len(lead.followup_log_ids), 1, "the log is there, once")
            self.assertEqual(lead.followup_status, "in_progress")
            risks = lead.followup_risk_ids
            self.assertEqual(risks.type_id.code, "first_contact_late")
            self.assertEqual(risks.state, "resolved", "the log resolved what the scan raised")
            self.assertEqual(lead.followup_risk_level, "none")
