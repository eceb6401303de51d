import uuid

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged

from .robot_server import RobotServer


@tagged("post_install", "-at_install")
class TestRobotTwoWorkers(BaseCase):
    """The outbox sent by two cron workers at once: a robot's messages go once. Runs on real,
    committed transactions (two cursors), cleaned up afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.server = RobotServer().start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        super().setUp()
        token = f"race-{uuid.uuid4().hex[:8]}"
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            params = env["ir.config_parameter"]
            self.hosts = params.get_param("sales_followup.robot_allowed_hosts", "")
            params.set_param("sales_followup.robot_allowed_hosts", self.server.host)
            team = env["crm.team"].create({"name": f"Race team {token}"})
            robot = env["sales.followup.robot"].create(
                {
                    "name": f"Race robot {token}",
                    "kind": "wecom",
                    "webhook_url": self.server.url("wecom", token),
                    "team_ids": team.ids,
                }
            )
            for index in range(3):
                robot._robot_queue("test", f"Race {index}", f"Race message {index}")
            self.robot_id, self.team_id = robot.id, team.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["sales.followup.robot"].browse(self.robot_id).unlink()
            env["crm.team"].browse(self.team_id).unlink()
            env["ir.config_parameter"].set_param("sales_followup.robot_allowed_hosts", self.hosts)

    def _outbox(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})["sales.followup.robot.message"]

    def test_a_message_goes_once(self):
        self.server.reset()
        first = self.registry.cursor()
        try:
            # The first worker sends the robot's messages; its transaction is still open.
            self.assertEqual(self._outbox(first)._cron_robot_send(), 3)
            with self.registry.cursor() as other:
                # The second worker meanwhile: the robot is taken, and so are its messages.
                self.assertEqual(self._outbox(other)._cron_robot_send(), 0)
                self.assertEqual(self._outbox(other)._robot_claim(self.robot_id, 20), [])
            first.commit()
        finally:
            first.close()
        with self.registry.cursor() as cr:
            self.assertEqual(self._outbox(cr)._cron_robot_send(), 0, "all sent")
            cr.execute(
                "SELECT state, count(*) FROM sales_followup_robot_message WHERE robot_id = %s "
                "GROUP BY state",
                [self.robot_id],
            )
            self.assertEqual(dict(cr.fetchall()), {"sent": 3})
        texts = [entry["text"] for entry in self.server.received]
        self.assertEqual(len(texts), 3)
        self.assertEqual(len(set(texts)), 3)
