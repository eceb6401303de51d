from odoo import _, api, fields, models
from odoo.tools import SQL, format_date

# Escalation of neglected follow-ups is its own concern: which step an overdue follow-up has
# reached, and who is told. The lead's fields and actions stay in crm_lead.py.
# pylint: disable=consider-merging-classes-inherited

ESCALATION_LEVELS = [
    ("0", "None"),
    ("1", "Salesperson reminded"),
    ("2", "Team leader told"),
    ("3", "High risk"),
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    followup_escalation_level = fields.Selection(
        ESCALATION_LEVELS,
        string="Escalation",
        default="0",
        readonly=True,
        copy=False,
        help="How far the overdue follow-up was escalated: the salesperson reminded, then the "
        "team leader told, then the overdue risk made high (days in the CRM settings). Each "
        "step happens once for a given follow-up.",
    )
    followup_escalation_due = fields.Date(
        string="Escalated Follow-up Due",
        readonly=True,
        copy=False,
        help="Due date of the follow-up the escalation steps are about: a new follow-up starts "
        "again from no step.",
    )

    @api.model
    def _followup_escalation_params(self):
        Settings = self.env["sales.followup.settings"]
        since = Settings._get_date("escalation_since")
        return {
            "days": Settings._escalation_days(),
            # Days overdue count from the day escalation came in (the install, or the upgrade
            # to the release that brought it): old overdue follow-ups do not all notify at once.
            "since": since or fields.Date.context_today(self),
            "now": fields.Datetime.now(),
        }

    @api.model
    def _followup_escalation_sql(self, params, limit=None):
        """SELECT of the leads whose overdue follow-up reached an escalation step it has not
        had yet: id, the step reached, the step done before, days overdue (in the salesperson's
        time zone), and the count of all such leads."""
        remind, leader, high = params["days"]
        query = SQL(
            """
            SELECT id, target, done, overdue, count(*) OVER () FROM (
                SELECT lead.id, overdue.days AS overdue,
                       CASE WHEN overdue.days >= %(high)s THEN 3
                            WHEN overdue.days >= %(leader)s THEN 2
                            WHEN overdue.days >= %(remind)s THEN 1 ELSE 0 END AS target,
                       CASE WHEN lead.followup_escalation_due = lead.followup_next_date
                            THEN COALESCE(lead.followup_escalation_level, '0')::int
                            ELSE 0 END AS done
                  FROM %(from)s
                  CROSS JOIN LATERAL (
                      SELECT %(today)s - GREATEST(lead.followup_next_date, %(since)s::date) AS days
                  ) overdue
                 WHERE lead.active AND lead.followup_in_pool IS NOT TRUE
                   AND lead.followup_status IN ('to_contact', 'in_progress', 'converted')
                   AND lead.followup_next_date < %(today)s
            ) step
             WHERE target > done
          ORDER BY id
            """,
            remind=remind,
            leader=leader,
            high=high,
            since=params["since"],
            today=self._followup_local_today_sql(params),
            **{"from": self._followup_pool_from_sql()},
        )
        if limit:
            query = SQL("%s LIMIT %s", query, limit)
        return query

    @api.model
    def _followup_escalate(self, batch_size=1000):
        """Take one batch of overdue follow-ups to their next escalation step(s): remind the
        salesperson, tell the team leader (once, in their language, on the lead), make the
        overdue risk high; record the step on the lead. Returns (done, left)."""
        self.flush_model(
            [
                "active",
                "user_id",
                "team_id",
                "followup_in_pool",
                "followup_status",
                "followup_next_date",
                "followup_escalation_level",
                "followup_escalation_due",
            ]
        )
        params = self._followup_escalation_params()
        self.env.cr.execute(self._followup_escalation_sql(params, limit=batch_size))
        rows = self.env.cr.fetchall()
        if not rows:
            return 0, 0
        leads = self.sudo().browse([row[0] for row in rows])
        told = {}
        for (_id, target, done, overdue, _total), lead in zip(rows, leads, strict=True):
            if done < 1 <= target:
                lead._followup_notify_overdue(lead.user_id, overdue, leader=False)
            leader = lead.team_id.user_id
            if done < 2 <= target and leader and leader.active and leader != lead.user_id:
                lead._followup_notify_overdue(leader, overdue, leader=True)
            if done < 2 <= target and lead.user_id:
                told[lead] = overdue
        if told:
            # The team's group chat hears of it too (its robots' outbox).
            self.env["sales.followup.robot.post"]._post_escalations(told)
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET followup_escalation_level = step.target::varchar,
                       followup_escalation_due = lead.followup_next_date
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(targets)s::int[]) AS target)
                       step
                 WHERE lead.id = step.id
                """,
                ids=[row[0] for row in rows],
                targets=[row[1] for row in rows],
            )
        )
        leads.invalidate_recordset(["followup_escalation_level", "followup_escalation_due"])
        leads.filtered(
            lambda lead: lead.followup_escalation_level == "3"
        )._followup_apply_risk_rules()
        return len(rows), rows[0][4] - len(rows)

    def _followup_notify_overdue(self, user, days, leader):
        """A notification on the lead to ``user`` (inbox or e-mail, as they chose), in their
        language."""
        self.ensure_one()
        lead = self.with_context(lang=user.lang or self.env.lang)
        due = format_date(lead.env, self.followup_next_date)
        if leader:
            subject = _(
                "%(user)s has not followed up %(lead)s for %(days)s days",
                user=self.user_id.name,
                lead=self.display_name,
                days=days,
            )
            body = _(
                "The follow-up of %(lead)s was due on %(date)s and %(user)s has logged no "
                "contact since: %(days)s days overdue.",
                lead=self.display_name,
                date=due,
                user=self.user_id.name,
                days=days,
            )
        else:
            subject = _(
                "Follow-up overdue by %(days)s days: %(lead)s", days=days, lead=self.display_name
            )
            body = _(
                "The follow-up of %(lead)s was due on %(date)s. Log the contact, or postpone it "
                "with a reason.",
                lead=self.display_name,
                date=due,
            )
        lead.message_notify(
            partner_ids=user.partner_id.ids,
            subject=subject,
            body=body,
            email_layout_xmlid="mail.mail_notification_light",
            force_send=False,
        )
