from contextlib import contextmanager
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import TransactionCase, new_test_user


class FunnelCommon(TransactionCase):
    """A first quarter of known leads, logs, wins and losses over two teams.

    Q1 2026 (all times UTC, grade B = 3-day rhythm, 24-hour first-contact window):
      L1 rep A, Expo, manufacturing, 100k: created 01-05 09:00, logs 01-05 15:00 and 01-07,
         won 01-20 09:00
      L2 rep A, Web, food, 50k: created 01-10 09:00, first log 01-12 10:00 (late), lost 01-25
         (reason 1)
      L3 rep B, Expo, food, 80k: created 02-01 09:00, logs 02-01 10:00 and 02-10 (late), won
         03-01 09:00
      L4 rep B, Web, manufacturing, 30k: created 02-15, never contacted, lost 03-10 (reason 2)
      L5 rep C (other team), Expo, manufacturing, 20k: created 03-01 09:00, log 03-01 12:00
      L6 rep A, no source: created 03-20, not contacted
    Outside the quarter: L7 (rep A, 2025-12-20) and L8 (rep B, 2026-04-02).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        new = new_test_user
        cls.rep_a = new(
            cls.env, "fr_rep_a", "sales_team.group_sale_salesman", name="Rep A", tz="UTC"
        )
        cls.rep_b = new(
            cls.env, "fr_rep_b", "sales_team.group_sale_salesman", name="Rep B", tz="UTC"
        )
        cls.rep_c = new(
            cls.env, "fr_rep_c", "sales_team.group_sale_salesman", name="Rep C", tz="UTC"
        )
        cls.manager = new(
            cls.env, "fr_manager", "sales_team.group_sale_manager", name="Funnel Manager", tz="UTC"
        )
        cls.team_1 = cls.env["crm.team"].create(
            {
                "name": "Team East",
                "crm_team_member_ids": [
                    (0, 0, {"user_id": cls.rep_a.id}),
                    (0, 0, {"user_id": cls.rep_b.id}),
                ],
            }
        )
        cls.team_2 = cls.env["crm.team"].create(
            {"name": "Team North", "crm_team_member_ids": [(0, 0, {"user_id": cls.rep_c.id})]}
        )
        cls.expo = cls.env["utm.source"].create(
            {"name": "展会 Expo", "followup_code_prefix": "FEXPO"}
        )
        cls.web = cls.env["utm.source"].create({"name": "官网 Web"})
        cls.manufacturing = cls.env["res.partner.industry"].create({"name": "制造 Manufacturing"})
        cls.food = cls.env["res.partner.industry"].create({"name": "Food"})
        cls.reason_1 = cls.env.ref("crm.lost_reason_1")
        cls.reason_2 = cls.env.ref("crm.lost_reason_2")
        cls.teams = cls.team_1 | cls.team_2

        cls.l1 = cls._lead(
            "L1", "2026-01-05 09:00:00", cls.rep_a, cls.expo, cls.manufacturing, 100000
        )
        cls.l2 = cls._lead("L2", "2026-01-10 09:00:00", cls.rep_a, cls.web, cls.food, 50000)
        cls.l3 = cls._lead("L3", "2026-02-01 09:00:00", cls.rep_b, cls.expo, cls.food, 80000)
        cls.l4 = cls._lead(
            "L4", "2026-02-15 09:00:00", cls.rep_b, cls.web, cls.manufacturing, 30000
        )
        cls.l5 = cls._lead(
            "L5", "2026-03-01 09:00:00", cls.rep_c, cls.expo, cls.manufacturing, 20000
        )
        cls.l6 = cls._lead("L6", "2026-03-20 09:00:00", cls.rep_a, None, None, 10000)
        cls.l7 = cls._lead("L7", "2025-12-20 09:00:00", cls.rep_a, cls.expo, None, 5000)
        cls.l8 = cls._lead("L8", "2026-04-02 09:00:00", cls.rep_b, cls.web, None, 7000)

        cls._log(cls.l1, cls.rep_a, "2026-01-05 15:00:00")
        cls._log(cls.l1, cls.rep_a, "2026-01-07 10:00:00")
        cls._log(cls.l2, cls.rep_a, "2026-01-12 10:00:00")
        cls._log(cls.l3, cls.rep_b, "2026-02-01 10:00:00")
        cls._log(cls.l3, cls.rep_b, "2026-02-10 10:00:00", responded=False)
        cls._log(cls.l5, cls.rep_c, "2026-03-01 12:00:00")
        with cls._frozen("2026-01-20 09:00:00"):
            cls.l1.with_user(cls.rep_a).action_set_won()
            cls.env.flush_all()
        with cls._frozen("2026-01-25 09:00:00"):
            cls.l2.with_user(cls.rep_a).action_set_lost(lost_reason_id=cls.reason_1.id)
            cls.env.flush_all()
        with cls._frozen("2026-03-01 09:00:00"):
            cls.l3.with_user(cls.rep_b).action_set_won()
            cls.env.flush_all()
        with cls._frozen("2026-03-10 09:00:00"):
            cls.l4.with_user(cls.rep_b).action_set_lost(lost_reason_id=cls.reason_2.id)
            cls.env.flush_all()
        cls.q1 = (date(2026, 1, 1), date(2026, 3, 31))

    @classmethod
    def _enable_pool(cls, since, days_a=3650):
        """The customer pool switched on from ``since``: leads of grade A return to it after
        ``days_a`` days without a contact, the others (and missed follow-ups) practically never."""
        ICP = cls.env["ir.config_parameter"].sudo()
        for key, value in {
            "pool_enabled": "True",
            "pool_enabled_date": since,
            "pool_days_a": str(days_a),
            "pool_days_b": "3650",
            "pool_days_c": "3650",
            "pool_missed_count": "50",
        }.items():
            ICP.set_param(f"sales_followup.{key}", value)

    @classmethod
    @contextmanager
    def _frozen(cls, when):
        with freeze_time(when), patch.object(cls.env.cr, "now", lambda: datetime.now()):
            yield

    @classmethod
    def _lead(cls, name, when, user, source, industry, revenue):
        partner = cls.env["res.partner"].create(
            {
                "name": f"Customer {name}",
                "industry_id": industry.id if industry else False,
                "is_company": True,
            }
        )
        with cls._frozen(when):
            lead = (
                cls.env["crm.lead"]
                .with_user(cls.manager)
                .create(
                    {
                        "name": name,
                        "type": "opportunity",
                        "user_id": user.id,
                        "team_id": (cls.team_2 if user == cls.rep_c else cls.team_1).id,
                        "source_id": source.id if source else False,
                        "partner_id": partner.id,
                        "expected_revenue": revenue,
                        "followup_grade": "b",
                    }
                )
            )
            cls.env.flush_all()
        return lead

    @classmethod
    def _log(cls, lead, user, when, responded=True):
        with cls._frozen(when):
            cls.env["sales.followup.log"].with_user(user).create(
                {
                    "lead_id": lead.id,
                    "date": when,
                    "summary": f"Contact on {when}",
                    "customer_responded": responded,
                }
            )
            cls.env.flush_all()

    def _wizard(self, user=None, **vals):
        values = {
            "date_from": self.q1[0],
            "date_to": self.q1[1],
            "team_ids": [(6, 0, self.teams.ids)],
            "breakdown": "source_id",
        }
        values.update(vals)
        return (
            self.env["sales.followup.funnel.wizard"].with_user(user or self.manager).create(values)
        )
