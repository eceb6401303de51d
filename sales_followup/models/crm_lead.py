import logging
import re
from collections import defaultdict
from datetime import date, timedelta

from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, create_index

from .res_config_settings import FOLLOWUP_SETTING_BOUNDS, FOLLOWUP_SETTING_DEFAULTS
from .selection_check import check_selection_values
from .utm_source import DEFAULT_LEAD_CODE_PREFIX

_logger = logging.getLogger(__name__)

FOLLOWUP_ACTIVITY_TYPE = "sales_followup.mail_activity_type_followup"

FOLLOWUP_GRADES = [("a", "A"), ("b", "B"), ("c", "C")]
FOLLOWUP_STATUSES = [
    ("to_contact", "To Follow Up"),
    ("in_progress", "Following"),
    ("converted", "Converted"),
    ("lost", "Lost"),
    ("dormant", "Dormant"),
]
FOLLOWUP_ORIGINS = [
    ("odoo", "Created in Odoo"),
    ("existing", "Before Sales Follow-up"),
    ("import", "Imported Tracker"),
]
# Follow-up state the module keeps itself: computed, or moved by its actions and rules. A caller
# does not write it (the module's own code writes it as the superuser); the form never sends
# it (read-only), and a value sent back unchanged is ignored.
FOLLOWUP_SYSTEM_FIELDS = {
    "followup_status",
    "followup_next_date",
    "followup_last_date",
    "followup_unanswered_count",
    "followup_last_response_date",
    "followup_risk_level",
    "followup_lost_candidate",
    "followup_risk_type_ids",
    "followup_date_fixed",
    "followup_wakeup_date",
    "followup_postpone_count",
    "followup_postponed_from",
    "followup_in_pool",
    "followup_pool_date",
    "followup_pool_reason",
    "followup_previous_user_id",
    "followup_woken_date",
    "followup_reclaim_warned_date",
    "followup_escalation_level",
    "followup_escalation_due",
}
# How far ahead a follow-up may be due (unless a rhythm is longer): beyond, set the lead dormant.
FOLLOWUP_HORIZON_DAYS = 366
# The earliest lead date accepted: older dates are typing errors (0001-01-01, 1900-01-01).
LEAD_DATE_MIN = date(1990, 1, 1)
GRADE_RULE_HELP = (
    "Suggested from the three qualification questions: "
    "A when the budget is confirmed, the need is urgent (high) and the decision chain is short; "
    "C when the urgency is low or not assessed yet; B in every other case."
)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Grading
    followup_grade = fields.Selection(
        FOLLOWUP_GRADES,
        string="Grade",
        compute="_compute_followup_grade",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        index=True,
        help="A = high potential, B = medium, C = low. Set from the suggested grade whenever "
        "the qualification changes; the salesperson can override it. The grade sets the "
        "follow-up rhythm (CRM settings).",
    )
    followup_budget = fields.Selection(
        [("confirmed", "Confirmed"), ("estimated", "Estimated"), ("unknown", "Unknown")],
        string="Budget",
        tracking=True,
        help="Is the customer's budget clear?",
    )
    followup_urgency = fields.Selection(
        [("high", "High"), ("medium", "Medium"), ("low", "Low")],
        string="Urgency",
        tracking=True,
        help="How urgent is the customer's need (is there a date by which they must buy)?",
    )
    followup_decision_chain = fields.Selection(
        [("short", "Short"), ("long", "Long"), ("unknown", "Unknown")],
        string="Decision Chain",
        tracking=True,
        help="How short is the way from the contact to the person who decides and signs?",
    )
    followup_grade_suggested = fields.Selection(
        FOLLOWUP_GRADES,
        string="Suggested Grade",
        compute="_compute_followup_grade_suggested",
        help=GRADE_RULE_HELP,
    )

    # Lifecycle
    followup_status = fields.Selection(
        FOLLOWUP_STATUSES,
        string="Follow-up Status",
        default="to_contact",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        help="To Follow Up until the first logged contact, then Following; Converted when won, "
        "Lost through the Lost dialog, Dormant until its wake-up date.",
    )
    followup_start_date = fields.Date(
        string="Lead Date",
        required=True,
        index=True,
        copy=False,
        tracking=True,
        default=fields.Date.context_today,
        help="When the lead came in: its creation day, or the first-contact date of an imported "
        "tracker row. The reports' cohorts, periods and durations count from it. Only sales "
        "managers can change it; a contact logged before it moves it back to that contact.",
    )
    followup_origin = fields.Selection(
        FOLLOWUP_ORIGINS,
        string="Origin",
        default="odoo",
        required=True,
        readonly=True,
        copy=False,
        help="Created in Odoo: every contact was logged here, so its first-contact figures "
        "count. Before Sales Follow-up: the lead was already in Odoo when the module was "
        "installed; its earlier contacts are unknown. Imported Tracker: its history comes from "
        "a tracker spreadsheet, where the assignment time is unknown.",
    )
    followup_wakeup_date = fields.Date(
        string="Wake-up Date",
        copy=False,
        tracking=True,
        help="A dormant lead comes back to Following with a follow-up due on this date.",
    )
    followup_code = fields.Char(
        string="Lead Code",
        copy=False,
        index="trigram",
        tracking=True,
        help="SOURCE-YYYYMMDD-NNN, given at creation from the source's lead code prefix. "
        "Only sales managers can change it.",
    )

    # The customer as B2B salespeople name it: the company (for a contact of a company, its
    # company), else the company name typed on the lead, else the contact.
    followup_customer_name = fields.Char(
        string="Customer Company", compute="_compute_followup_customer_name"
    )
    # Follow-up log and next follow-up
    followup_log_ids = fields.One2many("sales.followup.log", "lead_id", string="Follow-up Logs")
    followup_log_count = fields.Integer(
        string="Follow-up Count", compute="_compute_followup_log_count"
    )
    followup_last_date = fields.Datetime(
        string="Last Follow-up",
        compute="_compute_followup_log_stats",
        store=True,
        help="Date of the latest follow-up log.",
    )
    followup_unanswered_count = fields.Integer(
        string="Unanswered Follow-ups",
        compute="_compute_followup_log_stats",
        store=True,
        help="Number of consecutive latest follow-ups in which the customer did not respond.",
    )
    followup_last_response_date = fields.Datetime(
        string="Last Response",
        compute="_compute_followup_log_stats",
        store=True,
        help="Date of the latest follow-up in which the customer responded.",
    )
    followup_next_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_followup_next_date",
        store=True,
        index=True,
        help="Due date of the open follow-up activity.",
    )
    followup_overdue = fields.Boolean(
        string="Follow-up Overdue",
        compute="_compute_followup_overdue",
        search="_search_followup_overdue",
        help="The open follow-up is due before today.",
    )
    # Risks (kept up to date by sales.followup.risk._apply_rules and _followup_risk_refresh)
    followup_risk_ids = fields.One2many("sales.followup.risk", "lead_id", string="Risks")
    followup_risk_level = fields.Selection(
        [("none", "None"), ("watch", "Watch"), ("high", "High")],
        string="Risk Level",
        default="none",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="The highest severity among the lead's open risks.",
    )
    followup_lost_candidate = fields.Boolean(
        string="Lost Candidate",
        readonly=True,
        copy=False,
        index=True,
        help="The customer did not respond to the last follow-ups (No Reply risk is open).",
    )
    followup_risk_type_ids = fields.Many2many(
        "sales.followup.risk.type",
        "crm_lead_followup_risk_type_rel",
        "crm_lead_id",
        "risk_type_id",
        string="Open Risks",
        readonly=True,
        copy=False,
        help="Types of the lead's open risks.",
    )
    followup_date_fixed = fields.Boolean(
        string="Follow-up Dated by Hand",
        copy=False,
        help="Technical: the open follow-up was dated explicitly by the salesperson, so a grade "
        "change does not move it.",
    )

    _sql_constraints = [
        (
            "followup_code_company_uniq",
            "unique(company_id, followup_code)",
            "Lead codes must be unique per company.",
        ),
    ]

    @api.depends("followup_budget", "followup_urgency", "followup_decision_chain")
    def _compute_followup_grade_suggested(self):
        for lead in self:
            lead.followup_grade_suggested = lead._followup_suggest_grade()

    @api.depends("followup_budget", "followup_urgency", "followup_decision_chain")
    def _compute_followup_grade(self):
        for lead in self:
            lead.followup_grade = lead._followup_suggest_grade()

    @api.depends("partner_id.commercial_partner_id.name", "partner_name", "contact_name")
    def _compute_followup_customer_name(self):
        for lead in self:
            lead.followup_customer_name = (
                lead.partner_id.commercial_partner_id.name
                or lead.partner_name
                or lead.contact_name
                or False
            )

    def _compute_followup_log_count(self):
        counts = dict(
            self.env["sales.followup.log"]._read_group(
                [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]
            )
        )
        for lead in self:
            lead.followup_log_count = counts.get(lead, 0)

    @api.depends("followup_log_ids.date", "followup_log_ids.customer_responded")
    def _compute_followup_log_stats(self):
        for lead in self:
            logs = lead.followup_log_ids.sorted(lambda log: (log.date, log.id), reverse=True)
            lead.followup_last_date = logs[:1].date
            lead.followup_last_response_date = logs.filtered("customer_responded")[:1].date
            unanswered = 0
            for log in logs:
                if log.customer_responded:
                    break
                unanswered += 1
            lead.followup_unanswered_count = unanswered

    @api.depends(
        "activity_ids.date_deadline",
        "activity_ids.activity_type_id",
        "followup_status",
        "active",
        "user_id",
        "user_id.tz",
        "date_open",
        "followup_origin",
    )
    def _compute_followup_next_date(self):
        # Also depends on the first-contact window setting: res.config.settings recomputes
        # the leads waiting for their first contact when it changes.
        activity_type = self.env["mail.activity.type"].browse(self._followup_activity_type_id())
        window = timedelta(hours=self._followup_setting("first_contact_hours"))
        for lead in self:
            deadlines = [
                activity.date_deadline
                for activity in lead.activity_ids
                if activity.activity_type_id == activity_type
            ]
            if deadlines:
                lead.followup_next_date = min(deadlines)
            elif (
                lead.active
                and lead.user_id
                and lead.followup_status == "to_contact"
                and lead.followup_origin == "odoo"
            ):
                # First contact is due within the window from the assignment, in the
                # salesperson's timezone, before the activity itself is scheduled. Leads that
                # came with a history get their first follow-up spread over the rhythm instead.
                assigned = lead.date_open or lead.create_date or fields.Datetime.now()
                local = fields.Datetime.context_timestamp(
                    lead.with_context(tz=lead.user_id.tz or "UTC"), assigned + window
                )
                lead.followup_next_date = local.date()
            else:
                lead.followup_next_date = False

    @api.depends("followup_next_date")
    def _compute_followup_overdue(self):
        today = fields.Date.context_today(self)
        for lead in self:
            lead.followup_overdue = bool(
                lead.followup_next_date and lead.followup_next_date < today
            )

    def _search_followup_overdue(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Follow-up Overdue can only be searched with = or !=."))
        today = fields.Date.context_today(self)
        overdue = [("followup_next_date", "<", today)]
        if (operator == "=") == bool(value):
            return overdue
        return ["|", ("followup_next_date", "=", False), ("followup_next_date", ">=", today)]

    @api.constrains("followup_status", "followup_wakeup_date")
    def _check_followup_wakeup_date(self):
        for lead in self:
            if lead.followup_status == "dormant" and not lead.followup_wakeup_date:
                raise ValidationError(
                    _("Wake-up Date: the dormant lead %s needs a wake-up date.", lead.display_name)
                )

    def init(self):
        res = super().init()
        # Exact lookups of codes (allocation, import matching): the trigram index of the field
        # serves searches for parts of a code, and is slow for many exact codes.
        create_index(
            self.env.cr,
            "crm_lead_followup_code_exact_index",
            self._table,
            ["followup_code"],
            where="followup_code IS NOT NULL",
        )
        return res

    @api.constrains("followup_start_date")
    def _check_followup_start_date(self):
        for lead in self:
            lead._followup_check_plausible_start(lead.followup_start_date)

    def _followup_check_plausible_start(self, day):
        # A day of tolerance: "today" of a user east of the server is the server's tomorrow.
        latest = fields.Date.context_today(self) + timedelta(days=1)
        if day and not (LEAD_DATE_MIN <= day <= latest):
            raise ValidationError(
                _(
                    "Lead Date: %(date)s is not a plausible date for when %(lead)s came in "
                    "(from %(min)s to today).",
                    date=fields.Date.to_string(day),
                    lead=", ".join(self.mapped("display_name")),
                    min=fields.Date.to_string(LEAD_DATE_MIN),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        check_selection_values(self, vals_list)
        # Copies: callers may pass the same dict several times, and each lead needs its own code.
        vals_list = [dict(vals) for vals in vals_list]
        if not self.env.su:
            today = fields.Date.context_today(self)
            for vals in vals_list:
                if "followup_origin" in vals and not self._followup_may_set_origin():
                    raise AccessError(_("Origin: it is set by Sales Follow-up, not by hand."))
                # A new lead starts To Follow Up, with nothing of the rest: the default values
                # a form sends are accepted.
                system = {
                    fname
                    for fname in FOLLOWUP_SYSTEM_FIELDS & vals.keys()
                    if vals[fname] not in (False, None, 0, [])
                    and not (fname == "followup_status" and vals[fname] == "to_contact")
                    and not (fname == "followup_risk_level" and vals[fname] == "none")
                }
                if system:
                    self._followup_refuse_system_write(system)
                if vals.get("followup_code"):
                    self._followup_check_code_allowed(vals)
                if (
                    vals.get("followup_start_date")
                    and fields.Date.to_date(vals["followup_start_date"]) != today
                    and not self._followup_is_manager()
                ):
                    raise AccessError(
                        _("Lead Date: only sales managers can give a lead another date.")
                    )
        self._followup_prepare_codes(vals_list)
        leads = super().create(vals_list)
        leads._followup_sync_status()
        leads._followup_trigger_first_contact()
        return leads

    def write(self, vals):
        check_selection_values(self, [vals])
        if "followup_code" in vals and not self._followup_is_manager():
            raise AccessError(_("Lead Code: only sales managers can change a lead code."))
        if vals.get("followup_code") and not self.env.su:
            self._followup_check_code_allowed(vals)
        if FOLLOWUP_SYSTEM_FIELDS & vals.keys() and not self.env.su:
            vals = self._followup_check_system_write(vals)
        if "followup_origin" in vals and not self.env.su and not self._followup_may_set_origin():
            raise AccessError(_("Origin: it is set by Sales Follow-up, not by hand."))
        if "followup_start_date" in vals and not self.env.su:
            self._followup_check_start_date_change(vals["followup_start_date"])
        grade_fields = {
            "followup_grade",
            "followup_budget",
            "followup_urgency",
            "followup_decision_chain",
        }
        old_grades = (
            {lead.id: lead.followup_grade for lead in self} if grade_fields & vals.keys() else None
        )
        res = super().write(vals)
        if "active" in vals or "stage_id" in vals:
            self._followup_sync_status()
        if old_grades is not None:
            self.filtered(
                lambda lead: lead.followup_grade != old_grades[lead.id]
            )._followup_reschedule_for_grade()
        if "user_id" in vals:
            self._followup_reassign()
        return res

    def _followup_check_system_write(self, vals):
        """``vals`` without the follow-up state sent back unchanged; anything else of that
        state is refused, but for moving a dormant lead's wake-up date to a later day."""
        vals = dict(vals)
        changed = set()
        for fname in FOLLOWUP_SYSTEM_FIELDS & vals.keys():
            if self._followup_same_value(fname, vals[fname]):
                del vals[fname]
            else:
                changed.add(fname)
        if changed == {"followup_wakeup_date"}:
            try:
                day = fields.Date.to_date(vals["followup_wakeup_date"])
            except (TypeError, ValueError):
                day = None
            today = fields.Date.context_today(self)
            if all(lead.followup_status == "dormant" for lead in self) and day and day > today:
                self._followup_check_wakeup_horizon(day, today)
                return vals
            raise UserError(
                _(
                    "Wake-up Date: only a dormant lead has one, and it is after today; use Set "
                    "Dormant (or Wake Up) on %(leads)s.",
                    leads=", ".join(self.mapped("display_name")),
                )
            )
        if changed:
            self._followup_refuse_system_write(changed)
        return vals

    def _followup_check_code_allowed(self, vals):
        """Lead codes are the system's: salespeople never set one; sales managers set one that
        follows the source's pattern (PREFIX-YYYYMMDD-NNN), and the tracker import keeps the
        tracker's own codes (letters, digits, - _ . /)."""
        if not self._followup_is_manager():
            raise AccessError(
                _(
                    "Lead Code: codes are given by Sales Follow-up; only sales managers set one "
                    "by hand."
                )
            )
        code = vals["followup_code"]
        if not isinstance(code, str):
            raise ValidationError(_("Lead Code: %r is not a code.", code))
        if self.env.context.get("sales_followup_import"):
            if not re.fullmatch(r"[\w\-./]{1,64}", code):
                raise ValidationError(
                    _(
                        "Lead Code: '%s' holds characters a code does not (letters, digits and "
                        "- _ . / only, 64 at most).",
                        code,
                    )
                )
            return
        sources = (
            self.env["utm.source"].browse(vals["source_id"])
            if vals.get("source_id")
            else self.source_id
        )
        prefixes = {source.followup_code_prefix or DEFAULT_LEAD_CODE_PREFIX for source in sources}
        prefixes = prefixes or {DEFAULT_LEAD_CODE_PREFIX}
        if not any(re.fullmatch(rf"{re.escape(p)}-\d{{8}}-\d{{3,6}}", code) for p in prefixes):
            pattern = ", ".join(f"{prefix}-YYYYMMDD-NNN" for prefix in sorted(prefixes))
            raise ValidationError(
                _(
                    "Lead Code: '%(code)s' does not follow the pattern of its source "
                    "(%(pattern)s).",
                    code=code,
                    pattern=pattern,
                )
            )

    def _followup_same_value(self, fname, value):
        """Whether every lead of self already holds ``value`` in ``fname`` (the form sending a
        read-only value back)."""
        field = self._fields[fname]
        if field.type in ("one2many", "many2many"):
            return False
        try:
            new = field.convert_to_cache(value, self)
        except (TypeError, ValueError):
            return False
        return all(field.convert_to_cache(lead[fname], lead) == new for lead in self)

    def _followup_refuse_system_write(self, fnames):
        labels = ", ".join(
            sorted(self._fields[fname]._description_string(self.env) for fname in fnames)
        )
        raise UserError(
            _(
                "%(fields)s: kept by Sales Follow-up from the logged contacts, the activities "
                "and the rules; log a follow-up, set the lead dormant, mark it won or lost "
                "instead of writing it.",
                fields=labels,
            )
        )

    def _followup_check_start_date_change(self, value):
        """A manager moves the lead date; never after the lead's first logged contact, which
        would make its durations negative."""
        if not self._followup_is_manager():
            raise AccessError(_("Lead Date: only sales managers can change the lead date."))
        try:
            day = fields.Date.to_date(value) if value else None
        except (TypeError, ValueError):
            raise ValidationError(
                _("Lead Date: %(value)r is not a date (e.g. 2026-03-10).", value=value)
            ) from None
        if not day:
            raise ValidationError(_("Lead Date: a lead needs the date it came in."))
        self._followup_check_plausible_start(day)
        first = self.env["sales.followup.log"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["date:min"]
        )
        for lead, first_date in first:
            first_day = self._followup_local_date(first_date)
            if day > first_day:
                raise ValidationError(
                    _(
                        "Lead Date: %(date)s is after the first contact with %(lead)s "
                        "(%(first)s); the lead came in on or before its first contact.",
                        date=fields.Date.to_string(day),
                        lead=lead.display_name,
                        first=fields.Date.to_string(first_day),
                    )
                )

    def _mail_track(self, tracked_fields, initial_values):
        # The follow-up status mirrors Odoo's won/lost state (active, won stage). When that state
        # is tracked in the same message, the mirrored status would only repeat it.
        if "followup_status" in initial_values and any(
            fname in initial_values and initial_values[fname] != self[fname]
            for fname in ("active", "stage_id")
        ):
            initial_values = dict(initial_values)
            del initial_values["followup_status"]
        return super()._mail_track(tracked_fields, initial_values)

    def _merge_dependences(self, opportunities):
        """Merging leads keeps every follow-up log and risk on the master lead, and one open
        Follow-up: the master's own, else the earliest of the merged leads'."""
        # activity_ids is read here once and reused by crm's own merge of the activities.
        type_id = self._followup_activity_type_id()
        followups = (self | opportunities).activity_ids.filtered(
            lambda act: act.activity_type_id.id == type_id
        )
        master_followups = followups.filtered(lambda act: act.res_id == self.id)
        merged_followups = (followups - master_followups).sorted("date_deadline")
        (merged_followups if master_followups else merged_followups[1:]).unlink()
        res = super()._merge_dependences(opportunities)
        # Who held the merged leads stays in the master's ownership history, as ended periods.
        self.env["sales.followup.ownership"].flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE sales_followup_ownership SET lead_id = %(master)s, "
                "date_to = COALESCE(date_to, %(now)s) WHERE lead_id = ANY(%(ids)s)",
                master=self.id,
                now=fields.Datetime.now(),
                ids=opportunities.ids,
            )
        )
        self.env["sales.followup.ownership"].invalidate_model(["lead_id", "date_to", "current"])
        self.invalidate_recordset(["followup_ownership_ids"])
        self.env.cr.execute(
            SQL(
                "SELECT 'log', id FROM sales_followup_log WHERE lead_id = ANY(%(ids)s) "
                "UNION ALL "
                "SELECT 'risk', id FROM sales_followup_risk WHERE lead_id = ANY(%(ids)s)",
                ids=opportunities.ids,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return res
        logs = (
            self.env["sales.followup.log"]
            .sudo()
            .browse([id_ for kind, id_ in rows if kind == "log"])
        )
        risks = (
            self.env["sales.followup.risk"]
            .sudo()
            .browse([id_ for kind, id_ in rows if kind == "risk"])
        )
        # Open automatic risks become history (the rules re-raise what still holds); an open
        # manual risk stays open unless the master already has one of its type.
        open_types = set(self.followup_risk_ids.filtered(lambda r: r.state == "open").type_id.ids)
        to_resolve = risks.browse()
        for risk in risks.filtered(lambda risk: risk.state == "open").sorted("date_raised"):
            if risk.automatic or risk.type_id.id in open_types:
                to_resolve |= risk
            else:
                open_types.add(risk.type_id.id)
        to_resolve.write({"state": "resolved", "date_resolved": fields.Datetime.now()})
        risks.write({"lead_id": self.id})
        logs.write({"lead_id": self.id})
        self._followup_apply_risk_rules()
        self._followup_risk_refresh()
        return res

    def action_followup_log(self):
        """Open the quick follow-up log dialog for this lead."""
        self._input_check_ids()
        self.ensure_one()
        self._followup_check_loggable()
        return self._followup_dialog(
            _("Log a Follow-up"),
            "sales.followup.log",
            "sales_followup.sales_followup_log_view_form_quick",
            {"default_lead_id": self.id},
        )

    def action_followup_set_dormant(self):
        """Open the dialog asking for the wake-up date."""
        self._input_check_ids()
        self._followup_check_can_sleep()
        return self._followup_dialog(
            _("Set Dormant"),
            "sales.followup.dormant.wizard",
            "sales_followup.sales_followup_dormant_wizard_view_form",
            {"default_lead_ids": self.ids},
        )

    def action_followup_wakeup(self):
        """Bring dormant leads back to Following now, with a follow-up due today."""
        self._input_check_ids()
        dormant = self.filtered(lambda lead: lead.followup_status == "dormant")
        if not dormant:
            raise UserError(_("Only dormant leads can be woken up."))
        dormant._followup_wake_up()
        return True

    def action_followup_raise_risk(self):
        """Open the dialog to raise a risk by hand."""
        self._input_check_ids()
        self.ensure_one()
        self._followup_check_risk_allowed()
        return self._followup_dialog(
            _("Raise a Risk"),
            "sales.followup.risk",
            "sales_followup.sales_followup_risk_view_form_raise",
            {"default_lead_id": self.id},
        )

    def _followup_dialog(self, name, model, view_xmlid, context):
        """A form of ``model`` in a medium dialog (phone friendly)."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "views": [(self.env.ref(view_xmlid).id, "form")],
            "target": "new",
            "context": {**context, "dialog_size": "medium"},
        }

    def action_followup_mark_lost_no_response(self):
        """Odoo's Lost dialog, with the 'No response' reason already chosen."""
        self._input_check_ids()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_lost_action")
        action["context"] = {
            "dialog_size": "medium",
            "default_lead_ids": self.ids,
            "default_lost_reason_id": self.env.ref("sales_followup.lost_reason_no_response").id,
        }
        return action

    def action_followup_open_logs(self):
        self._input_check_ids()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_followup.sales_followup_log_action"
        )
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"default_lead_id": self.id}
        return action

    # ------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------

    @api.model
    def _followup_setting(self, key):
        """Integer setting of the follow-up rules, falling back to its default (with a warning
        in the log) when the stored parameter is not a number within its bounds: a bad value
        set as a system parameter must not break logging, the crons or the reports."""
        default = FOLLOWUP_SETTING_DEFAULTS[key]
        raw = self.env["ir.config_parameter"].sudo().get_param(f"sales_followup.{key}")
        if raw in (None, False, ""):
            return default
        low, high = FOLLOWUP_SETTING_BOUNDS[key]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            _logger.warning(
                "System parameter sales_followup.%s = %r is not a whole number from %s to %s: "
                "the default %s is used.",
                key,
                raw,
                low,
                high,
                default,
            )
            return default
        return value

    @api.model
    def _followup_latest_deadline(self, today):
        """The latest sensible due date of a follow-up: a year, or the longest rhythm when
        longer. Further away, the lead should be set dormant."""
        longest = max(
            self._followup_setting(key)
            for key in ("interval_a", "interval_b", "interval_c", "interval_converted")
        )
        return today + timedelta(days=max(FOLLOWUP_HORIZON_DAYS, longest))

    @api.model
    def _followup_setting_bool(self, key):
        return bool(self.env["ir.config_parameter"].sudo().get_param(f"sales_followup.{key}"))

    def _followup_interval(self):
        """Days until the next follow-up of this lead: after-sale revisit or grade rhythm."""
        self.ensure_one()
        if self.followup_status == "converted":
            return self._followup_setting("interval_converted")
        return self._followup_setting(f"interval_{self.followup_grade or 'c'}")

    def _followup_may_set_origin(self):
        """The tracker import (run by sales managers) marks the leads it writes."""
        return bool(self.env.context.get("sales_followup_import")) and self._followup_is_manager()

    def _followup_is_manager(self):
        return self.env.su or self.env.user.has_group("sales_team.group_sale_manager")

    # ------------------------------------------------------------
    # Grading
    # ------------------------------------------------------------

    def _followup_suggest_grade(self):
        self.ensure_one()
        if (
            self.followup_budget == "confirmed"
            and self.followup_urgency == "high"
            and self.followup_decision_chain == "short"
        ):
            return "a"
        if self.followup_urgency in (False, "low"):
            return "c"
        return "b"

    # ------------------------------------------------------------
    # Lead codes
    # ------------------------------------------------------------

    @api.model
    def _followup_prepare_codes(self, vals_list):
        """Give each new lead without a code the next SOURCE-YYYYMMDD-NNN code.

        One atomic UPDATE per sequence hands out the serials of the whole batch: the row lock
        it takes serialises concurrent creations of the same source until commit.
        """
        today = fields.Date.context_today(self)
        default_sequence = self.env.ref("sales_followup.ir_sequence_lead_code").sudo()
        sources = self.env["utm.source"].browse(
            {vals["source_id"] for vals in vals_list if vals.get("source_id")}
        )
        pending = defaultdict(list)
        for vals in vals_list:
            if not vals.get("followup_code"):
                source = sources.browse(vals.get("source_id"))
                sequence = source._followup_get_sequence() if source else default_sequence
                pending[sequence].append(vals)
        given = {vals["followup_code"] for vals in vals_list if vals.get("followup_code")}
        for sequence, group in pending.items():
            date_range_id = self._followup_daily_range(sequence, today)
            prefix, suffix = sequence._get_prefix_suffix(date=today, date_range=today)
            step = sequence.number_increment
            # A code set by hand (a manager, an import) is never handed out again: the serials
            # it holds are skipped, and the next ones taken.
            waiting = group
            while waiting:
                self.env.cr.execute(
                    "UPDATE ir_sequence_date_range SET number_next = number_next + %s "
                    "WHERE id = %s RETURNING number_next - %s",
                    (len(waiting) * step, date_range_id, len(waiting) * step),
                )
                first = self.env.cr.fetchone()[0]
                codes = [
                    f"{prefix}{first + index * step:0{sequence.padding}d}{suffix}"
                    for index in range(len(waiting))
                ]
                taken = given | self._followup_codes_in_use(codes)
                left = []
                for vals, code in zip(waiting, codes, strict=True):
                    if code in taken:
                        left.append(vals)
                    else:
                        vals["followup_code"] = code
                waiting = left
        if pending:
            self.env["ir.sequence.date_range"].invalidate_model(["number_next"])

    @api.model
    def _followup_codes_in_use(self, codes):
        """The codes among ``codes`` that leads already have (any company, archived too)."""
        self.flush_model(["followup_code"])
        self.env.cr.execute(
            "SELECT followup_code FROM crm_lead WHERE followup_code = ANY(%s)", [list(codes)]
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _followup_daily_range(self, sequence, day):
        """Id of the sequence's one-day range for ``day`` (the serial restarts every day)."""
        query = (
            "SELECT id FROM ir_sequence_date_range "
            "WHERE sequence_id = %s AND date_from = %s AND date_to = %s ORDER BY id LIMIT 1"
        )
        self.env.cr.execute(query, (sequence.id, day, day))
        row = self.env.cr.fetchone()
        if not row:
            # Lock the sequence so that two transactions do not both open the day's range.
            self.env.cr.execute(
                "SELECT id FROM ir_sequence WHERE id = %s FOR UPDATE", (sequence.id,)
            )
            self.env.cr.execute(query, (sequence.id, day, day))
            row = self.env.cr.fetchone()
        if not row:
            date_range = (
                self.env["ir.sequence.date_range"]
                .sudo()
                .create(
                    {"sequence_id": sequence.id, "date_from": day, "date_to": day, "number_next": 1}
                )
            )
            date_range.flush_recordset()
            return date_range.id
        return row[0]

    # ------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------

    def _followup_sync_status(self):
        """Follow Odoo's won/lost state: inactive is lost, a won stage is converted, and a lead
        leaving either comes back to Following."""
        moves = defaultdict(lambda: self.browse())
        for lead in self:
            if not lead.active:
                target = "lost"
            elif lead.stage_id.is_won:
                target = "converted"
            elif lead.followup_status in ("lost", "converted"):
                target = "in_progress"
            else:
                continue
            if target != lead.followup_status:
                moves[target] |= lead
        today = fields.Date.context_today(self)
        changed = self.browse()
        for status, leads in moves.items():
            leads.sudo().write({"followup_status": status, "followup_wakeup_date": False})
            if status == "converted":
                revisit = today + timedelta(days=self._followup_setting("interval_converted"))
                leads._followup_schedule(
                    leads._followup_on_working_days(dict.fromkeys(leads.ids, revisit))
                )
            elif status == "in_progress":
                leads._followup_schedule(dict.fromkeys(leads.ids, today))
            changed |= leads
        # Lost leads lose their automatic risks at once; others are re-evaluated.
        changed._followup_apply_risk_rules()

    def _followup_check_loggable(self):
        for lead in self:
            if not lead.active:
                raise UserError(
                    _(
                        "Lead: %s is lost or archived; restore it before logging a follow-up.",
                        lead.display_name,
                    )
                )

    def _followup_check_can_sleep(self):
        for lead in self:
            if not lead.active or lead.followup_status not in ("to_contact", "in_progress"):
                statuses = dict(self._fields["followup_status"]._description_selection(self.env))
                raise UserError(
                    _(
                        "Lead: only open leads (To Follow Up or Following) can be set dormant; "
                        "%(lead)s is %(status)s.",
                        lead=lead.display_name,
                        status=statuses[lead.followup_status]
                        if lead.active
                        else _("lost or archived"),
                    )
                )

    def _followup_check_wakeup_horizon(self, wakeup_date, today):
        """A wake-up date is at most as far as the latest follow-up (a year, or the longest
        rhythm): a lead asleep for longer is out of every rule (pool, risks) for good; such a
        customer is lost (with the reason) rather than dormant."""
        latest = self._followup_latest_deadline(today)
        if wakeup_date > latest:
            raise ValidationError(
                _(
                    "Wake-up Date: %(date)s is too far away (%(latest)s at the latest); mark the "
                    "lead lost when the customer has no need for that long.",
                    date=fields.Date.to_string(wakeup_date),
                    latest=fields.Date.to_string(latest),
                )
            )

    def _followup_set_dormant(self, wakeup_date, note=False):
        self._followup_check_can_sleep()
        today = fields.Date.context_today(self)
        if not wakeup_date or wakeup_date <= today:
            raise ValidationError(_("Wake-up Date: choose a date after today."))
        self._followup_check_wakeup_horizon(wakeup_date, today)
        self.sudo().write(
            {
                "followup_status": "dormant",
                "followup_wakeup_date": wakeup_date,
                "followup_date_fixed": False,
                "followup_postponed_from": False,
            }
        )
        self._followup_open_activities().unlink()
        self._followup_apply_risk_rules()
        body = _("Set dormant until %s.", fields.Date.to_string(wakeup_date))
        if note:
            body = f"{body} {note}"
        self._message_log_batch(
            bodies=dict.fromkeys(self.ids, escape(body)), message_type="comment"
        )

    # ------------------------------------------------------------
    # Risks
    # ------------------------------------------------------------

    def _followup_lock(self):
        """Lock these leads' rows until the end of the transaction, before anything is read
        from them: two follow-ups of one lead at once (Save tapped twice, a phone and a
        desktop) are then applied one after the other. The second one waits, and as the lead
        changed meanwhile, PostgreSQL refuses its snapshot and Odoo replays the request on the
        new state (its lead's Follow-up, its followers), instead of both scheduling a
        Follow-up or both subscribing the salesperson."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM crm_lead WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                    tuple(self.ids),
                )
            )

    def _followup_check_risk_allowed(self):
        for lead in self:
            if not lead.active or lead.followup_status in ("lost", "dormant"):
                raise UserError(
                    _(
                        "Lead: %s is lost, dormant or archived; risks are raised on open leads.",
                        lead.display_name,
                    )
                )

    def _followup_apply_risk_rules(self):
        """Apply the automatic risk rules to these leads at once (after a log, a status change)."""
        if self.ids:
            self.env["sales.followup.risk"]._apply_rules(lead_ids=self.ids)

    def _followup_risk_refresh(self):
        """Recompute the risk level, the lost-candidate flag and the open risk types of these
        leads from their open risks, in three statements. The open risks are read by the
        leads' ids on their own (not joined lead by lead), so that a scan batch of thousands of
        leads keeps its plan whatever PostgreSQL's statistics of the fast-growing risk table
        say at that moment."""
        if not self.ids:
            return
        self.env["sales.followup.risk"].flush_model(["lead_id", "type_id", "state"])
        no_reply = self.env.ref("sales_followup.risk_type_no_reply", raise_if_not_found=False)
        ids = list(self.ids)
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
        self.invalidate_recordset(
            [
                "followup_risk_level",
                "followup_lost_candidate",
                "followup_risk_type_ids",
                "followup_risk_ids",
            ]
        )

    def _followup_auto_lose(self):
        """Mark lost, with the reason 'No response', the lost candidates among these leads (all
        leads when called on an empty recordset from the scan)."""
        domain = [("followup_lost_candidate", "=", True), ("active", "=", True)]
        if self.ids:
            domain.append(("id", "in", self.ids))
        leads = self.sudo().search(domain)
        if leads:
            leads.action_set_lost(
                lost_reason_id=self.env.ref("sales_followup.lost_reason_no_response").id
            )
