from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import stage_in_team_sql, stage_shared_sql
from .utm_source import DEFAULT_LEAD_CODE_PREFIX

# One concern per file, as Odoo itself splits large models (mail/models/discuss/): the adoption
# of existing leads is not the lead's everyday follow-up engine of crm_lead.py.
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    """Leads that Sales Follow-up did not see being born: those already in the database when
    the module is installed (and, on an upgrade, those the previous release left untouched).

    They are brought under the follow-up rules in a handful of set-based statements, whatever
    their number: one pass over the leads, one insert of follow-ups.
    """

    _inherit = "crm.lead"

    @api.model
    def _followup_adopt_existing(self, scope):
        """Give the leads of ``scope`` (an SQL condition on ``lead``) what Sales Follow-up would
        have given them had it been there from the start:

        - the status read from Odoo's own state: won stage -> Converted; archived with a lost
          reason or a probability of 0 -> Lost; open with a done activity, a logged note or
          message, or a stage past the first of its pipeline -> Following; else To Follow Up;
        - the lead date: its creation day; the grade: C (nothing is qualified yet);
        - a lead code from its creation day, serials in creation order per source;
        - open leads with a salesperson and no follow-up: one, spread over their grade's rhythm
          from tomorrow, on working days (the earliest other open activity first, when sooner).

        Their history is not the salesperson's doing: the first-contact and silence rules count
        from today for them (``followup_origin`` = existing), so nothing is flagged at once.

        :return: number of leads adopted
        """
        self.env.flush_all()
        cr = self.env.cr
        # Creation days in the timezone of the company's administrator (the hooks run as the
        # superuser, whose timezone says nothing about the company).
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        tz = (admin and admin.tz) or self.env.user.tz or "UTC"
        self._followup_adopt_prepare_sequences(scope)
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE followup_adopt ON COMMIT DROP AS
                WITH first_stage AS (
                    -- The first stage of each team's pipeline (its own stages and the shared
                    -- ones), and of the shared pipeline (team NULL).
                    SELECT DISTINCT ON (team.id) team.id AS team_id, stage.id AS stage_id
                      FROM crm_team team
                      JOIN crm_stage stage ON %(stage_in_team)s
                  ORDER BY team.id, stage.sequence, stage.id
                ),
                shared_first_stage AS (
                    SELECT stage.id AS stage_id FROM crm_stage stage WHERE %(stage_shared)s
                  ORDER BY stage.sequence, stage.id LIMIT 1
                ),
                scoped AS (
                    SELECT lead.id,
                           lead.create_date,
                           (lead.create_date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
                           LEAST((lead.create_date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                                 (first_log.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date)
                               AS start_date,
                           lead.followup_code IS NULL AS needs_code,
                           COALESCE(seq.sequence_id, %(default_sequence)s) AS sequence_id,
                           COALESCE(seq.prefix, %(default_prefix)s) AS prefix,
                           CASE
                               -- What the module itself already decided stays (on an upgrade,
                               -- leads logged or closed since the previous release's install).
                               WHEN lead.followup_status <> 'to_contact'
                                    OR first_log.date IS NOT NULL
                                   THEN lead.followup_status
                               WHEN NOT lead.active
                                    AND (lead.lost_reason_id IS NOT NULL
                                         OR COALESCE(lead.probability, 0) = 0)
                                   THEN 'lost'
                               WHEN stage.is_won THEN 'converted'
                               WHEN lead.stage_id IS NOT NULL
                                    AND lead.stage_id <> COALESCE(
                                        first_stage.stage_id,
                                        (SELECT stage_id FROM shared_first_stage))
                                   THEN 'in_progress'
                               WHEN EXISTS (
                                        SELECT 1 FROM mail_message message
                                         WHERE message.model = 'crm.lead'
                                           AND message.res_id = lead.id
                                           AND (message.mail_activity_type_id IS NOT NULL
                                                OR message.message_type = 'comment')
                                           AND message.author_id IS DISTINCT FROM %(bot)s)
                                 OR EXISTS (
                                        SELECT 1 FROM mail_activity done
                                         WHERE done.res_model = 'crm.lead'
                                           AND done.res_id = lead.id
                                           AND done.active IS FALSE)
                                   THEN 'in_progress'
                               ELSE 'to_contact'
                           END AS status
                      FROM crm_lead lead
                      LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                      LEFT JOIN first_stage ON first_stage.team_id = lead.team_id
                      LEFT JOIN followup_adopt_sequence seq ON seq.source_id = lead.source_id
                      LEFT JOIN LATERAL (
                            SELECT MIN(log.date) AS date FROM sales_followup_log log
                             WHERE log.lead_id = lead.id
                           ) first_log ON TRUE
                     WHERE %(scope)s
                )
                SELECT scoped.*,
                       CASE WHEN scoped.needs_code THEN
                           COALESCE(range.number_next, 1) - 1 + ROW_NUMBER() OVER (
                               PARTITION BY scoped.needs_code, scoped.sequence_id, scoped.day
                               ORDER BY scoped.create_date, scoped.id)
                       END AS serial
                  FROM scoped
                  LEFT JOIN LATERAL (
                        SELECT number_next FROM ir_sequence_date_range
                         WHERE sequence_id = scoped.sequence_id
                           AND date_from = scoped.day AND date_to = scoped.day
                      ORDER BY id LIMIT 1
                       ) range ON TRUE
                """,
                tz=tz,
                stage_in_team=stage_in_team_sql("stage", SQL("team.id")),
                stage_shared=stage_shared_sql("stage"),
                default_sequence=self.env.ref("sales_followup.ir_sequence_lead_code").id,
                default_prefix=DEFAULT_LEAD_CODE_PREFIX,
                bot=self.env.ref("base.partner_root").id,
                scope=scope,
            )
        )
        cr.execute("SELECT count(*) FROM followup_adopt")
        count = cr.fetchone()[0]
        if not count:
            cr.execute("DROP TABLE followup_adopt, followup_adopt_sequence")
            return 0
        cr.execute(
            """
            UPDATE crm_lead lead
               SET followup_status = adopt.status,
                   followup_start_date = adopt.start_date,
                   followup_grade = COALESCE(lead.followup_grade, 'c'),
                   followup_origin = 'existing',
                   followup_code = CASE WHEN adopt.needs_code THEN
                       adopt.prefix || '-' || to_char(adopt.day, 'YYYYMMDD') || '-'
                       || CASE WHEN length(adopt.serial::text) >= seq.padding
                               THEN adopt.serial::text
                               ELSE lpad(adopt.serial::text, seq.padding, '0') END
                       ELSE lead.followup_code END
              FROM followup_adopt adopt
              JOIN ir_sequence seq ON seq.id = adopt.sequence_id
             WHERE lead.id = adopt.id
            """
        )
        # The serials handed out: each day's range goes on after the last one.
        cr.execute(
            """
            CREATE TEMP TABLE followup_adopt_range ON COMMIT DROP AS
            SELECT sequence_id, day, MAX(serial) + 1 AS number_next
              FROM followup_adopt WHERE needs_code GROUP BY sequence_id, day;
            UPDATE ir_sequence_date_range range
               SET number_next = GREATEST(range.number_next, used.number_next)
              FROM followup_adopt_range used
             WHERE range.sequence_id = used.sequence_id
               AND range.date_from = used.day AND range.date_to = used.day;
            INSERT INTO ir_sequence_date_range
                   (sequence_id, date_from, date_to, number_next,
                    create_uid, write_uid, create_date, write_date)
            SELECT used.sequence_id, used.day, used.day, used.number_next,
                   %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM followup_adopt_range used
             WHERE NOT EXISTS (SELECT 1 FROM ir_sequence_date_range range
                                WHERE range.sequence_id = used.sequence_id
                                  AND range.date_from = used.day AND range.date_to = used.day);
            """,
            {"uid": self.env.uid},
        )
        self._followup_adopt_schedule()
        cr.execute("DROP TABLE followup_adopt, followup_adopt_sequence, followup_adopt_range")
        self.env.invalidate_all()
        return count

    @api.model
    def _followup_adopt_prepare_sequences(self, scope):
        """Temp table followup_adopt_sequence (source_id, sequence_id, prefix): the lead-code
        sequence of each source of the leads in ``scope`` that has a prefix of its own."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT DISTINCT lead.source_id
                  FROM crm_lead lead
                  JOIN utm_source source ON source.id = lead.source_id
                 WHERE %s AND lead.followup_code IS NULL
                   AND source.followup_code_prefix IS NOT NULL
                   AND source.followup_code_prefix <> %s
                """,
                scope,
                DEFAULT_LEAD_CODE_PREFIX,
            )
        )
        sources = self.env["utm.source"].browse([row[0] for row in cr.fetchall()])
        rows = [
            (source.id, source._followup_get_sequence().id, source.followup_code_prefix)
            for source in sources
        ]
        cr.execute(
            "CREATE TEMP TABLE followup_adopt_sequence "
            "(source_id int, sequence_id int, prefix varchar) ON COMMIT DROP"
        )
        if rows:
            cr.execute(
                SQL(
                    "INSERT INTO followup_adopt_sequence VALUES %s",
                    SQL(", ").join(SQL("(%s, %s, %s)", *row) for row in rows),
                )
            )

    @api.model
    def _followup_adopt_schedule(self):
        """One Follow-up for each open adopted lead with a salesperson and none yet: spread over
        its grade's rhythm from tomorrow on the company's working days, ranked by priority and
        expected revenue within each salesperson's leads, so that nobody starts with everything
        due the same day. A sooner open activity of another type (a call planned in stock Odoo)
        gives its date instead."""
        cr = self.env.cr
        Engine = self.env["sales.followup.engine"]
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE followup_adopt_todo ON COMMIT DROP AS
                SELECT lead.id, lead.user_id, lead.company_id, lead.followup_grade AS grade,
                       ROW_NUMBER() OVER w AS rank, COUNT(*) OVER w_all AS total
                  FROM followup_adopt adopt
                  JOIN crm_lead lead ON lead.id = adopt.id
                 WHERE lead.active AND lead.user_id IS NOT NULL
                   AND lead.followup_status IN ('to_contact', 'in_progress')
                   AND NOT %(has_followup)s
                WINDOW w AS (PARTITION BY lead.user_id, lead.company_id, lead.followup_grade
                             ORDER BY lead.priority DESC NULLS LAST,
                                      lead.expected_revenue DESC NULLS LAST, lead.id),
                       w_all AS (PARTITION BY lead.user_id, lead.company_id, lead.followup_grade)
                """,
                has_followup=Engine._has_open_sql("lead"),
            )
        )
        cr.execute("SELECT DISTINCT company_id, grade FROM followup_adopt_todo")
        groups = cr.fetchall()
        if not groups:
            cr.execute("DROP TABLE followup_adopt_todo")
            return
        today = fields.Date.context_today(self)
        days = Engine._spread_days({company_id for company_id, _grade in groups}, today)
        cr.execute(
            "CREATE TEMP TABLE followup_adopt_days "
            "(company_id int, grade varchar, days date[]) ON COMMIT DROP"
        )
        cr.execute(
            SQL(
                "INSERT INTO followup_adopt_days VALUES %s",
                SQL(", ").join(
                    SQL("(%s, %s, %s::date[])", company_id, grade, days[company_id, grade or "c"])
                    for company_id, grade in groups
                ),
            )
        )
        Engine._insert_planned(
            SQL(
                """
                SELECT todo.id, todo.user_id,
                       LEAST(
                           spread.days[1 + ((todo.rank - 1) * cardinality(spread.days))
                                           / todo.total],
                           (SELECT MIN(other.date_deadline) FROM mail_activity other
                             WHERE other.res_model = 'crm.lead' AND other.res_id = todo.id
                               AND other.active AND other.date_deadline >= %(today)s)
                       ) AS deadline
                  FROM followup_adopt_todo todo
                  JOIN followup_adopt_days spread
                    ON spread.company_id IS NOT DISTINCT FROM todo.company_id
                   AND spread.grade IS NOT DISTINCT FROM todo.grade
                """,
                today=today,
            )
        )
        cr.execute("DROP TABLE followup_adopt_todo, followup_adopt_days")
