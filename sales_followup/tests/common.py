from contextlib import closing, contextmanager
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import format_date

from odoo.addons.sales_followup.compat import cron_cursor_shared


def zh_date(env, day):
    """``day`` as Odoo writes it for a reader of Chinese (the format is Odoo's own)."""
    return format_date(env, day, lang_code="zh_CN")


@contextmanager
def read_only_transaction(env):
    """Run the block as Odoo runs a read-only route or an ``@api.readonly`` method on a
    database replica: what came before is committed, and the block, with the writes it leaves
    for the end of the request (pending updates, pre-commit hooks), runs in a transaction
    PostgreSQL refuses to write in (``ReadOnlySqlTransaction``).

    The read-only setting lives in a savepoint that is always rolled back, so the test can write
    again afterwards; the cache is cleared, as nothing read or written in the block outlives
    its request."""
    env.cr.flush()
    with closing(env.cr.savepoint(flush=False)):
        env.cr.execute("SET LOCAL transaction_read_only = on")
        try:
            yield
            env.cr.flush()
        finally:
            env.cr.clear()


@contextmanager
def request_cursors(registry):
    """The database transactions the requests of the block open, in order: "ro" for a
    read-only one (on the replica when there is one), "rw" for a read-write one. In tests, Odoo
    gives the read-only routes and methods a read-only transaction, as a replica would."""
    modes = []
    cursor = registry.cursor

    def recording_cursor(readonly=False):
        cr = cursor(readonly=readonly)
        modes.append("ro" if cr.readonly else "rw")
        return cr

    with patch.object(registry, "cursor", recording_cursor):
        yield modes


class FollowupCommon(TransactionCase):
    """Salespeople, a team and leads of a sales team, with rhythm settings at their defaults.

    Users are in UTC so that "today" is the frozen date of each test; one test checks another
    timezone on purpose.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.user_salesman = cls._user("sf_salesman", "Wang Salesman", "group_sale_salesman")
        cls.user_salesman_2 = cls._user("sf_salesman_2", "Li Salesman", "group_sale_salesman")
        cls.user_all_leads = cls._user(
            "sf_all_leads", "Zhao All Leads", "group_sale_salesman_all_leads"
        )
        cls.user_manager = cls._user("sf_manager", "Chen Manager", "group_sale_manager")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "East China Sales",
                "crm_team_member_ids": [
                    (0, 0, {"user_id": cls.user_salesman.id}),
                    (0, 0, {"user_id": cls.user_salesman_2.id}),
                ],
            }
        )
        cls.stage_new = cls.env.ref("crm.stage_lead1")
        cls.stage_won = cls.env.ref("crm.stage_lead4")
        cls.lost_reason = cls.env.ref("crm.lost_reason_1")
        cls.followup_type = cls.env.ref("sales_followup.mail_activity_type_followup")
        cls.today = date(2026, 3, 10)

    @classmethod
    def _user(cls, login, name, group):
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            groups=f"sales_team.{group}",
            tz="UTC",
            email=f"{login}@example.com",
        )

    @classmethod
    def _lead(cls, user=None, **vals):
        """A lead created by the manager for ``user`` (the salesman by default)."""
        user = cls.user_salesman if user is None else user
        values = {
            "name": "Lead",
            "type": "opportunity",
            "user_id": user.id if user else False,
            "team_id": cls.team.id,
            "partner_name": "Shanghai Trading Co.",
        }
        values.update(vals)
        lead = cls.env["crm.lead"].with_user(cls.user_manager).create(values)
        # Computed dates (date_open) are stored at flush, as at the end of a request: flush
        # now so that a later frozen clock does not date them.
        cls.env.flush_all()
        return lead

    @classmethod
    def _log(cls, lead, user=None, **vals):
        user = user or cls.user_salesman
        values = {
            "lead_id": lead.id,
            "summary": "Discussed the 20-unit order for May",
            "method": "phone",
        }
        values.update(vals)
        log = cls.env["sales.followup.log"].with_user(user).create(values)
        cls.env.flush_all()
        return log

    def _followups(self, lead):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("activity_type_id", "=", self.followup_type.id),
            ]
        )

    def _set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(f"sales_followup.{key}", value)

    @contextmanager
    def batch_commits_skipped(self):
        """A scheduled method called by the test as the scheduler calls it: the commit of each
        batch (19.0 commits in the progress report) is left out; the test's transaction is
        rolled back at its end instead."""
        with patch.object(self.env.cr, "commit", lambda: None):
            yield

    def run_cron(self, xmlid):
        """The scheduled action ``xmlid`` run as the scheduler runs it (Run Manually)."""
        cron = self.env.ref(xmlid)
        with cron_cursor_shared(self):
            cron.method_direct_trigger()

    @contextmanager
    def frozen(self, when):
        """Freeze Python's clock and the transaction's NOW (used for create_date) together."""
        with freeze_time(when), patch.object(self.env.cr, "now", lambda: datetime.now()):
            yield

    def _as_committed(self):
        """Let what was created so far be tracked from now on, as after a commit (Odoo does not
        track records created in the same transaction)."""
        self.env.flush_all()
        self.env.cr.precommit.clear()

    def _flush_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()
