"""The fixture of the customer pool's tests: a team of another salesperson, the pool switched
on with its settings, a lead sent back to the pool, a run of the reclaim cron."""

from .common import FollowupCommon


class PoolCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_team_user = cls._user("sf_other_team", "Zhou Other Team", "group_sale_salesman")
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "North China Sales",
                "crm_team_member_ids": [(0, 0, {"user_id": cls.other_team_user.id})],
            }
        )

    def _enable_pool(self, since="2026-03-01", **settings):
        self._set_param("pool_enabled", "True")
        self._set_param("pool_enabled_date", since)
        for key, value in settings.items():
            self._set_param(key, str(value))

    def _current_period(self, lead):
        return self.env["sales.followup.ownership"].search(
            [("lead_id", "=", lead.id), ("date_to", "=", False)]
        )

    def _pool_notices(self, leads):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("message_type", "=", "user_notification"),
                ("author_id", "=", self.env.ref("base.partner_root").id),
            ]
        )

    def _reclaim(self, when):
        with self.frozen(when):
            done = self.env["crm.lead"]._cron_followup_pool_reclaim()
            self.env.flush_all()
        return done

    def _pool_lead(self, user=None, **vals):
        """A lead of ``user`` (the salesman) sent back to the pool on 2026-03-05."""
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(user=user, **vals)
        with self.frozen("2026-03-05 09:00:00"):
            lead._followup_to_pool("released", {lead.id: "Outside my region"})
            self.env.flush_all()
        return lead
