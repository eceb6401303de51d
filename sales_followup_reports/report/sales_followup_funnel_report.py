from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.sales_followup.tools.input_check import is_id, shown
from odoo.addons.sales_followup.tools.lead_states import (
    FOLLOWUP_GRADES,
    FOLLOWUP_ORIGINS,
    FOLLOWUP_STATUSES,
)

# Dimensions the printable report can break the funnel down by: the choices of the print
# wizard's "Break Down By" field, whose selection translates the labels.
BREAKDOWNS = {
    "source_id": "Source",
    "industry_id": "Industry",
    "user_id": "Salesperson",
    "grade": "Grade",
}
# The cursor's mark of a block of statements that run without JIT compilation (_jit_off).
JIT_BLOCK = "sales_followup_reports.jit_off"


class SalesFollowupFunnelReport(models.Model):
    """One row per lead, with the follow-up figures the funnel reports aggregate.

    Every KPI of the addon is an aggregate of these columns (see readme/DESCRIPTION.md), so the
    pivot, the PDF and the XLSX give the same number for the same filter.
    """

    _name = "sales.followup.funnel.report"
    _inherit = ["sales.followup.input.guard"]
    _description = "Follow-up Funnel Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "start_date desc, id desc"
    _depends = {
        "crm.lead": [
            "active",
            "company_id",
            "create_date",
            "date_closed",
            "date_open",
            "expected_revenue",
            "followup_grade",
            "followup_in_pool",
            "followup_origin",
            "followup_start_date",
            "followup_last_date",
            "followup_next_date",
            "followup_postponed_from",
            "followup_risk_level",
            "followup_status",
            "lost_reason_id",
            "medium_id",
            "partner_id",
            "probability",
            "source_id",
            "stage_id",
            "team_id",
            "user_id",
        ],
        "crm.stage": ["is_won", "sequence"],
        "res.partner": ["industry_id"],
        "sales.followup.log": ["customer_responded", "date", "due_date", "lead_id", "on_rhythm"],
    }

    # Dimensions
    lead_id = fields.Many2one("crm.lead", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", readonly=True)
    grade = fields.Selection(FOLLOWUP_GRADES, readonly=True)
    followup_status = fields.Selection(FOLLOWUP_STATUSES, string="Follow-up Status", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    risk_level = fields.Selection(
        [("none", "None"), ("watch", "Watch"), ("high", "High")],
        string="Open Risk Level",
        readonly=True,
    )
    origin = fields.Selection(FOLLOWUP_ORIGINS, readonly=True)
    in_pool = fields.Boolean(
        string="In the Pool",
        readonly=True,
        help="The lead is in its team's pool (公海): nobody holds it.",
    )
    # Dates
    start_date = fields.Date(
        string="Lead Date",
        readonly=True,
        help="When the lead came in: the cohorts of the funnel are leads by lead date.",
    )
    create_date = fields.Datetime(string="Created On", readonly=True)
    first_contact_date = fields.Datetime(
        string="First Contact", readonly=True, help="Date of the lead's first follow-up log."
    )
    date_closed = fields.Datetime(string="Closed On", readonly=True)
    is_won = fields.Boolean(string="Won", readonly=True)
    is_lost = fields.Boolean(string="Lost", readonly=True)
    # Measures (0/1 columns sum to counts)
    nbr = fields.Integer(string="Leads", readonly=True, aggregator="sum")
    assigned = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the lead has a salesperson.",
    )
    contacted = fields.Integer(
        readonly=True,
        aggregator="sum",
        help="1 when the lead has at least one follow-up log.",
    )
    first_contact_tracked = fields.Integer(
        string="First Contact Measured",
        readonly=True,
        aggregator="sum",
        help="1 when the lead's assignment was recorded here: created in Odoo with Sales "
        "Follow-up and given to a salesperson (not imported, not there before the install).",
    )
    first_contact_on_time = fields.Integer(
        string="First Contact in Window",
        readonly=True,
        aggregator="sum",
        help="1 when the first follow-up log came within the first-contact window (24 hours by "
        "default) after the lead was assigned; only leads whose assignment was recorded here "
        "count.",
    )
    converted = fields.Integer(readonly=True, aggregator="sum", help="1 when the lead is won.")
    lost = fields.Integer(
        string="Lost Leads",
        readonly=True,
        aggregator="sum",
        help="1 when the lead was marked lost (archived with probability 0).",
    )
    expected_revenue = fields.Float(readonly=True, aggregator="sum")
    won_revenue = fields.Float(
        readonly=True,
        aggregator="sum",
        help="Expected revenue of the won leads.",
    )
    days_to_first_contact = fields.Float(
        string="Days to First Contact",
        readonly=True,
        aggregator="avg",
        help="Days from the lead date to the first follow-up log; empty for leads that were in "
        "Odoo before Sales Follow-up (their first contact was not logged here).",
    )
    cycle_days = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Won leads: days from the lead date to the closing date.",
    )
    cycle_count = fields.Integer(
        string="Won Leads with a Cycle",
        readonly=True,
        aggregator="sum",
        help="1 when the lead is won and has a closing date (cycle days known).",
    )
    log_count = fields.Integer(string="Follow-ups", readonly=True, aggregator="sum")
    unanswered_log_count = fields.Integer(
        string="Unanswered Follow-ups", readonly=True, aggregator="sum"
    )
    logs_due = fields.Integer(
        string="Follow-ups with a Due Date",
        readonly=True,
        aggregator="sum",
        help="Follow-up logs that answered a scheduled follow-up (they have a due date).",
    )
    logs_on_rhythm = fields.Integer(
        string="Follow-ups on Rhythm",
        readonly=True,
        aggregator="sum",
        help="Follow-up logs made on or before their due date.",
    )
    logs_late = fields.Integer(
        string="Follow-ups Late",
        readonly=True,
        aggregator="sum",
        help="Follow-up logs made after their due date.",
    )
    overdue_now = fields.Integer(
        string="Follow-up Overdue Now",
        readonly=True,
        aggregator="sum",
        help="1 when the lead's open follow-up is due before today (postponed: before its "
        "original due date).",
    )
    # Rates: averages of a 0/1 value over the rows of their denominator (NULL on the others)
    conversion_rate = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Won leads out of the leads (converted / leads).",
    )
    first_contact_rate = fields.Float(
        string="First Contact in Window Rate",
        readonly=True,
        aggregator="avg",
        help="Leads first contacted within the first-contact window out of the leads whose "
        "assignment was recorded here (first contact in window / first contact measured).",
    )
    on_rhythm_rate = fields.Float(
        string="On-rhythm Rate",
        readonly=True,
        aggregator="avg",
        help="Follow-ups made on or before their due date out of the follow-ups that answered "
        "a scheduled follow-up (follow-ups on rhythm / follow-ups with a due date).",
    )

    def init(self):
        # The rows are the model's query (``_table_query``), read where they are used: the SQL
        # view that earlier versions kept goes, so that it holds no column of the leads.
        tools.drop_view_if_exists(self.env.cr, self._table)

    # ------------------------------------------------------------
    # The rows' query, in parts another module extends (like sale.report): a column of its own
    # is a field of the same name and its SQL expression in ``_select_additional_fields``.
    # PostgreSQL plans the query inlined in each read, so that the read's filters and groups
    # reach the leads' table (a read that keeps a quarter reads the logs of that quarter only).
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
        tables of ``_from``: ``lead`` (crm_lead), ``partner`` (its res_partner) and ``logs``
        (its follow-up logs' aggregate)}."""
        return {}

    def _today(self):
        """Today in the user's time zone: a parameter of the query, never the database's
        clock, so that the figures follow the day the caller (and a test) lives in."""
        return fields.Date.context_today(self)

    def _first_contact_window(self):
        """The first-contact window in hours, read from the settings when the rows are read;
        a stored value that is not a number within the setting's bounds gives the default."""
        return self.env["sales.followup.settings"]._sql_int("first_contact_hours")

    def _lead_state(self):
        """SQL expressions of a lead (``lead``) the columns share, by name: ``is_won``,
        ``is_lost``, ``came_in`` (when it came in), ``tracked`` (its first contact is measured)
        and ``on_time`` (its first contact came within the window).

        They are written into the columns rather than joined, so that a read plans faster and
        a read that needs no stage figure does not join the stages."""
        is_won = SQL(
            # the won stages, looked up once per query
            "(lead.active AND COALESCE(lead.stage_id = ANY(ARRAY("
            "SELECT stage.id FROM crm_stage stage WHERE stage.is_won)), FALSE))"
        )
        # When the lead came in: its creation, or the start of its lead date when that falls
        # before its creation day (imported history, a date moved back by a manager or by an
        # earlier contact).
        came_in = SQL(
            """(CASE WHEN lead.followup_start_date < lead.create_date::date
                     THEN lead.followup_start_date::timestamp
                     ELSE lead.create_date
                END)"""
        )
        # The first contact is measured against the assignment only where the assignment was
        # recorded by Odoo with Sales Follow-up watching.
        tracked = SQL(
            """(lead.followup_origin = 'odoo' AND lead.user_id IS NOT NULL
                AND lead.date_open IS NOT NULL)"""
        )
        return {
            "is_won": is_won,
            "is_lost": SQL("(NOT lead.active AND COALESCE(lead.probability, 0) = 0)"),
            "came_in": came_in,
            "tracked": tracked,
            "on_time": SQL(
                """(%s AND logs.first_contact_date IS NOT NULL
                    AND logs.first_contact_date
                        <= GREATEST(lead.date_open, %s) + make_interval(hours => %s))""",
                tracked,
                came_in,
                self._first_contact_window(),
            ),
        }

    def _select(self):
        """The columns: one row per lead (``lead``), with its partner's industry and its
        logs' aggregate (``logs``, see ``_from``), then ``_select_additional_fields``."""
        columns = SQL(
            """
                   lead.id AS id,
                   lead.id AS lead_id,
                   lead.user_id,
                   lead.team_id,
                   lead.company_id,
                   lead.partner_id,
                   lead.source_id,
                   lead.medium_id,
                   partner.industry_id,
                   lead.followup_grade AS grade,
                   lead.followup_status,
                   lead.stage_id,
                   lead.lost_reason_id,
                   lead.followup_risk_level AS risk_level,
                   lead.followup_origin AS origin,
                   COALESCE(lead.followup_in_pool, FALSE) AS in_pool,
                   lead.followup_start_date AS start_date,
                   lead.create_date,
                   logs.first_contact_date,
                   lead.date_closed,
                   %(is_won)s AS is_won,
                   %(is_lost)s AS is_lost,
                   1 AS nbr,
                   (lead.user_id IS NOT NULL)::int AS assigned,
                   -- The leads' stored last-contact date says "contacted" without reading
                   -- the logs, so reads that need no log figure skip the log aggregate.
                   (lead.followup_last_date IS NOT NULL)::int AS contacted,
                   %(tracked)s::int AS first_contact_tracked,
                   %(on_time)s::int AS first_contact_on_time,
                   %(is_won)s::int AS converted,
                   %(is_lost)s::int AS lost,
                   COALESCE(lead.expected_revenue, 0) AS expected_revenue,
                   CASE WHEN %(is_won)s THEN COALESCE(lead.expected_revenue, 0) ELSE 0 END
                       AS won_revenue,
                   CASE WHEN lead.followup_origin <> 'existing'
                        THEN GREATEST(EXTRACT(EPOCH FROM logs.first_contact_date - %(came_in)s), 0)
                             / 86400.0
                   END AS days_to_first_contact,
                   CASE WHEN %(is_won)s AND lead.date_closed IS NOT NULL
                        THEN GREATEST(EXTRACT(EPOCH FROM lead.date_closed - %(came_in)s), 0)
                             / 86400.0
                   END AS cycle_days,
                   (%(is_won)s AND lead.date_closed IS NOT NULL)::int AS cycle_count,
                   COALESCE(logs.log_count, 0) AS log_count,
                   COALESCE(logs.unanswered_log_count, 0) AS unanswered_log_count,
                   COALESCE(logs.logs_due, 0) AS logs_due,
                   COALESCE(logs.logs_on_rhythm, 0) AS logs_on_rhythm,
                   COALESCE(logs.logs_due, 0) - COALESCE(logs.logs_on_rhythm, 0) AS logs_late,
                   (lead.active AND lead.followup_status IN ('in_progress', 'converted')
                    -- a postponed follow-up stays late from its original due date
                    AND COALESCE(lead.followup_postponed_from, lead.followup_next_date)
                        < %(today)s)::int AS overdue_now,
                   -- Rates as averages over the rows that make their denominator: a 0/1
                   -- value on those rows, NULL (ignored by AVG) on the others.
                   %(is_won)s::int::float AS conversion_rate,
                   CASE WHEN %(tracked)s THEN %(on_time)s::int::float END AS first_contact_rate,
                   -- The lead's own rate; grouped, its logs weigh (see _read_group_select).
                   logs.logs_on_rhythm::float / NULLIF(logs.logs_due, 0) AS on_rhythm_rate
            """,
            today=self._today(),
            **self._lead_state(),
        )
        additional = [
            SQL("%s AS %s", expression, SQL.identifier(name))
            for name, expression in self._select_additional_fields().items()
        ]
        return SQL(", ").join([columns, *additional])

    def _from(self):
        return SQL(
            """
                   crm_lead lead
              LEFT JOIN res_partner partner ON partner.id = lead.partner_id
              -- Per lead (an index lookup), so that a filtered read only aggregates the logs
              -- of the leads it keeps.
              LEFT JOIN LATERAL (
                    SELECT MIN(log.date) AS first_contact_date,
                           COUNT(*) AS log_count,
                           COUNT(*) FILTER (WHERE NOT log.customer_responded)
                               AS unanswered_log_count,
                           COUNT(*) FILTER (WHERE log.due_date IS NOT NULL) AS logs_due,
                           COUNT(*) FILTER (WHERE log.on_rhythm) AS logs_on_rhythm
                      FROM sales_followup_log log
                     WHERE log.lead_id = lead.id
                   ) logs ON TRUE
            """
        )

    def _where(self):
        return SQL()

    def _group_by(self):
        return SQL()

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        # A lead holds any number of follow-ups: the on-rhythm rate of a group weighs each
        # lead by its follow-ups with a due date (the rate of the group's follow-ups), as the
        # printed report does, instead of averaging the leads' own rates.
        if aggregate_spec == "on_rhythm_rate:avg":
            return SQL(
                "SUM(%s)::float / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, "logs_on_rhythm", query),
                self._field_to_sql(self._table, "logs_due", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        with self._jit_off():
            # Groups ordered by their many2one values (the pivot's order: stages in pipeline
            # order, salespeople by name) are sorted after the query: ordering in SQL joins the
            # stages, users and partners to every lead row and groups by their names, which
            # costs more than the aggregate itself.
            groupby = list(groupby)
            sorted_by = (
                self._read_group_m2o_order(groupby, order) if not (offset or limit) else None
            )
            if sorted_by is None:
                return super()._read_group(
                    domain, groupby, aggregates, having, offset, limit, order
                )
            rows = super()._read_group(domain, groupby, aggregates, having)
            ranks = [
                self._read_group_m2o_ranks(
                    self._fields[groupby[index]].comodel_name,
                    {row[index].id for row in rows if row[index]},
                )
                for index in sorted_by
            ]
            # Empty values last, as PostgreSQL sorts NULL in ascending order.
            rows.sort(
                key=lambda row: tuple(
                    rank.get(row[index].id, len(rank))
                    for index, rank in zip(sorted_by, ranks, strict=True)
                )
            )
            return rows

    @contextmanager
    def _jit_off(self):
        """PostgreSQL's JIT compilation off for the statements of the block, as it was after.

        The per-lead log aggregate makes PostgreSQL's cost estimate high enough to trigger JIT
        compilation, which takes longer (about 80 ms) than the query itself on 100,000 leads.
        Blocks nest: the outermost one turns it off and back (a printed report's reads share
        one block)."""
        cr = self.env.cr
        if cr.cache.get(JIT_BLOCK):
            yield
            return
        cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        previous = cr.fetchone()[0]
        cr.cache[JIT_BLOCK] = True
        try:
            yield
        finally:
            cr.cache.pop(JIT_BLOCK, None)
            # A failed statement leaves nothing to restore: its transaction is rolled back,
            # and the setting (local to it) with it.
            failed = cr.connection.info.transaction_status == TRANSACTION_STATUS_INERROR
            if previous != "off" and not failed:
                cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))

    @api.model
    def _read_group_m2o_order(self, groupby, order):
        """The positions in ``groupby`` of the terms of ``order`` when it sorts the groups by
        many2one groupby fields only, in ascending order of their models; None otherwise."""
        if not order:
            return None
        positions = []
        for term in order.split(","):
            term = term.strip()
            if term.upper().endswith(" ASC"):
                term = term[:-4].strip()
            field = self._fields.get(term)
            if term not in groupby or not field or field.type != "many2one":
                return None
            positions.append(groupby.index(term))
        return positions

    @api.model
    def _read_group_m2o_ranks(self, model_name, ids):
        """{id: position} of the records ``ids`` of ``model_name`` in the order of that model,
        as ``_read_group`` sorts many2one groups (archived records and record rules aside).
        Their display names, which read_group shows, are read in the same query."""
        if not ids:
            return {}
        comodel = self.env[model_name].sudo().with_context(active_test=False)
        ordered = comodel.search_fetch(
            [("id", "in", list(ids))], ["display_name"], order=comodel._order
        )
        return {record_id: position for position, record_id in enumerate(ordered.ids)}

    # ------------------------------------------------------------
    # The printed funnel's figures, over RPC (the report computes them)
    # ------------------------------------------------------------

    @api.model
    @api.readonly
    def get_funnel_data(self, domain, breakdown="source_id", closed_domain=None, pool=None):
        """Everything the printable funnel report shows: the cohort of ``domain`` (leads by
        lead date) and, with ``closed_domain``, what was closed in the period (won and lost
        leads by closing date, whenever they came in); with ``pool`` (the pool figures of the
        period, see ``sales.followup.pool.report._pool_figures``), the pool and each
        salesperson's claims, reclaims, releases and reclaim rate in the discipline table.
        See ``report.sales_followup_reports.report_followup_funnel._funnel_data``.

        Only reads: called over RPC, it runs on a database replica when there is one."""
        self._input_check_domain(domain, self.env._("Leads"))
        if closed_domain is not None:
            self._input_check_domain(closed_domain, self.env._("Closed Leads"))
        if not _pool_figures_shape(pool):
            raise UserError(
                self.env._(
                    "Pool: %(value)s are not the pool figures of a period.",
                    value=shown(pool),
                )
            )
        if not isinstance(breakdown, str) or breakdown not in BREAKDOWNS:
            raise UserError(
                self.env._(
                    "Break Down By: %(value)s is not one of %(allowed)s.",
                    value=shown(breakdown),
                    allowed=", ".join(BREAKDOWNS),
                )
            )
        Report = self.env["report.sales_followup_reports.report_followup_funnel"]
        return Report._funnel_data(domain, breakdown, closed_domain, pool)


def _pool_figures_shape(pool):
    """Whether ``pool`` is None or has the shape of ``_pool_figures``: figures by salesperson
    under their user ids (JSON, with its string keys, cannot send them)."""
    if pool is None:
        return True
    if not isinstance(pool, dict):
        return False
    by_user = pool.get("by_user") or {}
    return isinstance(by_user, dict) and all(
        (user_id is False or is_id(user_id)) and isinstance(figures, dict)
        for user_id, figures in by_user.items()
    )
