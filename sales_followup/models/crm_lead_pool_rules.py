from collections import defaultdict

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..compat import cron_progress

# The customer pool's rules (公海): when a held lead goes back to its team's pool, the nightly
# reclaim and the warnings before it. Who holds a lead and the doors in and out of the pool are
# in crm_lead_pool.py.
# pylint: disable=consider-merging-classes-inherited

POOL_BATCH_SIZE = 1000
OPEN_STATUSES = ("to_contact", "in_progress")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends(
        "active",
        "user_id",
        "user_id.tz",
        "followup_status",
        "followup_in_pool",
        "followup_grade",
        "followup_last_date",
        "followup_next_date",
        "followup_woken_date",
        "date_open",
    )
    def _compute_followup_reclaim_date(self):
        dates = self._followup_reclaim_dates()
        params = self._followup_pool_params()
        for lead in self:
            reclaim, today = dates.get(lead.id, (False, False))
            lead.followup_reclaim_date = reclaim
            lead.followup_reclaim_label = (
                self._followup_reclaim_label(reclaim, today)
                if reclaim and (reclaim - today).days <= params["warning_days"]
                else False
            )

    def _search_followup_reclaim_date(self, operator, value):
        if operator not in ("<", "<=", ">", ">=", "=") or not value:
            raise UserError(
                _(
                    "Returns to the Pool On: search it with <, <=, >, >= or = and a date "
                    "(got %(operator)s %(value)r).",
                    operator=operator,
                    value=value,
                )
            )
        try:
            day = fields.Date.to_date(value)
        except (TypeError, ValueError):
            raise UserError(
                _("Returns to the Pool On: %(value)r is not a date.", value=value)
            ) from None
        params = self._followup_pool_params()
        if not params["enabled"]:
            return [("id", "=", False)]
        query = SQL(
            "(SELECT lead.id FROM %s WHERE %s AND %s %s %s)",
            self._followup_pool_from_sql(),
            self._followup_pool_eligible_sql(),
            self._followup_reclaim_date_sql(params),
            SQL(operator),
            day,
        )
        return [("id", "in", query)]

    # ------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------

    @api.model
    def _followup_pool_params(self):
        """The pool settings, read once: the rules apply from the day they were switched on (the
        leads that were there get the full delay, not a reclaim on the first night)."""
        Settings = self.env["sales.followup.settings"]
        since = Settings._get_date("pool_enabled_date")
        return {
            "enabled": Settings._get_bool("pool_enabled"),
            "since": since or fields.Date.context_today(self),
            "days": {grade: Settings._get_int(f"pool_days_{grade}") for grade in "abc"},
            "rhythm": Settings._rhythm(),
            "missed": Settings._get_int("pool_missed_count"),
            "warning_days": Settings._get_int("pool_warning_days"),
            "now": fields.Datetime.now(),
        }

    @api.model
    @tools.ormcache()
    def _followup_known_time_zones(self):
        """The time zone names PostgreSQL knows (read once per process: the view behind it
        reads the time zone files, tens of milliseconds)."""
        self.env.cr.execute("SELECT name FROM pg_timezone_names")
        return tuple(sorted(row[0] for row in self.env.cr.fetchall()))

    @api.model
    def _followup_pool_from_sql(self):
        """FROM clause: the leads ``lead`` with their salesperson's time zone (UTC when the
        salesperson has none, or one PostgreSQL does not know) and active flag (``owner``)."""
        return SQL(
            """crm_lead lead
               JOIN (SELECT users.id, users.active,
                            CASE WHEN partner.tz = ANY(%s) THEN partner.tz ELSE 'UTC' END AS tz
                       FROM res_users users
                       JOIN res_partner partner ON partner.id = users.partner_id) owner
                 ON owner.id = lead.user_id""",
            list(self._followup_known_time_zones()),
        )

    @api.model
    def _followup_pool_eligible_sql(self):
        """Open leads held by a salesperson: the ones the pool rules apply to. Converted
        customers never go back; dormant leads only once they woke up."""
        self.flush_model(
            [
                "active",
                "user_id",
                "followup_in_pool",
                "followup_status",
                "followup_grade",
                "followup_last_date",
                "date_open",
                "followup_woken_date",
                "followup_next_date",
                "followup_reclaim_warned_date",
            ]
        )
        return SQL(
            "lead.active AND lead.user_id IS NOT NULL AND lead.followup_in_pool IS NOT TRUE "
            "AND lead.followup_status IN %s",
            OPEN_STATUSES,
        )

    @api.model
    def _followup_local_today_sql(self, params):
        return SQL("(%s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE owner.tz)::date", params["now"])

    @api.model
    def _followup_reclaim_rules_sql(self, params):
        """{rule: SQL date expression}: the day each rule returns the lead ``lead`` to the pool,
        in its salesperson's time zone (NULL when the rule does not apply)."""

        def local(column):
            return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE owner.tz)::date", column)

        def by_grade(values):
            return SQL(
                "(CASE lead.followup_grade WHEN 'a' THEN %s WHEN 'b' THEN %s ELSE %s END)",
                values["a"],
                values["b"],
                values["c"],
            )

        since = params["since"]
        return {
            # The salesperson left: the lead goes back at once.
            "left": SQL(
                "CASE WHEN NOT owner.active THEN %s END", self._followup_local_today_sql(params)
            ),
            # No contact logged for N days (of the grade) since the last contact, the
            # assignment, the wake-up or the day the rules were switched on.
            "silent": SQL(
                "GREATEST(%s, %s, lead.followup_woken_date, %s::date) + %s",
                local(SQL("lead.followup_last_date")),
                local(SQL("COALESCE(lead.date_open, lead.create_date)")),
                since,
                by_grade(params["days"]),
            ),
            # K follow-ups of the grade's rhythm missed in a row: the open follow-up's due day,
            # and K - 1 more rhythms, passed without a contact.
            "missed": SQL(
                "CASE WHEN lead.followup_next_date IS NOT NULL "
                "THEN GREATEST(lead.followup_next_date, %s::date) + %s * %s + 1 END",
                since,
                params["missed"] - 1,
                by_grade(params["rhythm"]),
            ),
        }

    @api.model
    def _followup_reclaim_date_sql(self, params):
        rules = self._followup_reclaim_rules_sql(params)
        return SQL("LEAST(%s)", SQL(", ").join(rules.values()))

    def _followup_reclaim_dates(self):
        """{lead id: (return day, salesperson's today)} of these leads, in one query."""
        ids = [lead_id for lead_id in self.ids if isinstance(lead_id, int)]
        params = self._followup_pool_params()
        if not ids or not params["enabled"]:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT lead.id, %s, %s FROM %s WHERE lead.id = ANY(%s) AND %s",
                self._followup_reclaim_date_sql(params),
                self._followup_local_today_sql(params),
                self._followup_pool_from_sql(),
                ids,
                self._followup_pool_eligible_sql(),
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    @api.model
    def _followup_reclaim_label(self, reclaim, today):
        days = (reclaim - today).days
        if days <= 0:
            return _("Returns to the pool today")
        if days == 1:
            return _("Returns to the pool tomorrow")
        return _("Returns to the pool in %s days", days)

    @api.model
    def _followup_pool_candidates_sql(self, params, limit=None, with_total=False):
        """SELECT of the leads to reclaim now (due day reached) or to warn (within the warning
        days, not warned yet about that day): id, due day, the owner's today, the rule; and
        with ``with_total``, the number of all such leads (whatever the limit), so that one scan
        gives a batch and what is left."""
        rules = self._followup_reclaim_rules_sql(params)
        query = SQL(
            """
            SELECT id, reclaim, today, rule%(total)s FROM (
                SELECT lead.id, %(reclaim)s AS reclaim, %(today)s AS today,
                       lead.followup_reclaim_warned_date AS warned,
                       CASE WHEN %(left)s IS NOT NULL THEN 'left'
                            WHEN %(silent)s <= %(today)s THEN 'silent'
                            ELSE 'missed' END AS rule
                  FROM %(from)s
                 WHERE %(eligible)s
            ) candidate
             WHERE reclaim <= today + %(warning)s
               AND (reclaim <= today OR (%(warning)s > 0 AND warned IS DISTINCT FROM reclaim))
          ORDER BY id
            """,
            reclaim=self._followup_reclaim_date_sql(params),
            today=self._followup_local_today_sql(params),
            left=rules["left"],
            silent=rules["silent"],
            eligible=self._followup_pool_eligible_sql(),
            warning=params["warning_days"],
            total=SQL(", count(*) OVER () AS total") if with_total else SQL(),
            **{"from": self._followup_pool_from_sql()},
        )
        if limit:
            query = SQL("%s LIMIT %s", query, limit)
        return query

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_followup_pool_reclaim(self, batch_size=POOL_BATCH_SIZE):
        """Warn the salespeople whose leads return to the pool within the warning days, and
        return to the pool the leads whose day has come.

        Set-based: one query finds a batch of leads to warn or reclaim among all leads; the
        batch is written in a handful of statements. In the cron, each call handles one batch
        and reports progress (the runner commits and calls again); the leads handled leave the
        query, so a run stopped midway goes on where it stopped. Called by hand, it loops.
        """
        params = self._followup_pool_params()
        if not params["enabled"]:
            return 0
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        done = 0
        while True:
            # One scan of the leads gives the batch and, for the progress report, how many
            # are due in all (the leads handled leave the query).
            self.env.cr.execute(
                self._followup_pool_candidates_sql(params, limit=batch_size, with_total=True)
            )
            rows = self.env.cr.fetchall()
            if not rows:
                break
            total = rows[0][4]
            to_warn = {row[0]: (row[1], row[2]) for row in rows if row[1] > row[2]}
            to_reclaim = {row[0]: row[3] for row in rows if row[1] <= row[2]}
            self.sudo().browse(list(to_warn))._followup_warn_reclaim(to_warn)
            reclaim = self.sudo().browse(list(to_reclaim))
            reclaim._followup_to_pool(
                "reclaimed", reclaim._followup_reclaim_reasons(to_reclaim, params)
            )
            done += len(rows)
            if in_cron:
                cron_progress(self.env, done, remaining=total - len(rows))
                break
        return done

    def _followup_reclaim_reasons(self, rules, params):
        """{lead id: why the rule returned it}, in its salesperson's language."""
        reasons = {}
        for lead in self:
            user = lead.user_id
            lead = lead.with_context(lang=user.lang or self.env.lang)
            grade = (lead.followup_grade or "c").upper()
            rule = rules[lead.id]
            if rule == "left":
                reasons[lead.id] = _("%s no longer works here.", user.name)
            elif rule == "silent":
                reasons[lead.id] = _(
                    "no contact logged for %(days)s days (grade %(grade)s).",
                    days=params["days"][grade.lower()],
                    grade=grade,
                )
            else:
                reasons[lead.id] = _(
                    "%(count)s follow-ups missed in a row (grade %(grade)s, every %(rhythm)s "
                    "days).",
                    count=params["missed"],
                    grade=grade,
                    rhythm=params["rhythm"][grade.lower()],
                )
        return reasons

    def _followup_warn_reclaim(self, dates):
        """Tell each salesperson, in their language and the way they chose to be notified
        (inbox or e-mail), that a lead of theirs returns to the pool soon; once per return day.
        ``dates``: {lead id: (return day, salesperson's today)}. The e-mails go through the
        mail queue, sent by its cron right after this batch, not one by one within it."""
        if not self:
            return
        by_day = defaultdict(lambda: self.browse())
        for lead in self:
            by_day[dates[lead.id][0]] |= lead
            user = lead.user_id
            lead = lead.with_context(lang=user.lang or self.env.lang)
            reclaim, today = dates[lead.id]
            label = lead._followup_reclaim_label(reclaim, today)
            lead.message_notify(
                partner_ids=user.partner_id.ids,
                subject=_("%(label)s: %(lead)s", label=label, lead=lead.display_name),
                body=_(
                    "%(label)s (%(date)s) unless you log a contact with the customer.",
                    label=label,
                    date=format_date(lead.env, reclaim),
                ),
                email_layout_xmlid="mail.mail_notification_light",
                force_send=False,
            )
        for day, leads in by_day.items():
            leads.write({"followup_reclaim_warned_date": day})
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if queue:
            queue.sudo()._trigger()

    @api.model
    def _followup_held_by(self, users):
        """Open leads held by ``users`` (any company), read as the superuser."""
        return (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("user_id", "in", users.ids),
                    ("followup_status", "in", OPEN_STATUSES),
                    ("followup_in_pool", "=", False),
                ]
            )
        )
