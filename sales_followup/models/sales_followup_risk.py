from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..compat import STAGE_ROTTING_FIELDS, cron_progress, stage_rotting_sql
from ..tools.system_write import is_system, system_env
from .sales_followup_risk_type import AUTOMATIC_RISK_CODES

# Leads whose automatic risks are evaluated; dormant, lost and archived leads never are.
RULE_STATUSES = ("to_contact", "in_progress", "converted")
SCAN_BATCH_SIZE = 20000


class SalesFollowupRisk(models.Model):
    _name = "sales.followup.risk"
    _inherit = ["sales.followup.input.guard"]
    _description = "Follow-up Risk"
    _input_visible_fields = ("note",)
    _order = "state, date_raised desc, id desc"
    _rec_name = "type_id"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    user_id = fields.Many2one(related="lead_id.user_id", string="Salesperson")
    type_id = fields.Many2one(
        "sales.followup.risk.type", string="Risk", required=True, ondelete="restrict", index=True
    )
    severity = fields.Selection(related="type_id.severity")
    automatic = fields.Boolean(related="type_id.automatic", string="Automatic")
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")],
        required=True,
        default="open",
        readonly=True,
        index=True,
    )
    date_raised = fields.Datetime(
        string="Raised On", required=True, default=fields.Datetime.now, readonly=True
    )
    date_resolved = fields.Datetime(string="Resolved On", readonly=True)
    note = fields.Text()
    raised_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        help="Who raised the risk by hand; empty when a rule raised it.",
    )

    def init(self):
        # At most one open risk per lead and type; resolved ones stay as history. The rules'
        # INSERT ... ON CONFLICT relies on this partial unique index.
        if not tools.index_exists(self.env.cr, "sales_followup_risk_open_uniq"):
            self.env.cr.execute(
                "CREATE UNIQUE INDEX sales_followup_risk_open_uniq "
                "ON sales_followup_risk (lead_id, type_id) WHERE state = 'open'"
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Risks raised by hand (rules write theirs in SQL, see _apply_rules)."""
        self._input_check_create(vals_list)
        types = self.env["sales.followup.risk.type"].browse(
            {vals.get("type_id") for vals in vals_list if vals.get("type_id")}
        )
        leads = self.env["crm.lead"].browse(
            {vals.get("lead_id") for vals in vals_list if vals.get("lead_id")}
        )
        for vals in vals_list:
            risk_type = types.browse(vals.get("type_id"))
            lead = leads.browse(vals.get("lead_id"))
            if not risk_type or not lead:
                raise ValidationError(_("Risk: a risk needs a lead and a risk type."))
            if risk_type.automatic:
                raise UserError(
                    _(
                        "Risk: '%s' is raised and resolved by the follow-up rules, not by hand.",
                        risk_type.name,
                    )
                )
            lead._followup_check_risk_allowed()
        self._check_no_open_duplicate(vals_list)
        vals_list = [
            dict(
                vals,
                state="open",
                raised_by_id=self.env.user.id,
                date_raised=fields.Datetime.now(),
                date_resolved=False,
            )
            for vals in vals_list
        ]
        risks = super().create(vals_list)
        for risk in risks:
            body = escape(_("Risk raised: %s", risk.type_id.name))
            if risk.note:
                body = Markup("%s<br/>%s") % (body, risk.note)
            # A note in the chatter, which needs no e-mail address of its author (salespeople
            # who sign in with a phone number have none).
            risk.lead_id._message_log(body=body, message_type="comment")
        self._refresh_leads(risks.lead_id)
        return risks

    def write(self, vals):
        self._input_check_write(vals)
        protected = {"lead_id", "type_id", "state", "raised_by_id", "date_raised", "date_resolved"}
        if protected & vals.keys() and not is_system(self.env):
            raise UserError(
                _(
                    "Risk: use Resolve to close a risk; its lead, type, dates and who raised it "
                    "do not change."
                )
            )
        return super().write(vals)

    @api.model
    def _check_no_open_duplicate(self, vals_list):
        keys = {(vals["lead_id"], vals["type_id"]) for vals in vals_list}
        if len(keys) < len(vals_list):
            raise ValidationError(_("Risk: the same risk is raised twice on one lead."))
        existing = self.sudo().search(
            [
                ("state", "=", "open"),
                ("lead_id", "in", [lead_id for lead_id, _type in keys]),
                ("type_id", "in", [type_id for _lead, type_id in keys]),
            ]
        )
        for risk in existing:
            if (risk.lead_id.id, risk.type_id.id) in keys:
                raise ValidationError(
                    _(
                        "Risk: %(lead)s already has an open '%(type)s' risk.",
                        lead=risk.lead_id.display_name,
                        type=risk.type_id.name,
                    )
                )

    def action_resolve(self):
        self._input_check_ids()
        for risk in self:
            if risk.state != "open":
                raise UserError(_("Risk: '%s' is already resolved.", risk.type_id.name))
            if risk.automatic:
                raise UserError(
                    _(
                        "Risk: '%s' is resolved by its rule (log a follow-up, or the next scan "
                        "clears it).",
                        risk.type_id.name,
                    )
                )
        system_env(self).write({"state": "resolved", "date_resolved": fields.Datetime.now()})
        for risk in self:
            risk.lead_id._message_log(
                body=escape(_("Risk resolved: %s", risk.type_id.name)), message_type="comment"
            )
        self._refresh_leads(self.lead_id)
        return True

    # ------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------

    @api.model
    def _rule_params(self):
        Settings = self.env["sales.followup.settings"]
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        rule_types = (
            self.env["sales.followup.risk.type"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("code", "in", AUTOMATIC_RISK_CODES), ("automatic", "=", True)],
                ["code", "active"],
            )
        )
        return {
            "now": now,
            "type_ids": {risk_type.code: risk_type.id for risk_type in rule_types},
            "active_codes": {risk_type.code for risk_type in rule_types if risk_type.active},
            "overdue_before": today - timedelta(days=Settings._get_int("risk_overdue_grace_days")),
            "long_overdue_from": today - timedelta(days=Settings._get_int("escalate_high_days")),
            "no_reply_count": Settings._get_int("risk_no_reply_count"),
            "silent_before": now - timedelta(days=Settings._get_int("risk_silent_days")),
            "first_contact_before": now - timedelta(hours=Settings._get_int("first_contact_hours")),
            "install_date": Settings._get_install_date(),
            "installed": Settings._is_installed(),
        }

    @api.model
    def _desired_risks_sql(self, scope, params):
        """SELECT (lead_id, type_id) of the automatic risks that must be open for the leads of
        ``scope`` (an SQL condition on ``lead``)."""
        rules = {
            # The open follow-up is past due by more than the grace days, and not yet by the
            # days of the last escalation step...
            "overdue": SQL(
                "lead.followup_status IN ('in_progress', 'converted') "
                "AND lead.followup_next_date < %s AND lead.followup_next_date > %s",
                params["overdue_before"],
                params["long_overdue_from"],
            ),
            # ...from when the overdue risk is a high one.
            "overdue_long": SQL(
                "lead.followup_status IN ('in_progress', 'converted') "
                "AND lead.followup_next_date <= %s",
                params["long_overdue_from"],
            ),
            # The last N logs all say the customer did not respond.
            "no_reply": SQL(
                "lead.followup_status = 'in_progress' AND lead.followup_unanswered_count >= %s",
                params["no_reply_count"],
            ),
            # No response for D days (since the lead was assigned when it never answered).
            # Leads that came with a history (there before the install, imported) are silent
            # only from when Sales Follow-up took them over: their past is nobody's doing now.
            # Converted customers count when an after-sale revisit is scheduled for them.
            "silent": SQL(
                """lead.followup_status IN ('in_progress', 'converted')
                   AND (lead.followup_status = 'in_progress'
                        OR lead.followup_next_date IS NOT NULL)
                   AND GREATEST(
                           COALESCE(lead.followup_last_response_date, lead.date_open,
                                    lead.create_date),
                           CASE lead.followup_origin
                               WHEN 'existing' THEN %s
                               WHEN 'import' THEN lead.create_date
                           END) < %s""",
                params["install_date"],
                params["silent_before"],
            ),
            # Assigned, never contacted, and the first-contact window is over. A lead that came
            # with a history was given a first follow-up spread over the rhythm: it is late when
            # that follow-up is overdue.
            "first_contact_late": SQL(
                """lead.followup_status = 'to_contact' AND lead.user_id IS NOT NULL
                   AND CASE WHEN lead.followup_origin = 'odoo'
                            THEN COALESCE(lead.date_open, lead.create_date) < %s
                            ELSE lead.followup_next_date < %s
                       END""",
                params["first_contact_before"],
                params["overdue_before"],
            ),
            # An open opportunity stayed in its stage past the stage's days to rot (Odoo's
            # "rotting", from 19.0 on): one signal on the card, the risk, not two. As for
            # silence, a lead that came with a history counts from the takeover.
            "stage_rotting": SQL(
                "lead.followup_status IN ('to_contact', 'in_progress') AND %s",
                stage_rotting_sql(
                    "lead",
                    params["now"],
                    # (The leads found at install are told apart when it ends: a scan during
                    # the install counts from now.)
                    SQL(
                        "CASE lead.followup_origin WHEN 'existing' THEN %s"
                        " WHEN 'import' THEN lead.create_date END",
                        params["install_date"],
                    )
                    if params["installed"]
                    else SQL("%s", params["now"]),
                ),
            ),
        }
        checks = [
            SQL("(%s, (%s))", params["type_ids"][code], condition)
            for code, condition in rules.items()
            if code in params["active_codes"]
        ]
        if not checks:
            return SQL("SELECT NULL::integer AS lead_id, NULL::integer AS type_id WHERE FALSE")
        # One pass over the leads of the scope, each lead checked against every rule: one
        # scan of the batch's range, not one per rule (each combining the range with a
        # bitmap of all the leads matching the rule's column).
        return SQL(
            """SELECT lead.id AS lead_id, rule.type_id
                 FROM crm_lead lead
                 CROSS JOIN LATERAL (VALUES %s) AS rule (type_id, holds)
                WHERE %s AND lead.active AND lead.followup_in_pool IS NOT TRUE
                  AND lead.followup_status IN %s AND rule.holds""",
            SQL(", ").join(checks),
            scope,
            RULE_STATUSES,
        )

    @api.model
    def _apply_rules(self, lead_ids=None, id_range=None):
        """Open the automatic risks whose rule holds and resolve those whose rule no longer
        holds, for the leads ``lead_ids`` or the lead ids in ``id_range`` (exclusive start,
        inclusive end). Set-based: the same handful of statements whatever the number of leads.

        :return: ids of the leads whose open risks changed
        """
        if lead_ids is not None and not lead_ids:
            return []
        self.env["crm.lead"].flush_model(
            [
                "active",
                "followup_status",
                "user_id",
                "date_open",
                "followup_next_date",
                "followup_unanswered_count",
                "followup_last_response_date",
                "followup_origin",
                "followup_in_pool",
                "company_id",
                *STAGE_ROTTING_FIELDS,
            ]
        )
        self.flush_model()
        params = self._rule_params()

        def scope(column):
            if lead_ids is not None:
                return SQL("%s = ANY(%s)", column, list(lead_ids))
            return SQL("%s > %s AND %s <= %s", column, id_range[0], column, id_range[1])

        desired = self._desired_risks_sql(scope(SQL("lead.id")), params)
        auto_type_ids = list(params["type_ids"].values()) or [0]
        # Open automatic risks of the scope. New and stale risks are set differences (EXCEPT),
        # which PostgreSQL plans with hashing or sorting whatever its statistics say: no
        # nested loop over a CTE when the risk table just grew or shrank.
        current = SQL(
            "SELECT risk.lead_id, risk.type_id FROM sales_followup_risk risk "
            "WHERE risk.state = 'open' AND risk.type_id = ANY(%s) AND %s",
            auto_type_ids,
            scope(SQL("risk.lead_id")),
        )
        uid = self.env.uid
        # One statement: the desired and the open risks are read once, then the new ones are
        # inserted and the stale ones resolved (different rows, the same snapshot).
        self.env.cr.execute(
            SQL(
                """
                WITH desired AS MATERIALIZED (%(desired)s),
                current AS MATERIALIZED (%(current)s),
                new_risk AS (
                    INSERT INTO sales_followup_risk
                           (lead_id, type_id, company_id, state, date_raised,
                            create_uid, write_uid, create_date, write_date)
                    SELECT new.lead_id, new.type_id, lead.company_id, 'open', %(now)s,
                           %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM ((SELECT lead_id, type_id FROM desired)
                            EXCEPT (SELECT lead_id, type_id FROM current)) new
                      JOIN crm_lead lead ON lead.id = new.lead_id
                    ON CONFLICT (lead_id, type_id) WHERE state = 'open' DO NOTHING
                    RETURNING lead_id
                ), stale AS (
                    UPDATE sales_followup_risk risk
                       SET state = 'resolved', date_resolved = %(now)s,
                           write_uid = %(uid)s, write_date = %(now)s
                      FROM ((SELECT lead_id, type_id FROM current)
                            EXCEPT (SELECT lead_id, type_id FROM desired)) old
                     WHERE risk.lead_id = old.lead_id
                       AND risk.type_id = old.type_id
                       AND risk.state = 'open'
                    RETURNING risk.lead_id
                )
                SELECT lead_id FROM new_risk UNION SELECT lead_id FROM stale
                """,
                desired=desired,
                current=current,
                now=params["now"],
                uid=uid,
            )
        )
        touched = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_model()
        if touched:
            leads = self.env["crm.lead"].browse(touched)
            self._refresh_leads(leads)
            if self.env["sales.followup.settings"]._get_bool("risk_auto_lost"):
                self._auto_lose(leads)
        return sorted(touched)

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_followup_risk_scan(self, batch_size=SCAN_BATCH_SIZE):
        """Apply the automatic rules to every lead, by ranges of lead ids, after giving back a
        follow-up to the open leads that lost theirs.

        In the cron, each call handles one batch and reports progress: the cron runner commits
        it and calls again, so a scan stopped midway keeps what it did and the next run goes on
        from the saved position. Called by hand, it runs all batches in this transaction.
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        Settings = self.env["sales.followup.settings"]
        # Each batch is a few short statements over a range of ids: compiling them (JIT, which
        # PostgreSQL starts on large estimates) costs more than running them.
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_lead")
        max_id = self.env.cr.fetchone()[0]
        position = Settings._get_position("risk_scan_position") if in_cron else 0
        if position >= max_id:
            position = 0
        done = 0
        while position < max_id:
            end = min(position + batch_size, max_id)
            self.env["sales.followup.engine"]._restore_missing(id_range=(position, end))
            self._apply_rules(id_range=(position, end))
            done += end - position
            position = end
            if in_cron:
                finished = position >= max_id
                Settings._set_position("risk_scan_position", 0 if finished else position)
                cron_progress(self.env, done, remaining=0 if finished else max_id - position)
                break
        if self.env["sales.followup.settings"]._get_bool("risk_auto_lost"):
            self._auto_lose(self.env["crm.lead"])
        return done

    # ------------------------------------------------------------
    # The leads' risk figures
    # ------------------------------------------------------------

    @api.model
    def _refresh_leads(self, leads):
        """Recompute the risk level, the lost-candidate flag and the open risk types of these
        ``leads`` from their open risks, in three statements. The open risks are read by the
        leads' ids on their own (not joined lead by lead), so that a scan batch of thousands of
        leads keeps its plan whatever PostgreSQL's statistics of the fast-growing risk table
        say at that moment."""
        if not leads.ids:
            return
        self.flush_model(["lead_id", "type_id", "state"])
        no_reply = self.env.ref("sales_followup.risk_type_no_reply", raise_if_not_found=False)
        ids = list(leads.ids)
        self.env.cr.execute(
            SQL(
                """
                WITH open_risk AS MATERIALIZED (
                    SELECT risk.lead_id,
                           MAX(CASE rtype.severity WHEN 'high' THEN 2 WHEN 'watch' THEN 1 END)
                               AS rank,
                           BOOL_OR(risk.type_id = %(no_reply)s) AS candidate
                      FROM sales_followup_risk risk
                      JOIN sales_followup_risk_type rtype ON rtype.id = risk.type_id
                     WHERE risk.lead_id = ANY(%(ids)s) AND risk.state = 'open'
                  GROUP BY risk.lead_id
                ), level AS (
                    SELECT lead.id,
                           CASE open_risk.rank WHEN 2 THEN 'high' WHEN 1 THEN 'watch'
                                ELSE 'none' END AS level,
                           COALESCE(open_risk.candidate, FALSE) AS candidate
                      FROM crm_lead lead
                      LEFT JOIN open_risk ON open_risk.lead_id = lead.id
                     WHERE lead.id = ANY(%(ids)s)
                )
                UPDATE crm_lead
                   SET followup_risk_level = level.level, followup_lost_candidate = level.candidate
                  FROM level
                 WHERE crm_lead.id = level.id
                   AND (crm_lead.followup_risk_level IS DISTINCT FROM level.level
                        OR crm_lead.followup_lost_candidate IS DISTINCT FROM level.candidate)
                """,
                ids=ids,
                no_reply=no_reply.id if no_reply else 0,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM crm_lead_followup_risk_type_rel rel
                 WHERE rel.crm_lead_id = ANY(%(ids)s)
                   AND NOT EXISTS (SELECT 1 FROM sales_followup_risk risk
                                    WHERE risk.lead_id = rel.crm_lead_id
                                      AND risk.type_id = rel.risk_type_id
                                      AND risk.lead_id = ANY(%(ids)s)
                                      AND risk.state = 'open')
                """,
                ids=ids,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lead_followup_risk_type_rel (crm_lead_id, risk_type_id)
                SELECT DISTINCT risk.lead_id, risk.type_id
                  FROM sales_followup_risk risk
                 WHERE risk.lead_id = ANY(%(ids)s) AND risk.state = 'open'
                ON CONFLICT DO NOTHING
                """,
                ids=ids,
            )
        )
        leads.invalidate_recordset(
            [
                "followup_risk_level",
                "followup_lost_candidate",
                "followup_risk_type_ids",
                "followup_risk_ids",
            ]
        )

    @api.model
    def _auto_lose(self, leads):
        """Mark lost, with the reason 'No response', the lost candidates among ``leads`` (all
        leads when given an empty recordset, from the scan)."""
        domain = [("followup_lost_candidate", "=", True), ("active", "=", True)]
        if leads.ids:
            domain.append(("id", "in", leads.ids))
        leads = self.env["crm.lead"].sudo().search(domain)
        if leads:
            leads.action_set_lost(
                lost_reason_id=self.env.ref("sales_followup.lost_reason_no_response").id
            )

    def _merge_into(self, master):
        """Move these risks of merged leads onto the ``master`` lead: open automatic risks
        become history (the rules re-raise what still holds); an open manual risk stays open
        unless the master already has one of its type."""
        open_types = set(master.followup_risk_ids.filtered(lambda r: r.state == "open").type_id.ids)
        to_resolve = self.browse()
        for risk in self.filtered(lambda risk: risk.state == "open").sorted("date_raised"):
            if risk.automatic or risk.type_id.id in open_types:
                to_resolve |= risk
            else:
                open_types.add(risk.type_id.id)
        to_resolve.write({"state": "resolved", "date_resolved": fields.Datetime.now()})
        self.write({"lead_id": master.id})
        master._followup_apply_risk_rules()
        self._refresh_leads(master)
