from collections import defaultdict
from datetime import date as date_type
from datetime import datetime, timedelta

from babel.dates import format_skeleton
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import get_lang

from ..tools import geo, input_check
from ..tools.lead_states import FOLLOWUP_GRADES
from ..tools.system_write import is_system, system_env
from .selection_check import check_selection_values

# What a log records of the lead and of the follow-up it answered when it was saved: the
# discipline figures are read from them, so they are the system's, never a caller's.
LOG_SYSTEM_FIELDS = ("stage_id", "grade", "due_date", "on_rhythm", "recorded_late")
LOG_SYSTEM_FIELDS_SET = frozenset(LOG_SYSTEM_FIELDS)

# A log may be dated a few minutes ahead of the server clock (clock skew of phones).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Contacts before this are typing errors (0001-01-01).
CONTACT_DATE_MIN = datetime(1990, 1, 1)
CHECKIN_FIELDS = ("checkin_latitude", "checkin_longitude", "checkin_accuracy", "checkin_date")


class SalesFollowupLog(models.Model):
    _name = "sales.followup.log"
    _inherit = ["sales.followup.input.guard"]
    _description = "Follow-up Log"
    _order = "date desc, id desc"
    _check_company_auto = True

    # The contact
    lead_id = fields.Many2one(
        "crm.lead",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="lead_id.company_id", store=True, index=True, string="Company"
    )
    team_id = fields.Many2one(related="lead_id.team_id", store=True, string="Sales Team")
    partner_id = fields.Many2one(related="lead_id.partner_id", string="Customer")
    date = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        index=True,
        help="When the contact took place.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Follow-up Person",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        index=True,
    )
    method = fields.Selection(
        [
            ("phone", "Phone"),
            ("visit", "Visit"),
            ("email", "E-mail"),
            ("message", "Chat / IM"),
            ("meeting", "Online Meeting"),
            ("other", "Other"),
        ],
        required=True,
        default="phone",
    )
    # What was said
    summary = fields.Text(
        string="Discussed",
        required=True,
        help="What was discussed, concretely: needs, figures, dates, people.",
    )
    customer_words = fields.Text(
        string="Customer's Words", help="What the customer said, in their own words."
    )
    interpretation = fields.Text(
        help="What the customer's words mean for the deal, grounded in what was said.",
    )
    sentiment = fields.Selection(
        [
            ("positive", "Positive"),
            ("hesitant", "Hesitant"),
            ("negative", "Negative"),
            ("resistant", "Resistant"),
        ],
        string="Attitude",
        help="The customer's attitude during this contact.",
    )
    customer_responded = fields.Boolean(
        default=True,
        help="Uncheck when the customer could not be reached or did not answer.",
    )
    # What comes next
    next_action = fields.Char()
    next_date = fields.Date(
        string="Next Follow-up",
        help="When to follow up next. Empty: the grade's rhythm decides.",
    )
    # Visit check-in: where the rep was, as their browser gave it (WGS 84), with their consent.
    checkin_latitude = fields.Float(string="Check-in Latitude", digits=(10, 7))
    checkin_longitude = fields.Float(string="Check-in Longitude", digits=(10, 7))
    checkin_accuracy = fields.Float(
        string="Check-in Accuracy (m)", digits=(10, 1), help="Radius of the position, in meters."
    )
    checkin_date = fields.Datetime(
        string="Checked In At", index="btree_not_null", help="When the position was taken."
    )
    checkin_map_url = fields.Char(string="Check-in Map", compute="_compute_checkin_map_url")
    # Snapshot of the lead when the contact was logged
    stage_id = fields.Many2one(
        "crm.stage", string="Stage at Logging", readonly=True, ondelete="set null"
    )
    grade = fields.Selection(FOLLOWUP_GRADES, string="Grade at Logging", readonly=True)
    due_date = fields.Date(
        string="Follow-up Due",
        readonly=True,
        help="Due date of the follow-up this contact answered (the lead's next follow-up when "
        "it was logged); for a first contact, the first-contact due date.",
    )
    on_rhythm = fields.Boolean(
        compute="_compute_on_rhythm",
        store=True,
        help="The contact took place on or before the follow-up's due date.",
    )
    recorded_late = fields.Boolean(
        compute="_compute_recorded_late",
        store=True,
        help="Logged more than 24 hours after the contact took place.",
    )

    @api.depends("date", "due_date", "user_id.tz")
    def _compute_on_rhythm(self):
        for log in self:
            log.on_rhythm = bool(
                log.due_date
                and log.date
                and fields.Datetime.context_timestamp(
                    log.with_context(tz=log.user_id.tz or "UTC"), log.date
                ).date()
                <= log.due_date
            )

    @api.depends("checkin_date", "checkin_latitude", "checkin_longitude")
    def _compute_checkin_map_url(self):
        for log in self:
            log.checkin_map_url = (
                geo.map_url(log.checkin_latitude, log.checkin_longitude)
                if log.checkin_date
                else False
            )

    @api.depends("date", "create_date")
    def _compute_recorded_late(self):
        for log in self:
            log.recorded_late = bool(
                log.date and log.create_date and log.create_date - log.date > timedelta(hours=24)
            )

    @api.depends("lead_id", "date")
    def _compute_display_name(self):
        for log in self:
            day = (
                fields.Date.to_string(fields.Datetime.context_timestamp(log, log.date).date())
                if log.date
                else ""
            )
            log.display_name = f"{log.lead_id.display_name or ''} · {day}".strip(" ·")

    def init(self):
        # What the funnel reads of a lead's logs (first contact, counts, answered, on rhythm)
        # is in the index itself: a report of a quarter reads it without visiting the rows of
        # millions of logs (an index-only scan instead of one heap visit per log).
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sales_followup_log_lead_figures_index
                ON sales_followup_log (lead_id)
                INCLUDE (date, customer_responded, due_date, on_rhythm)
            """
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._input_check_create(vals_list)
        check_selection_values(self, vals_list, prefix="")
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            self._check_log_values(vals, creating=True)
            self._check_checkin_values(vals)
        self._check_log_authors({vals.get("user_id") for vals in vals_list})
        leads = self.env["crm.lead"].browse(
            {vals["lead_id"] for vals in vals_list if vals.get("lead_id")}
        )
        leads._followup_lock()
        leads._followup_check_loggable()
        importing = self.env.context.get("sales_followup_import")
        for vals in vals_list:
            lead = leads.browse(vals.get("lead_id"))
            system = {
                "stage_id": lead.stage_id.id,
                "grade": lead.followup_grade,
                # A postponed follow-up is answered on rhythm by its original due date only.
                "due_date": lead.followup_postponed_from or lead.followup_next_date,
            }
            if not is_system(self.env) and not importing:
                self._check_system_values(vals, system)
            for fname, value in system.items():
                vals.setdefault(fname, value)
        logs = super().create(vals_list)
        logs._move_lead_dates()
        # A tracker import writes years of contacts at once and schedules each lead's next
        # follow-up afterwards (crm.lead._followup_after_import).
        if not self.env.context.get("sales_followup_import"):
            logs._apply_to_leads()
        return logs

    def write(self, vals):
        self._input_check_write(vals)
        check_selection_values(self, [vals], prefix="")
        if not is_system(self.env) and LOG_SYSTEM_FIELDS_SET & vals.keys():
            vals = self._without_unchanged_system_values(vals)
        is_manager = self.env["crm.lead"]._followup_is_manager()
        if not is_manager:
            self._check_own_same_day()
            if "lead_id" in vals:
                raise AccessError(_("Lead: only sales managers can move a log to another lead."))
        self._check_log_values(vals, creating=False)
        if not self.env.su:
            self._check_checkin_kept(vals)
        if "user_id" in vals and not self.env.su:
            self._check_log_authors({vals["user_id"]})
            self._reattribute_note(vals["user_id"])
        if "lead_id" in vals and not self.env.su:
            # Moving logs is a manager's correction; merging leads (superuser) may move them
            # onto a lost master too.
            self.env["crm.lead"].browse(vals["lead_id"])._followup_check_loggable()
        res = super().write(vals)
        if {"date", "lead_id"} & vals.keys():
            self._move_lead_dates()
        if {"date", "next_date", "lead_id"} & vals.keys():
            self._apply_to_leads(mark_done=False)
        return res

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _move_lead_dates(self):
        """A contact before its lead's date moves the lead date back to the contact's day: a
        lead cannot be contacted before it came in, and its durations are never negative."""
        earliest = {}
        for log in self:
            day = fields.Datetime.context_timestamp(log, log.date).date()
            lead = log.lead_id
            if day < earliest.get(lead, lead.followup_start_date):
                earliest[lead] = day
        by_day = defaultdict(lambda: self.env["crm.lead"])
        for lead, day in earliest.items():
            by_day[day] |= lead
        for day, leads in by_day.items():
            system_env(leads).write({"followup_start_date": day})

    def _apply_to_leads(self, mark_done=True):
        """Close the due follow-up of each lead and schedule the next one.

        Only the lead's latest contact drives the follow-up: an older contact logged late fills
        the history without moving anything.
        """
        latest = {}
        for log in self.sorted(lambda log: (log.date, log.id)):
            latest[log.lead_id] = log
        current = {
            lead: log
            for lead, log in latest.items()
            if lead.active and (not lead.followup_last_date or log.date >= lead.followup_last_date)
        }
        if not current:
            return
        leads = self.env["crm.lead"].browse([lead.id for lead in current])
        # A first contact made after the window leaves a resolved "first contact late" risk as
        # history even when no scan ran in between: evaluate the rules before it counts.
        leads.filtered(
            lambda lead: lead.followup_status == "to_contact"
        )._followup_apply_risk_rules()
        system_env(
            leads.filtered(lambda lead: lead.followup_status in ("to_contact", "dormant"))
        ).write({"followup_status": "in_progress", "followup_wakeup_date": False})
        # The contact answers the postponed follow-up: the next one starts afresh.
        system_env(leads.filtered("followup_postponed_from")).write(
            {"followup_postponed_from": False}
        )

        activities = self.env["sales.followup.engine"]._open_activities(leads)
        if mark_done and activities:
            for activity in activities:
                log = current[leads.browse(activity.res_id)]
                activity.with_context(
                    mail_activity_quick_update=True, sales_followup_logging=True
                )._action_done(feedback=log.summary)
            activities = activities.browse()

        texts = {lead.id: log._followup_reminder_texts() for lead, log in current.items()}
        self.env["sales.followup.engine"]._after_contact(current, leads, activities, texts)
        leads._followup_apply_risk_rules()

    def action_followup_save(self):
        """The log dialog's Save (the client saves the log first): closes the dialog and says
        what happens next, in the user's language."""
        self._input_check_ids()
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Follow-up logged"),
                "message": self._followup_saved_message(),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _followup_saved_message(self):
        lead = self.lead_id
        lines = []
        if lead.active and lead.followup_next_date:
            lines.append(
                _(
                    "Next follow-up: %(date)s — %(action)s",
                    date=_format_day(self.env, lead.followup_next_date),
                    action=lead.followup_next_action
                    or self.env["mail.activity.type"]
                    .browse(self.env["sales.followup.engine"]._type_id())
                    .summary
                    or "",
                )
            )
        else:
            lines.append(_("No follow-up is planned for %s.", lead.display_name))
        if self.method == "visit" and not self.checkin_date:
            lines.append(_("The visit was saved without a check-in."))
        return " ".join(lines)

    def _followup_reminder_texts(self):
        """(summary, note) of the next Follow-up after this contact: the planned next action
        (None: the type's default in the salesperson's language), and the contact itself in
        the salesperson's language, so that the reminder says what to do and where things
        stand."""
        self.ensure_one()
        lead_user = self.lead_id.user_id or self.env.user
        log = self.with_context(lang=lead_user.lang or self.env.lang)
        methods = dict(log._fields["method"]._description_selection(log.env))
        day = fields.Datetime.context_timestamp(
            log.with_context(tz=lead_user.tz or "UTC"), self.date
        ).date()
        note = Markup("<p>%s</p>") % log.env._(
            "Last contact, %(date)s (%(method)s): %(summary)s",
            date=fields.Date.to_string(day),
            method=methods.get(self.method, self.method or ""),
            summary=self.summary or "",
        )
        return (_visible_text(self.next_action) or None, note)


def _format_day(env, day):
    """A day as people say it, in the user's language: "Wed, Dec 2", "12月2日周三"."""
    try:
        return format_skeleton("MMMEd", day, locale=get_lang(env).code)
    except (ValueError, LookupError):  # a language babel does not know
        return fields.Date.to_string(day)


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _visible_text(value):
    """The text without what shows nothing (zero-width characters, spaces); "" when none: a
    summary made of them says nothing."""
    return input_check.visible_text(value)


def _to_datetime(value):
    """A datetime from what a caller sends, or None when it is not one (a timezone suffix, a
    word, a number)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return fields.Datetime.to_datetime(value)
    except ValueError:
        return None


def _to_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date_type):
        return value
    if not isinstance(value, str):
        return None
    try:
        return fields.Date.to_date(value)
    except ValueError:
        return None
