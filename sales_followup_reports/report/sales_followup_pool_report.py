from datetime import datetime, time, timedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL, format_date, format_datetime

from odoo.addons.sales_followup.compat import AND
from odoo.addons.sales_followup.models.sales_followup_ownership import OWNERSHIP_HOWS, POOL_HOWS

# Age of the leads in the pool: (upper bound in days or None, key of the figure).
POOL_AGE_BUCKETS = [(7, "age_under_7"), (30, "age_7_30"), (90, "age_30_90"), (None, "age_over_90")]


class SalesFollowupPoolReport(models.Model):
    """One row per period of a lead's ownership history, seen from the salesperson it counts
    for: the salesperson who held the lead (assigned, reassigned, claimed from the pool), or,
    for a period of the pool, the salesperson it was taken from (reclaimed) or who gave it back
    (released).

    Claims, reclaims and releases are the 0/1 columns of these rows by the date the period
    began, so the pivot, the PDF and the XLSX give the same counts for the same filter.
    """

    _name = "sales.followup.pool.report"
    _inherit = ["sales.followup.input.guard"]
    _description = "Pool Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, id desc"
    _depends = {
        "crm.lead": ["active", "date_closed"],
        "sales.followup.ownership": [
            "company_id",
            "date_from",
            "date_to",
            "from_user_id",
            "how",
            "lead_id",
            "reason",
            "team_id",
            "user_id",
        ],
    }

    # Dimensions
    lead_id = fields.Many2one("crm.lead", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="Who held the lead in this period; for a period of the pool, who it was taken from "
        "or who gave it back.",
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    how = fields.Selection(OWNERSHIP_HOWS, readonly=True)
    reason = fields.Char(readonly=True)
    date = fields.Datetime(string="From", readonly=True, help="When the period began.")
    date_to = fields.Datetime(string="To", readonly=True, help="Empty for the current period.")
    holding = fields.Boolean(
        string="Held by the Salesperson",
        readonly=True,
        help="The salesperson held the lead in this period (it was not in the pool).",
    )
    pool_period = fields.Boolean(
        string="Period in the Pool", readonly=True, help="The lead was in the pool in this period."
    )
    lead_active = fields.Boolean(readonly=True)
    date_closed = fields.Datetime(
        string="Lead Closed On", readonly=True, help="When the lead was won or lost."
    )
    # Measures (0/1 columns sum to counts)
    claims = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the salesperson claimed the lead from the pool.",
    )
    reclaims = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the lead went back to the pool from the salesperson by the pool rules or a "
        "hand-over.",
    )
    releases = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the salesperson gave the lead back to the pool.",
    )
    in_pool_now = fields.Integer(
        string="In the Pool Now",
        readonly=True,
        aggregator="sum",
        help="1 when the lead is in the pool now (an open lead whose period in the pool has not "
        "ended).",
    )
    pool_days = fields.Float(
        string="Days in the Pool",
        readonly=True,
        aggregator="avg",
        help="Periods in the pool: days from when the lead went to the pool until it was taken "
        "(until now for the leads still there).",
    )

    def init(self):
        # The rows are the model's query (``_table_query``), read where they are used: the SQL
        # view that earlier versions kept goes.
        tools.drop_view_if_exists(self.env.cr, self._table)

    # ------------------------------------------------------------
    # The rows' query, in parts another module extends (like sale.report): a column of its own
    # is a field of the same name and its SQL expression in ``_select_additional_fields``.
    # ------------------------------------------------------------

    @api.depends("lead_id")
    def _compute_display_name(self):
        # A row is named after its lead, as its many2one shows it (Odoo names a many2one's
        # record whoever reads it): a row the user sees may be of a lead in the pool.
        for row in self:
            row.display_name = row.lead_id.sudo().display_name

    @property
    def _table_query(self):
        return self._query()

    def _query(self):
        where, group_by = self._where(), self._group_by()
        return SQL(
            "SELECT %s FROM %s%s%s",
            self._select(),
            self._from(),
            SQL(" WHERE %s", where) if where else SQL(),
            SQL(" GROUP BY %s", group_by) if group_by else SQL(),
        )

    def _select_additional_fields(self):
        """Columns another module adds: {field name: its SQL expression (``SQL``) over the
        tables of ``_from``: ``own`` (sales_followup_ownership) and ``lead`` (crm_lead)}."""
        return {}

    def _now(self):
        """Now, a parameter of the query (never the database's clock), so that the days in
        the pool follow the moment the caller (and a test) lives in."""
        return fields.Datetime.now()

    def _select(self):
        columns = SQL(
            """
                   own.id AS id,
                   own.lead_id,
                   CASE WHEN own.how IN %(pool)s THEN own.from_user_id ELSE own.user_id END
                       AS user_id,
                   own.team_id,
                   own.company_id,
                   own.how,
                   own.reason,
                   own.date_from AS date,
                   own.date_to,
                   own.user_id IS NOT NULL AS holding,
                   own.how IN %(pool)s AS pool_period,
                   lead.active AS lead_active,
                   lead.date_closed,
                   (own.how = 'claimed')::int AS claims,
                   (own.how = 'reclaimed')::int AS reclaims,
                   (own.how = 'released')::int AS releases,
                   (own.how IN %(pool)s AND own.date_to IS NULL AND lead.active)::int
                       AS in_pool_now,
                   CASE WHEN own.how IN %(pool)s
                        THEN EXTRACT(EPOCH FROM COALESCE(own.date_to, %(now)s) - own.date_from)
                             / 86400.0
                   END AS pool_days
            """,
            pool=POOL_HOWS,
            now=self._now(),
        )
        additional = [
            SQL("%s AS %s", expression, SQL.identifier(name))
            for name, expression in self._select_additional_fields().items()
        ]
        return SQL(", ").join([columns, *additional])

    def _from(self):
        return SQL(
            """
                   sales_followup_ownership own
              JOIN crm_lead lead ON lead.id = own.lead_id
            """
        )

    def _where(self):
        return SQL()

    def _group_by(self):
        return SQL()

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        # A row is a move of the salesperson's own: exported as it is read, with the name of
        # its lead (which read gives as the superuser) even when the lead is no longer theirs
        # to open (back in the pool, or claimed by a colleague since); only the rows they may
        # read.
        if not _is_toplevel_call or self.env.su:
            return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
        self.check_access("read")
        return super(SalesFollowupPoolReport, self.sudo())._export_rows(fields)

    # ------------------------------------------------------------
    # Figures of the printable report (one definition for the PDF and the XLSX)
    # ------------------------------------------------------------

    @api.model
    def _pool_figures(self, date_from, date_to, team_ids=(), user_ids=()):
        """The pool's figures for the period from ``date_from`` to ``date_to`` (dates, whole
        days in UTC like the funnel's closing dates), within the chosen teams and salespeople;
        record rules keep a salesperson to the rows he may see.

        - ``pool``: the pool at the end of the period, or now when the period has not ended
          (``as_of``): the open leads in a team's pool at that moment, per team, with their age
          (days since they went to the pool: average, and how many under 7 days, 7 to 30, 30 to
          90, 90 days and more). The salespeople filter does not apply: pool leads have none.
        - ``by_user``: per salesperson (user id), for the period: ``claims`` (leads claimed
          from the pool), ``reclaims`` (leads the pool rules or a hand-over took back from him
          or her), ``releases`` (leads he or she gave back to the pool), ``held_leads`` (leads
          held at any time in the period, each counted once), ``reclaimed_leads`` (leads
          reclaimed, each counted once) and ``reclaim_rate`` = reclaimed leads / held leads
          (None without a held lead). A lead won or lost before the period is not held in it;
          a lead reclaimed in the period was held in it, so the rate is at most 100%.

        Two grouped queries, whatever the number of salespeople and teams.
        """
        start = datetime.combine(date_from, time.min)
        end = datetime.combine(date_to + timedelta(days=1), time.min)
        now = fields.Datetime.now()
        as_of = min(end, now)
        scope = []
        if team_ids:
            scope.append(("team_id", "in", list(team_ids)))
        # The rows are read from these tables by SQL: pending writes first.
        self.env["sales.followup.ownership"].flush_model()
        self.env["crm.lead"].flush_model(["active", "date_closed"])
        return {
            "as_of": as_of,
            "as_of_label": (
                format_datetime(self.env, as_of, dt_format="short")
                if as_of < end
                else format_date(self.env, date_to)
            ),
            "ended": as_of == end,
            **self._pool_size_figures(as_of, scope),
            "by_user": self._pool_user_figures(
                start, end, scope + ([("user_id", "in", list(user_ids))] if user_ids else [])
            ),
        }

    @api.model
    def _pool_user_defaults(self):
        """A salesperson's pool figures when he had no pool move and held no lead."""
        return {
            "claims": 0,
            "reclaims": 0,
            "reclaimed_leads": 0,
            "releases": 0,
            "held_leads": 0,
            "reclaim_rate": None,
        }

    @api.model
    def _pool_size_figures(self, as_of, scope):
        domain = scope + [
            ("pool_period", "=", True),
            ("lead_active", "=", True),
            ("date", "<=", as_of),
            "|",
            ("date_to", "=", False),
            ("date_to", ">", as_of),
        ]
        report = self
        if not self.env.user.has_group("sales_team.group_sale_salesman_all_leads"):
            # A salesperson with own documents reads only his own moves here, but the size of
            # the pool is what his pool shows: the pools of his teams (and the leads without a
            # team) in his companies, counted without naming a lead.
            uid = self.env.uid
            teams = (
                self.env["crm.team"]
                .sudo()
                .search(["|", ("user_id", "=", uid), ("crm_team_member_ids.user_id", "=", uid)])
            )
            report = self.sudo()
            domain += [
                ("team_id", "in", [*teams.ids, False]),
                ("company_id", "in", [*self.env.companies.ids, False]),
            ]
        query = report._search(domain)
        table = self._table
        age = SQL(
            "EXTRACT(EPOCH FROM %s::timestamp - %s) / 86400.0",
            as_of,
            SQL.identifier(table, "date"),
        )
        buckets, low = [], None
        for high, _key in POOL_AGE_BUCKETS:
            condition = [SQL("%s >= %s", age, low)] if low is not None else []
            if high is not None:
                condition.append(SQL("%s < %s", age, high))
            buckets.append(SQL("COUNT(*) FILTER (WHERE %s)", SQL(" AND ").join(condition)))
            low = high
        query.groupby = SQL.identifier(table, "team_id")
        self.env.cr.execute(
            query.select(
                SQL.identifier(table, "team_id"),
                SQL("COUNT(*)"),
                SQL("SUM(%s)::float", age),
                *buckets,
            )
        )
        rows = self.env.cr.fetchall()
        teams = self.env["crm.team"].browse([row[0] for row in rows if row[0]])
        names = {team.id: team.display_name for team in teams}

        def figures(label, count, age_sum, bucket_counts):
            return {
                "label": label,
                "count": count,
                "age_days": age_sum / count if count else None,
                **{key: n for (_high, key), n in zip(POOL_AGE_BUCKETS, bucket_counts, strict=True)},
            }

        by_team = sorted(
            (
                figures(names.get(team_id), count, age_sum or 0.0, bucket_counts)
                for team_id, count, age_sum, *bucket_counts in rows
            ),
            key=lambda row: (-row["count"], str(row["label"] or "")),
        )
        total = figures(
            self.env._("Total"),
            sum(row[1] for row in rows),
            sum(row[2] or 0.0 for row in rows),
            [sum(row[3 + i] for row in rows) for i in range(len(POOL_AGE_BUCKETS))],
        )
        return {"pool": {**total, "is_total": True}, "pool_by_team": by_team}

    @api.model
    def _pool_user_figures(self, start, end, scope):
        # Rows of the period: periods that overlap it (a move in the period begins a period
        # that overlaps it); the figures below pick their rows among these.
        overlap = [("date", "<", end), "|", ("date_to", "=", False), ("date_to", ">=", start)]
        query = self._search(AND([scope, overlap]))
        table = self._table

        def column(name):
            return SQL.identifier(table, name)

        in_period = SQL("%s >= %s AND %s < %s", column("date"), start, column("date"), end)
        reclaimed = SQL("%s AND %s = 'reclaimed'", in_period, column("how"))
        # Held in the period: a period of the salesperson's that overlaps it, unless the lead
        # was won or lost before it began; a lead reclaimed in the period was held in it.
        held = SQL(
            "(%s AND (%s IS NULL OR %s >= %s)) OR %s",
            column("holding"),
            column("date_closed"),
            column("date_closed"),
            start,
            reclaimed,
        )
        query.groupby = column("user_id")
        self.env.cr.execute(
            query.select(
                column("user_id"),
                SQL("COUNT(*) FILTER (WHERE %s AND %s = 'claimed')", in_period, column("how")),
                SQL("COUNT(*) FILTER (WHERE %s AND %s = 'reclaimed')", in_period, column("how")),
                SQL("COUNT(DISTINCT %s) FILTER (WHERE %s)", column("lead_id"), reclaimed),
                SQL("COUNT(*) FILTER (WHERE %s AND %s = 'released')", in_period, column("how")),
                SQL("COUNT(DISTINCT %s) FILTER (WHERE %s)", column("lead_id"), held),
            )
        )
        return {
            user_id or False: {
                "claims": claims,
                "reclaims": reclaims,
                "reclaimed_leads": reclaimed_leads,
                "releases": releases,
                "held_leads": held_leads,
                "reclaim_rate": reclaimed_leads / held_leads if held_leads else None,
            }
            for user_id, claims, reclaims, reclaimed_leads, releases, held_leads in (
                self.env.cr.fetchall()
            )
        }
