from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, create_index

from ..compat import Constraint
from ..tools import grading
from ..tools.lead_states import (
    FOLLOWUP_GRADES,
    FOLLOWUP_ORIGINS,
    FOLLOWUP_STATUSES,
    GRADE_RULE_HELP,
)
from .selection_check import check_selection_values


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
        string="Customer Name", compute="_compute_followup_customer_name"
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
    followup_date_fixed = fields.Boolean(
        string="Follow-up Dated by Hand",
        copy=False,
        help="Technical: the open follow-up was dated explicitly by the salesperson, so a grade "
        "change does not move it.",
    )

    _followup_code_company_uniq = Constraint(
        "unique(company_id, followup_code)", "Lead codes must be unique per company."
    )

    @api.depends("followup_budget", "followup_urgency", "followup_decision_chain")
    def _compute_followup_grade_suggested(self):
        for lead in self:
            lead.followup_grade_suggested = grading.suggest_grade(
                lead.followup_budget, lead.followup_urgency, lead.followup_decision_chain
            )

    @api.depends("followup_budget", "followup_urgency", "followup_decision_chain")
    def _compute_followup_grade(self):
        for lead in self:
            lead.followup_grade = grading.suggest_grade(
                lead.followup_budget, lead.followup_urgency, lead.followup_decision_chain
            )

    @api.depends("partner_id.commercial_partner_id.name", "partner_name", "contact_name")
    def _compute_followup_customer_name(self):
        for lead in self:
            lead.followup_customer_name = (
                lead.partner_id.commercial_partner_id.name
                or lead.partner_name
                or lead.contact_name
                or False
            )

    @api.depends("followup_log_ids")
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
        activity_type = self.env["mail.activity.type"].browse(
            self.env["sales.followup.engine"]._type_id()
        )
        window = timedelta(
            hours=self.env["sales.followup.settings"]._get_int("first_contact_hours")
        )
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

    @api.model_create_multi
    def create(self, vals_list):
        check_selection_values(self, vals_list)
        # Copies: callers may pass the same dict several times, and each lead needs its own code.
        vals_list = [dict(vals) for vals in vals_list]
        self._followup_check_create(vals_list)
        self.env["utm.source"]._followup_allocate_codes(vals_list)
        leads = super().create(vals_list)
        leads._followup_sync_status()
        self.env["sales.followup.engine"]._trigger_first_contact(leads)
        leads._followup_owner_created()
        return leads

    def write(self, vals):
        check_selection_values(self, [vals])
        vals = self._followup_check_write(vals)
        grade_fields = {
            "followup_grade",
            "followup_budget",
            "followup_urgency",
            "followup_decision_chain",
        }
        old_grades = (
            {lead.id: lead.followup_grade for lead in self} if grade_fields & vals.keys() else None
        )
        if "user_id" in vals:
            self._followup_check_owner_write(vals["user_id"])
            previous_users = {lead.id: lead.user_id.id for lead in self}
        res = super().write(vals)
        if "active" in vals or "stage_id" in vals:
            self._followup_sync_status()
        if old_grades is not None:
            self.env["sales.followup.engine"]._after_grade_change(
                self.filtered(lambda lead: lead.followup_grade != old_grades[lead.id])
            )
        if "user_id" in vals:
            self.env["sales.followup.engine"]._reassign(self)
            self._followup_owner_changed(previous_users)
        return res

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
        type_id = self.env["sales.followup.engine"]._type_id()
        followups = (self | opportunities).activity_ids.filtered(
            lambda act: act.activity_type_id.id == type_id
        )
        master_followups = followups.filtered(lambda act: act.res_id == self.id)
        merged_followups = (followups - master_followups).sorted("date_deadline")
        (merged_followups if master_followups else merged_followups[1:]).unlink()
        res = super()._merge_dependences(opportunities)
        self.env["sales.followup.ownership"]._merge_into(self, opportunities)
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
        logs.write({"lead_id": self.id})
        risks._merge_into(self)
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
