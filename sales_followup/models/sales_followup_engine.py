import bisect
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, is_html_empty

from ..compat import ACTIVITY_TYPE_KEEP_DONE, cron_progress
from ..tools import rhythm
from ..tools.system_write import system_env

FOLLOWUP_ACTIVITY_TYPE = "sales_followup.mail_activity_type_followup"
# The first-contact cron is triggered once per transaction (a key of the pre-commit data).
FIRST_CONTACT_TRIGGER = "sales_followup.first_contact_trigger"
# How far past a rhythm's day the next working day is looked for (the longest public holidays,
# Spring Festival or National Day, are about a week; a month covers any calendar).
WORKDAY_LOOKAHEAD = 31


class SalesFollowupEngine(models.AbstractModel):
    """The follow-up engine: each open lead with a salesperson has exactly one open Follow-up
    activity, due on the rhythm of its grade. Everything that dates, creates, moves or hands
    over a Follow-up goes through here: a logged contact, a grade change, a new salesperson, a
    claim from the pool, the first contact, a wake-up, a postponement, the adoption of the
    leads that were there before the install and the tracker import.

    The activities are written by the engine as the superuser (the salesperson may not own the
    activity being moved), with the values ``activity_schedule`` would give them: the type's
    summary and note in the language of the salesperson who gets it."""

    _name = "sales.followup.engine"
    _description = "Follow-up Engine"

    # ------------------------------------------------------------
    # The Follow-up activities
    # ------------------------------------------------------------

    @api.model
    def _type_id(self):
        """Id of the Follow-up activity type (cached lookup, no existence query)."""
        return self.env["ir.model.data"]._xmlid_to_res_id(FOLLOWUP_ACTIVITY_TYPE)

    @api.model
    def _keep_done_followups(self):
        """Done Follow-ups are kept (archived), never deleted: the discipline figures read
        their due and done dates. Set on the type where the series needs it (data file)."""
        if ACTIVITY_TYPE_KEEP_DONE:
            self.env.ref(FOLLOWUP_ACTIVITY_TYPE).write(ACTIVITY_TYPE_KEEP_DONE)

    @api.model
    def _open_domain(self, lead_ids=None):
        """Domain of the open Follow-up activities of leads (of ``lead_ids`` when given)."""
        domain = [("res_model", "=", "crm.lead"), ("activity_type_id", "=", self._type_id())]
        if lead_ids is not None:
            domain.append(("res_id", "in", list(lead_ids)))
        return domain

    @api.model
    def _has_open_sql(self, lead_alias="lead", id_range=None):
        """SQL condition: the lead ``lead_alias`` has an open Follow-up activity (the same
        activities as ``_open_domain``, for set-based queries). With ``id_range`` (exclusive
        start, inclusive end) of the leads asked about, the activities are looked for in that
        range only: PostgreSQL then reads them by index instead of hashing all the activities
        of all leads for each batch."""
        self.env["mail.activity"].flush_model(["res_model", "res_id", "activity_type_id", "active"])
        return SQL(
            """EXISTS (
                SELECT 1 FROM mail_activity followup
                 WHERE followup.res_model = 'crm.lead' AND followup.res_id = %s
                   AND followup.activity_type_id = %s AND followup.active%s)""",
            SQL.identifier(lead_alias, "id"),
            self._type_id(),
            SQL(" AND followup.res_id > %s AND followup.res_id <= %s", id_range[0], id_range[1])
            if id_range
            else SQL(),
        )

    @api.model
    def _open_activities(self, leads):
        """Open Follow-up activities of ``leads``, in one query."""
        Activity = self.env["mail.activity"].sudo()
        return Activity.search(self._open_domain(leads.ids)) if leads.ids else Activity

    @api.model
    def _activity_model(self):
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True, sales_followup_engine=True)
        )

    @api.model
    def _type_texts(self, langs):
        """{language: (summary, note)} of the Follow-up type, read once per language."""
        activity_type = self.env["mail.activity.type"].browse(self._type_id())
        result = {}
        for lang in langs:
            translated = activity_type.with_context(lang=lang)
            result[lang] = (translated.summary, translated.default_note)
        return result

    @api.model
    def _activity_values(self, leads, deadlines, texts=None):
        """The values of a new Follow-up for each lead of ``leads``, due on deadlines[lead.id],
        as ``activity_schedule`` would give them: the type's summary and note in the language
        of the salesperson (the current user when the lead has none). ``texts`` ({lead id:
        (summary, note)}): the summary replaces the type's when given, the note comes before
        the type's."""
        texts = texts or {}
        users = {lead.id: lead.user_id or self.env.user for lead in leads}
        defaults = self._type_texts({user.lang or self.env.lang for user in users.values()})
        type_id = self._type_id()
        model_id = self.env["ir.model"]._get_id("crm.lead")
        vals_list = []
        for lead in leads:
            user = users[lead.id]
            summary, note = defaults[user.lang or self.env.lang]
            given_summary, given_note = texts.get(lead.id, (None, None))
            vals_list.append(
                {
                    "activity_type_id": type_id,
                    "summary": given_summary or summary,
                    "note": join_notes(given_note, note),
                    "automated": True,
                    "date_deadline": deadlines[lead.id],
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "user_id": user.id,
                }
            )
        return vals_list

    @api.model
    def _schedule(self, leads, deadlines, fixed=False, activities=None, texts=None):
        """Give each lead of ``leads`` exactly one open Follow-up, due on deadlines[lead.id].

        An open Follow-up is moved (and re-assigned to the lead's salesperson); a missing one
        is created. ``activities`` are the leads' open Follow-ups when the caller already has
        them. ``texts`` ({lead id: (summary, note)}) say what to do (see ``_activity_values``).
        ``fixed``: the date was chosen by someone (the rhythm does not move it on a grade
        change)."""
        if not leads or self.env.context.get("mail_activity_automation_skip"):
            return
        Activity = self._activity_model()
        if activities is None:
            activities = self._open_activities(leads)
        by_lead = defaultdict(lambda: Activity.browse())
        for activity in activities:
            by_lead[activity.res_id] |= activity
        moves = defaultdict(lambda: Activity.browse())
        extra = Activity.browse()
        missing = leads.browse()
        texts = texts or {}
        rewrites = []
        for lead in leads:
            deadline = deadlines[lead.id]
            user_id = (lead.user_id or self.env.user).id
            current = by_lead[lead.id]
            if current:
                keep, extra = current[0], extra | current[1:]
                if keep.date_deadline != deadline or keep.user_id.id != user_id:
                    moves[(deadline, user_id)] |= keep
                if lead.id in texts:
                    rewrites.append((keep, texts[lead.id]))
            else:
                missing |= lead
        extra.unlink()
        for (deadline, user_id), group in moves.items():
            group.write({"date_deadline": deadline, "user_id": user_id})
        if rewrites:
            defaults = self._type_texts(
                {activity.user_id.lang or self.env.lang for activity, _texts in rewrites}
            )
            for activity, (summary, note) in rewrites:
                default_summary, default_note = defaults[activity.user_id.lang or self.env.lang]
                activity.write(
                    {"summary": summary or default_summary, "note": join_notes(note, default_note)}
                )
        if missing:
            Activity.create(self._activity_values(missing, deadlines, texts))
        changed = leads.filtered(lambda lead: lead.followup_date_fixed != fixed)
        system_env(changed).write({"followup_date_fixed": fixed})

    @api.model
    def _move(self, activity, day):
        """Move the Follow-up ``activity`` to ``day`` (a postponement, checked by its door)."""
        activity.with_env(self._activity_model().env).write({"date_deadline": day})

    @api.model
    def _insert_planned(self, planned):
        """Create the Follow-ups of a large set of leads in one statement: ``planned`` is an SQL
        query of (id, user_id, deadline) rows, one per lead without a Follow-up. The values are
        those of ``_activity_values`` (the type's texts in the salesperson's language), written
        set-based for the install's adoption of tens of thousands of leads. Sets each lead's
        next follow-up date; returns nothing."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH planned AS (%(planned)s),
                created AS (
                    INSERT INTO mail_activity
                           (res_model_id, res_model, res_id, res_name, activity_type_id,
                            summary, note, date_deadline, user_id, user_tz, automated, active,
                            create_uid, write_uid, create_date, write_date)
                    SELECT %(model_id)s, 'crm.lead', lead.id, lead.name, %(type_id)s,
                           COALESCE(activity_type.summary ->> partner.lang,
                                    activity_type.summary ->> 'en_US'),
                           COALESCE(activity_type.default_note ->> partner.lang,
                                    activity_type.default_note ->> 'en_US'),
                           planned.deadline, planned.user_id, partner.tz, TRUE, TRUE,
                           %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                      FROM planned
                      JOIN crm_lead lead ON lead.id = planned.id
                      JOIN res_users users ON users.id = planned.user_id
                      JOIN res_partner partner ON partner.id = users.partner_id
                      JOIN mail_activity_type activity_type ON activity_type.id = %(type_id)s
                    RETURNING res_id, date_deadline
                )
                UPDATE crm_lead lead
                   SET followup_next_date = created.date_deadline, followup_date_fixed = FALSE
                  FROM created
                 WHERE lead.id = created.res_id
                """,
                planned=planned,
                model_id=self.env["ir.model"]._get_id("crm.lead"),
                type_id=self._type_id(),
                uid=self.env.uid,
            )
        )
        self.env.invalidate_all()

    # ------------------------------------------------------------
    # The rhythm's days
    # ------------------------------------------------------------

    @api.model
    def _on_working_days(self, leads, days):
        """{lead id: days[lead id], or the first working day after it} by the working schedule
        of the lead's company (else the salesperson's company, else the current one) and its
        public holidays: what the rhythm computes never falls on a weekend or a holiday. One
        reading of each calendar for all the leads."""
        by_calendar = defaultdict(lambda: leads.browse())
        for lead in leads:
            company = lead.company_id or lead.user_id.company_id or self.env.company
            by_calendar[company.resource_calendar_id] |= lead
        result = {}
        for calendar, group in by_calendar.items():
            first = min(days[lead.id] for lead in group)
            last = max(days[lead.id] for lead in group) + timedelta(days=WORKDAY_LOOKAHEAD)
            working = calendar._followup_working_days(first, last)
            for lead in group:
                index = bisect.bisect_left(working, days[lead.id])
                result[lead.id] = working[index] if index < len(working) else days[lead.id]
        return result

    @api.model
    def _after_rhythm(self, leads, from_days, not_before=None):
        """{lead id: the working day one rhythm of the lead's grade (or the after-sale revisit)
        after from_days[lead id]}, never before ``not_before``."""
        # Read once for all the leads: an after-sale revisit, else the grade's rhythm (C when
        # ungraded).
        rhythm = self.env["sales.followup.settings"]._rhythm()
        days = {}
        for lead in leads:
            key = "converted" if lead.followup_status == "converted" else lead.followup_grade
            day = from_days[lead.id] + timedelta(days=rhythm[key or "c"])
            days[lead.id] = max(day, not_before) if not_before else day
        return self._on_working_days(leads, days)

    @api.model
    def _spread_days(self, company_ids, today):
        """{(company id, grade): the working days of the grade's rhythm after ``today``} for
        the given companies and every grade ("converted": the after-sale revisit). The day
        itself is left out: what is spread becomes due from the next working day on, not at
        once on the day of an install or an import."""
        start = today + timedelta(days=1)
        intervals = self.env["sales.followup.settings"]._rhythm()
        last = start + timedelta(days=max(intervals.values()) + WORKDAY_LOOKAHEAD)
        result = {}
        for company_id in company_ids:
            # Leads without a company follow the current company's calendar.
            company = self.env["res.company"].browse(company_id) or self.env.company
            working = company.resource_calendar_id._followup_working_days(start, last)
            for grade, interval in intervals.items():
                result[company_id, grade] = rhythm.days_within(working, start, interval) or [start]
        return result

    @api.model
    def _spread(self, leads, today, first_turn=0):
        """{lead id: due day} spreading ``leads`` (in the order given) over their grade's
        rhythm from tomorrow: each salesperson's leads of a grade take the rhythm's working
        days in turn, from ``first_turn`` on (so that the chunks of a large import do not all
        begin on the first day)."""
        days = self._spread_days({lead.company_id.id for lead in leads}, today)
        turns = defaultdict(lambda: first_turn)
        deadlines = {}
        for lead in leads:
            grade = "converted" if lead.followup_status == "converted" else lead.followup_grade
            grade = grade or "c"
            choices = days[lead.company_id.id, grade]
            key = (lead.user_id.id, lead.company_id.id, grade)
            deadlines[lead.id] = rhythm.turn(choices, turns[key])
            turns[key] += 1
        return deadlines

    # ------------------------------------------------------------
    # What moves a lead's Follow-up
    # ------------------------------------------------------------

    @api.model
    def _after_contact(self, logs, leads, activities, texts):
        """The next Follow-up of ``leads`` after their latest contact: {lead: log}. The date
        the salesperson gave stays as chosen; otherwise the grade's rhythm from the day of the
        contact, on a working day."""
        chosen, rhythm_from = {}, {}
        for lead, log in logs.items():
            if log.next_date:
                chosen[lead.id] = log.next_date
            else:
                rhythm_from[lead.id] = lead._followup_local_date(log.date)
        by_rhythm = self._after_rhythm(leads.browse(list(rhythm_from)), rhythm_from)
        for fixed, deadlines in ((True, chosen), (False, by_rhythm)):
            if deadlines:
                group = leads.browse(list(deadlines))
                self._schedule(
                    group,
                    deadlines,
                    fixed=fixed,
                    activities=activities.filtered(lambda act, ids=group.ids: act.res_id in ids),
                    texts=texts,
                )

    @api.model
    def _after_grade_change(self, leads):
        """Move the open Follow-ups that were not dated by hand to the new grade's rhythm,
        counted from the last contact and never before today."""
        leads = leads.filtered(
            lambda lead: (
                lead.followup_status == "in_progress"
                and lead.followup_next_date
                and not lead.followup_date_fixed
            )
        )
        if not leads:
            return
        today = fields.Date.context_today(self)
        from_days = {
            lead.id: lead._followup_local_date(lead.followup_last_date)
            if lead.followup_last_date
            else today
            for lead in leads
        }
        self._schedule(leads, self._after_rhythm(leads, from_days, not_before=today))

    @api.model
    def _after_status(self, leads, status):
        """A lead becoming converted gets its after-sale revisit; one coming back to Following
        (reopened, woken up) is due today; a lost one (archived) has none left open (Odoo 18.0
        deletes the activities of an archived record, 19.0 keeps them)."""
        today = fields.Date.context_today(self)
        if status == "converted":
            self._schedule(leads, self._after_rhythm(leads, dict.fromkeys(leads.ids, today)))
        elif status == "in_progress":
            self._schedule(leads, dict.fromkeys(leads.ids, today))
        elif status == "lost":
            self._open_activities(leads).unlink()

    @api.model
    def _reassign(self, leads):
        """Hand the open Follow-ups to the leads' new salesperson; a lead waiting for its first
        contact gets its first-contact Follow-up."""
        leads = leads.filtered("active")
        activities = self._open_activities(leads)
        by_user = defaultdict(lambda: activities.browse())
        for activity in activities:
            lead = leads.browse(activity.res_id)
            if lead.user_id and activity.user_id != lead.user_id:
                by_user[lead.user_id.id] |= activity
        for user_id, group in by_user.items():
            group.with_context(mail_activity_quick_update=True).write({"user_id": user_id})
        self._trigger_first_contact(leads)

    @api.model
    def _first_contact_after_claim(self, leads, now):
        """A first Follow-up for leads a salesperson just took, due within the first-contact
        window (in the salesperson's time zone, on a working day)."""
        leads = leads.filtered(
            lambda lead: lead.active and lead.followup_status in ("to_contact", "in_progress")
        )
        if not leads:
            return
        due = now + timedelta(
            hours=self.env["sales.followup.settings"]._get_int("first_contact_hours")
        )
        deadlines = {
            lead.id: fields.Datetime.context_timestamp(
                lead.with_context(tz=lead.user_id.tz or "UTC"), due
            ).date()
            for lead in leads
        }
        self._schedule(leads, self._on_working_days(leads, deadlines))

    @api.model
    def _trigger_first_contact(self, leads):
        """Leads waiting for their first contact get their Follow-up from the first-contact
        cron, triggered at once: creating and assigning leads stays as cheap as in stock crm,
        and their first-contact due date shows meanwhile (followup_next_date)."""
        if any(
            lead.active and lead.user_id and lead.followup_status == "to_contact" for lead in leads
        ):
            # Once per transaction, when it commits: a bulk assignment (crm's, by team
            # member) writes its leads in many calls.
            precommit = self.env.cr.precommit
            if not precommit.data.get(FIRST_CONTACT_TRIGGER):
                precommit.data[FIRST_CONTACT_TRIGGER] = True
                precommit.add(self._trigger_first_contact_cron)

    @api.model
    def _trigger_first_contact_cron(self):
        self.env.ref("sales_followup.ir_cron_followup_first_contact").sudo()._trigger()

    @api.model
    def _first_contacts(self, batch_size, in_cron):
        """Schedule the first-contact Follow-up of assigned leads that have none, a batch at a
        time (one batch per call in the cron, which commits and calls again)."""
        Lead = self.env["crm.lead"]
        Lead.flush_model(["active", "user_id", "followup_status", "followup_next_date"])
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
            self._has_open_sql("lead"),
        )
        done = 0
        while True:
            self.env.cr.execute(SQL("%s LIMIT %s", query, batch_size))
            leads = Lead.browse([row[0] for row in self.env.cr.fetchall()])
            if not leads:
                break
            self._schedule(
                leads,
                {lead.id: lead.followup_next_date for lead in leads},
                activities=self.env["mail.activity"].sudo(),
            )
            done += len(leads)
            if in_cron:
                self.env.cr.execute(SQL("SELECT count(*) FROM (%s) todo", query))
                cron_progress(self.env, done, remaining=self.env.cr.fetchone()[0])
                break
        return done

    @api.model
    def _restore_missing(self, id_range):
        """Open leads with a salesperson whose Follow-up is gone (deleted by hand) get one back,
        due on their next follow-up date when it is still to come, else today: a lead is never
        left without a follow-up. Leads in ``id_range`` (exclusive start, inclusive end).

        Converted customers that were in the database before the module (never given an
        after-sale revisit) are left as they are, and so are all the leads that were there
        until the install has adopted them (the install's post-init step, which runs after the
        demo data: a scan in the demo must not schedule them first).
        """
        Lead = self.env["crm.lead"]
        Lead.flush_model(["active", "user_id", "followup_status", "followup_origin"])
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
                has_followup=self._has_open_sql("lead", id_range),
                adopted=self.env["sales.followup.settings"]._is_installed(),
            )
        )
        leads = Lead.browse([row[0] for row in self.env.cr.fetchall()])
        if not leads:
            return leads
        today = fields.Date.context_today(self)
        self._schedule(
            leads,
            {lead.id: max(today, lead.followup_next_date or today) for lead in leads},
            activities=self.env["mail.activity"].sudo(),
        )
        return leads

    @api.model
    def _postpone_default_date(self, lead, days):
        """The default new due date of a postponement: ``days`` after the due date (after
        today when it is overdue), moved to a working day."""
        today = fields.Date.context_today(self)
        day = max(lead.followup_next_date or today, today) + timedelta(days=days)
        return self._on_working_days(lead, {lead.id: day})[lead.id]


def join_notes(*notes):
    """The HTML notes given, one after the other (False when none)."""
    notes = [Markup(note) for note in notes if note and not is_html_empty(note)]
    return Markup("").join(notes) if notes else False
