import bisect
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, is_html_empty

from .crm_lead import FOLLOWUP_ACTIVITY_TYPE

# One concern per file, as Odoo itself splits large models (mail/models/discuss/): the follow-up
# engine (scheduling the leads' Follow-up activities, first contact, wake-up) is not the lead's
# fields, checks and actions of crm_lead.py.
# pylint: disable=consider-merging-classes-inherited

# How far past a rhythm's day the next working day is looked for (the longest public holidays,
# Spring Festival or National Day, are about a week; a month covers any calendar).
WORKDAY_LOOKAHEAD = 31


class CrmLead(models.Model):
    """The follow-up engine: each open lead with a salesperson has exactly one open Follow-up
    activity, due on the rhythm of its grade; this file schedules, moves, hands over and gives
    back those activities, and runs the first-contact and wake-up crons."""

    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Follow-up activities
    # ------------------------------------------------------------

    @api.model
    def _followup_activity_type_id(self):
        """Id of the Follow-up activity type (cached lookup, no existence query)."""
        return self.env["ir.model.data"]._xmlid_to_res_id(FOLLOWUP_ACTIVITY_TYPE)

    @api.model
    def _followup_activity_domain(self, lead_ids=None):
        """Domain of the open Follow-up activities of leads (of ``lead_ids`` when given)."""
        domain = [
            ("res_model", "=", self._name),
            ("activity_type_id", "=", self._followup_activity_type_id()),
        ]
        if lead_ids is not None:
            domain.append(("res_id", "in", list(lead_ids)))
        return domain

    @api.model
    def _followup_has_open_sql(self, lead_alias="lead", id_range=None):
        """SQL condition: the lead ``lead_alias`` has an open Follow-up activity (the same
        activities as _followup_activity_domain, for set-based queries). With ``id_range``
        (exclusive start, inclusive end) of the leads asked about, the activities are looked
        for in that range only: PostgreSQL then reads them by index instead of hashing all the
        activities of all leads for each batch."""
        self.env["mail.activity"].flush_model(["res_model", "res_id", "activity_type_id", "active"])
        return SQL(
            """EXISTS (
                SELECT 1 FROM mail_activity followup
                 WHERE followup.res_model = %s AND followup.res_id = %s
                   AND followup.activity_type_id = %s AND followup.active%s)""",
            self._name,
            SQL.identifier(lead_alias, "id"),
            self._followup_activity_type_id(),
            SQL(" AND followup.res_id > %s AND followup.res_id <= %s", id_range[0], id_range[1])
            if id_range
            else SQL(),
        )

    def _followup_open_activities(self):
        """Open Follow-up activities of these leads, in one query."""
        if not self.ids:
            return self.env["mail.activity"].sudo()
        return self.env["mail.activity"].sudo().search(self._followup_activity_domain(self.ids))

    def _followup_schedule(self, deadlines, fixed=False, activities=None, texts=None):
        """Give each lead exactly one open follow-up, due on deadlines[lead.id].

        An open follow-up is moved (and re-assigned to the lead's salesperson); a missing one is
        created. ``activities`` are the leads' open follow-ups when the caller already has them.
        ``texts`` ({lead id: (summary, note)}) say what to do: the summary (the rep's planned
        next action) replaces the type's default when given, the note (the last contact) comes
        before the type's default note.
        """
        if not self or self.env.context.get("mail_activity_automation_skip"):
            return
        Activity = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True, sales_followup_engine=True)
        )
        if activities is None:
            activities = self._followup_open_activities()
        by_lead = defaultdict(lambda: Activity.browse())
        for activity in activities:
            by_lead[activity.res_id] |= activity
        moves = defaultdict(lambda: Activity.browse())
        extra = Activity.browse()
        create_vals = []
        activity_type = self.env["mail.activity.type"].browse(self._followup_activity_type_id())
        model_id = self.env["ir.model"]._get_id(self._name)
        # The summary and note of a new follow-up are the activity type's, as activity_schedule
        # gives them, in the language of the salesperson who gets it: read once per language
        # (the salespeople themselves are read together, prefetched).
        defaults = {}
        texts = texts or {}
        rewrites = []
        for lead in self:
            deadline = deadlines[lead.id]
            user = lead.user_id or self.env.user
            user_id = user.id
            current = by_lead[lead.id]
            if current:
                keep, extra = current[0], extra | current[1:]
                if keep.date_deadline != deadline or keep.user_id.id != user_id:
                    moves[(deadline, user_id)] |= keep
                if lead.id in texts:
                    rewrites.append((keep, texts[lead.id]))
            else:
                lang = user.lang or self.env.lang
                if lang not in defaults:
                    translated = activity_type.with_context(lang=lang)
                    defaults[lang] = (translated.summary, translated.default_note)
                summary, note = defaults[lang]
                given_summary, given_note = texts.get(lead.id, (None, None))
                summary, note = given_summary or summary, _join_notes(given_note, note)
                create_vals.append(
                    {
                        "activity_type_id": activity_type.id,
                        "summary": summary,
                        "note": note,
                        "automated": True,
                        "date_deadline": deadline,
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "user_id": user_id,
                    }
                )
        extra.unlink()
        for (deadline, user_id), group in moves.items():
            group.with_context(sales_followup_engine=True).write(
                {"date_deadline": deadline, "user_id": user_id}
            )
        for activity, (summary, note) in rewrites:
            lang = activity.user_id.lang or self.env.lang
            if lang not in defaults:
                translated = activity_type.with_context(lang=lang)
                defaults[lang] = (translated.summary, translated.default_note)
            activity.write(
                {
                    "summary": summary or defaults[lang][0],
                    "note": _join_notes(note, defaults[lang][1]),
                }
            )
        if create_vals:
            Activity.create(create_vals)
        self.filtered(lambda lead: lead.followup_date_fixed != fixed).sudo().write(
            {"followup_date_fixed": fixed}
        )

    def _followup_on_working_days(self, days):
        """{lead id: days[lead id], or the first working day after it} by the working schedule
        of the lead's company (else the salesperson's company, else the current one) and its
        public holidays: what the rhythm computes never falls on a weekend or a holiday. One
        reading of each calendar for all the leads."""
        by_calendar = defaultdict(lambda: self.browse())
        for lead in self:
            company = lead.company_id or lead.user_id.company_id or self.env.company
            by_calendar[company.resource_calendar_id] |= lead
        result = {}
        for calendar, leads in by_calendar.items():
            first = min(days[lead.id] for lead in leads)
            last = max(days[lead.id] for lead in leads) + timedelta(days=WORKDAY_LOOKAHEAD)
            working = calendar._followup_working_days(first, last)
            for lead in leads:
                index = bisect.bisect_left(working, days[lead.id])
                result[lead.id] = working[index] if index < len(working) else days[lead.id]
        return result

    def _followup_local_date(self, value):
        """Calendar day of a UTC datetime in the user's timezone."""
        return fields.Datetime.context_timestamp(self, value).date()

    def _followup_trigger_first_contact(self):
        """Leads waiting for their first contact get their Follow-up activity from the
        first-contact cron, triggered at once: creating and assigning leads stays as cheap as in
        stock crm, and their first-contact due date shows meanwhile (followup_next_date)."""
        if any(
            lead.active and lead.user_id and lead.followup_status == "to_contact" for lead in self
        ):
            self.env.ref("sales_followup.ir_cron_followup_first_contact").sudo()._trigger()

    @api.model
    def _cron_followup_first_contact(self, batch_size=1000):
        """Schedule the first-contact Follow-up activity of assigned leads that have none."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        self.flush_model(["active", "user_id", "followup_status", "followup_next_date"])
        query = SQL(
            """
            SELECT lead.id
              FROM crm_lead lead
             WHERE lead.active
               AND lead.user_id IS NOT NULL
               AND lead.followup_status = 'to_contact'
               AND lead.followup_next_date IS NOT NULL
               AND NOT %s
          ORDER BY lead.id
            """,
            self._followup_has_open_sql("lead"),
        )
        done = 0
        while True:
            self.env.cr.execute(SQL("%s LIMIT %s", query, batch_size))
            leads = self.browse([row[0] for row in self.env.cr.fetchall()])
            if not leads:
                break
            leads._followup_schedule(
                {lead.id: lead.followup_next_date for lead in leads},
                activities=self.env["mail.activity"].sudo(),
            )
            done += len(leads)
            if in_cron:
                self.env.cr.execute(SQL("SELECT count(*) FROM (%s) todo", query))
                self.env["ir.cron"]._notify_progress(done=done, remaining=self.env.cr.fetchone()[0])
                break
        return done

    @api.model
    def _followup_restore_missing(self, id_range):
        """Open leads with a salesperson whose Follow-up is gone (deleted by hand) get one back,
        due on their next follow-up date when it is still to come, else today: a lead is never
        left without a follow-up. Leads in ``id_range`` (exclusive start, inclusive end).

        Converted customers that were in the database before the module (never given an
        after-sale revisit) are left as they are, and so are all the leads that were there
        until the install has adopted them (the install's post-init step, which runs after the
        demo data: a scan in the demo must not schedule them first).
        """
        adopted = bool(
            self.env["ir.config_parameter"].sudo().get_param("sales_followup.install_date")
        )
        self.flush_model(["active", "user_id", "followup_status", "followup_origin"])
        self.env.cr.execute(
            SQL(
                """
                SELECT lead.id FROM crm_lead lead
                 WHERE lead.id > %(start)s AND lead.id <= %(end)s
                   AND lead.active AND lead.user_id IS NOT NULL
                   AND lead.followup_status IN ('to_contact', 'in_progress', 'converted')
                   AND NOT (lead.followup_origin = 'existing'
                            AND (lead.followup_status = 'converted' OR NOT %(adopted)s))
                   AND NOT %(has_followup)s
                """,
                start=id_range[0],
                end=id_range[1],
                has_followup=self._followup_has_open_sql("lead", id_range),
                adopted=adopted,
            )
        )
        leads = self.browse([row[0] for row in self.env.cr.fetchall()])
        if not leads:
            return leads
        today = fields.Date.context_today(self)
        leads._followup_schedule(
            {lead.id: max(today, lead.followup_next_date or today) for lead in leads},
            activities=self.env["mail.activity"].sudo(),
        )
        return leads

    def _followup_reschedule_for_grade(self):
        """Move the open follow-ups that were not dated by hand to the new grade's rhythm,
        counted from the last contact and never before today."""
        leads = self.filtered(
            lambda lead: (
                lead.followup_status == "in_progress"
                and lead.followup_next_date
                and not lead.followup_date_fixed
            )
        )
        if not leads:
            return
        today = fields.Date.context_today(self)
        deadlines = {}
        for lead in leads:
            base = (
                lead._followup_local_date(lead.followup_last_date)
                if lead.followup_last_date
                else today
            )
            deadlines[lead.id] = max(today, base + timedelta(days=lead._followup_interval()))
        leads._followup_schedule(leads._followup_on_working_days(deadlines))

    def _followup_reassign(self):
        """Hand the open follow-ups to the new salesperson; a lead waiting for its first
        contact gets its first-contact follow-up."""
        leads = self.filtered("active")
        activities = leads._followup_open_activities()
        by_user = defaultdict(lambda: activities.browse())
        for activity in activities:
            lead = leads.browse(activity.res_id)
            if lead.user_id and activity.user_id != lead.user_id:
                by_user[lead.user_id.id] |= activity
        for user_id, group in by_user.items():
            group.with_context(mail_activity_quick_update=True).write({"user_id": user_id})
        leads._followup_trigger_first_contact()

    # ------------------------------------------------------------
    # Wake-up of dormant leads
    # ------------------------------------------------------------

    def _followup_wake_up(self):
        today = fields.Date.context_today(self)
        self.sudo().write(
            {
                "followup_status": "in_progress",
                "followup_wakeup_date": False,
                "followup_woken_date": today,
            }
        )
        self._followup_schedule(dict.fromkeys(self.ids, today))
        self._followup_apply_risk_rules()

    @api.model
    def _cron_followup_wakeup(self, batch_size=1000):
        """Bring dormant leads whose wake-up date has come back to Following.

        Processes one batch per call and reports progress to the cron runner, which commits
        and calls again while leads remain; called by hand, it loops until done.
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        domain = [
            ("followup_status", "=", "dormant"),
            ("followup_wakeup_date", "<=", fields.Date.context_today(self)),
        ]
        done = 0
        while True:
            leads = self.search(domain, limit=batch_size, order="id")
            if not leads:
                break
            leads._followup_wake_up()
            done += len(leads)
            if in_cron:
                remaining = self.search_count(domain)
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                break
        return done


def _join_notes(*notes):
    """The HTML notes given, one after the other (False when none)."""
    notes = [Markup(note) for note in notes if note and not is_html_empty(note)]
    return Markup("").join(notes) if notes else False
