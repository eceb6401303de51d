import uuid
from datetime import date

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDigestTwoServers(BaseCase):
    """The digest cron running on two servers at once: each user's day is claimed by one of
    them only. Runs on real, committed transactions (two cursors), cleaned up afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.user_id = new_test_user(
                env,
                login=f"sf_digest_race_{uuid.uuid4().hex[:8]}",
                groups="sales_team.group_sale_salesman",
            ).id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["res.users"].browse(self.user_id).write(
                {"active": False}
            )

    def _claim(self, cr):
        Digest = api.Environment(cr, SUPERUSER_ID, {})["sales.followup.digest"]
        return Digest._digest_claim([(self.user_id, date(2026, 3, 10))])

    def test_one_server_claims_the_day(self):
        first = self.registry.cursor()
        try:
            self.assertEqual(self._claim(first), {self.user_id: date(2026, 3, 10)})
            # The other server, meanwhile: it waits for the first one's row (here cut short).
            with (
                self.registry.cursor() as other,
                self.assertRaises(psycopg2.errors.LockNotAvailable),
            ):
                other.execute("SET LOCAL lock_timeout = '200ms'")
                self._claim(other)
            first.commit()
        finally:
            first.close()
        # Once the first one committed: the day is taken, nothing to send twice.
        with self.registry.cursor() as cr:
            self.assertEqual(self._claim(cr), {})
