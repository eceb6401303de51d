from odoo import api, fields, models
from odoo.tools import SQL

OWNERSHIP_HOWS = [
    ("assigned", "Assigned"),
    ("claimed", "Claimed from the Pool"),
    ("reclaimed", "Reclaimed to the Pool"),
    ("released", "Released to the Pool"),
    ("reassigned", "Reassigned"),
]
# How a lead goes to the pool (the pool's own periods: no salesperson).
POOL_HOWS = ("reclaimed", "released")


class SalesFollowupOwnership(models.Model):
    """Who held a lead, from when to when, and how they got it: one row per period. A period of
    the pool has no salesperson (reclaimed or released); the current period has no end. Written
    by Sales Follow-up whenever a lead's salesperson changes, never by hand."""

    _name = "sales.followup.ownership"
    _inherit = ["sales.followup.input.guard"]
    _description = "Lead Ownership"
    _order = "lead_id, date_from desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one(
        "crm.lead", required=True, ondelete="cascade", index=True, readonly=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        readonly=True,
        help="Who held the lead in this period; empty while it was in the pool.",
    )
    from_user_id = fields.Many2one(
        "res.users",
        string="Previous Salesperson",
        index=True,
        readonly=True,
        help="Who held the lead before this period (the one it was taken from).",
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    date_from = fields.Datetime(string="From", required=True, index=True, readonly=True)
    date_to = fields.Datetime(
        string="To", index=True, readonly=True, help="Empty for the current period."
    )
    how = fields.Selection(OWNERSHIP_HOWS, required=True, index=True, readonly=True)
    reason = fields.Char(readonly=True)
    current = fields.Boolean(compute="_compute_current")

    @api.depends("date_to")
    def _compute_current(self):
        for row in self:
            row.current = not row.date_to

    def init(self):
        # At most one current period per lead.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS sales_followup_ownership_current_uniq "
                "ON sales_followup_ownership (lead_id) WHERE date_to IS NULL"
            )
        )

    @api.model
    def _record(self, changes, now):
        """Close the current periods of the leads of ``changes`` and open the new ones.

        ``changes``: list of (lead, previous user id or False, how, reason); ``how`` False
        closes the period without opening one (a lead left without a salesperson outside the
        pool). Two statements whatever the number of leads.
        """
        if not changes:
            return self.browse()
        self.flush_model()
        lead_ids = [lead.id for lead, _prev, _how, _reason in changes]
        self.env.cr.execute(
            SQL(
                "UPDATE sales_followup_ownership SET date_to = %(now)s, write_date = %(now)s, "
                "write_uid = %(uid)s WHERE lead_id = ANY(%(ids)s) AND date_to IS NULL",
                now=now,
                uid=self.env.uid,
                ids=lead_ids,
            )
        )
        self.invalidate_model(["date_to", "current"])
        return self.sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "user_id": lead.user_id.id,
                    "from_user_id": previous,
                    "team_id": lead.team_id.id,
                    "company_id": lead.company_id.id,
                    "date_from": now,
                    "how": how,
                    "reason": reason or False,
                }
                for lead, previous, how, reason in changes
                if how
            ]
        )

    @api.model
    def _backfill(self):
        """The current period of each lead held by a salesperson that has none yet (the leads
        that were there before the module, or before this release): from its assignment date,
        in one statement."""
        self.env["crm.lead"].flush_model(["user_id", "date_open", "team_id", "company_id"])
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sales_followup_ownership
                       (lead_id, user_id, team_id, company_id, date_from, how,
                        create_uid, write_uid, create_date, write_date)
                SELECT lead.id, lead.user_id, lead.team_id, lead.company_id,
                       COALESCE(lead.date_open, lead.create_date, %(now)s), 'assigned',
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM crm_lead lead
                 WHERE lead.user_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM sales_followup_ownership own
                                    WHERE own.lead_id = lead.id AND own.date_to IS NULL)
                """,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        self.invalidate_model()

    @api.model
    def _merge_into(self, master, merged):
        """Who held the ``merged`` leads stays in the ``master`` lead's ownership history, as
        ended periods."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE sales_followup_ownership SET lead_id = %(master)s, "
                "date_to = COALESCE(date_to, %(now)s) WHERE lead_id = ANY(%(ids)s)",
                master=master.id,
                now=fields.Datetime.now(),
                ids=merged.ids,
            )
        )
        self.invalidate_model(["lead_id", "date_to", "current"])
        master.invalidate_recordset(["followup_ownership_ids"])
