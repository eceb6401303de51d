from collections.abc import Collection
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..compat import FALSE_DOMAIN, LEAD_PHONES, OR

# One concern per file: the rep's day (the Today list, call-then-log) is not the lead's fields,
# checks and actions of crm_lead.py.
# pylint: disable=consider-merging-classes-inherited

# The Today list shows, after what is due, the follow-ups of the coming days.
FOLLOWUP_UPCOMING_DAYS = 7
FOLLOWUP_DUE_BUCKETS = [
    ("overdue", "Overdue"),
    ("today", "Today"),
    ("upcoming", "Coming up"),
]


class CrmLead(models.Model):
    """The salesperson's day: which follow-ups are due (overdue, today, coming up), what to do
    and what was said last, and the Call button that opens the log dialog."""

    _inherit = "crm.lead"

    # Today's date is the user's: the bucket is computed in SQL for grouping, sorting and
    # searching, and in Python for the records read.
    followup_due_bucket = fields.Selection(
        FOLLOWUP_DUE_BUCKETS,
        string="Due",
        compute="_compute_followup_due_bucket",
        search="_search_followup_due_bucket",
        help="Overdue, due today, or due in the next days (the Today list's groups).",
    )
    followup_next_action = fields.Char(
        string="Next Action",
        compute="_compute_followup_next_action",
        help="What the open Follow-up says to do (the next action planned at the last contact).",
    )
    followup_last_summary = fields.Text(
        string="Last Contact",
        compute="_compute_followup_last_summary",
        help="What was discussed at the last contact logged.",
    )
    followup_call_number = fields.Char(
        string="Number to Call",
        compute="_compute_followup_call_number",
        help="The number the call button dials: the lead's mobile where Odoo has one, else its "
        "phone.",
    )

    @api.depends(*LEAD_PHONES)
    def _compute_followup_call_number(self):
        for lead in self:
            lead.followup_call_number = next(
                (lead[name].strip() for name in LEAD_PHONES if (lead[name] or "").strip()), False
            )

    @api.model
    def _followup_bucket_bounds(self):
        today = fields.Date.context_today(self)
        return today, today + timedelta(days=FOLLOWUP_UPCOMING_DAYS)

    @api.depends("followup_next_date")
    @api.depends_context("tz")
    def _compute_followup_due_bucket(self):
        today, last = self._followup_bucket_bounds()
        for lead in self:
            day = lead.followup_next_date
            if not day or day > last:
                lead.followup_due_bucket = False
            elif day < today:
                lead.followup_due_bucket = "overdue"
            elif day == today:
                lead.followup_due_bucket = "today"
            else:
                lead.followup_due_bucket = "upcoming"

    def _search_followup_due_bucket(self, operator, value):
        known = [key for key, _label in FOLLOWUP_DUE_BUCKETS]
        # A list of values, or 19.0's sets (it hands "=" on as "in").
        many = isinstance(value, Collection) and not isinstance(value, str)
        if operator in ("=", "!=") and not many:
            # "= False": not due within the list's days; "!= False": due within them.
            values = [value] if value else known
            positive = (operator == "=") == bool(value)
        elif operator in ("in", "not in") and many and all(value):
            values = list(value)
            positive = operator == "in"
        elif operator in ("in", "not in") and many:
            # False among them: no bucket. "in [False, x]" is "not in (the others)".
            values = [key for key in known if key not in value] + [
                item for item in value if item and item not in known
            ]
            positive = operator == "not in"
        else:
            raise UserError(_("Due: %s is not a way to search it (use = or in).", operator))
        unknown = [item for item in values if item not in known]
        if unknown:
            raise UserError(
                _(
                    "Due: %(value)r is not one of %(allowed)s.",
                    value=unknown[0],
                    allowed=", ".join(known),
                )
            )
        today, last = self._followup_bucket_bounds()
        ranges = {
            "overdue": [("followup_next_date", "<", today)],
            "today": [("followup_next_date", "=", today)],
            "upcoming": [("followup_next_date", ">", today), ("followup_next_date", "<=", last)],
        }
        domain = OR([ranges[key] for key in values]) if values else FALSE_DOMAIN
        if positive:
            return domain
        # Leads without a follow-up are in no bucket (NOT on an empty date would drop them).
        return ["|", ("followup_next_date", "=", False), "!", *domain]

    def _field_to_sql(self, alias, fname, query=None, *args, **kwargs):
        """The due bucket in SQL, so that the Today list groups and sorts by it. (18.0 passes
        a ``flush`` flag after the query, 19.0 does not: the rest is handed on as it came.)"""
        if fname != "followup_due_bucket":
            return super()._field_to_sql(alias, fname, query, *args, **kwargs)
        today, last = self._followup_bucket_bounds()
        next_date = super()._field_to_sql(alias, "followup_next_date", query, *args, **kwargs)
        return SQL(
            """CASE WHEN %(day)s < %(today)s THEN 'overdue'
                    WHEN %(day)s = %(today)s THEN 'today'
                    WHEN %(day)s <= %(last)s THEN 'upcoming' END""",
            day=next_date,
            today=today,
            last=last,
        )

    @api.depends("activity_ids.summary", "activity_ids.activity_type_id")
    def _compute_followup_next_action(self):
        activity_type_id = self.env["sales.followup.engine"]._type_id()
        for lead in self:
            followups = lead.activity_ids.filtered(
                lambda act: act.activity_type_id.id == activity_type_id
            )
            lead.followup_next_action = followups[:1].summary or False

    @api.depends("followup_log_ids.summary", "followup_log_ids.date")
    def _compute_followup_last_summary(self):
        """The latest log's summary of each lead, in one query for all of them."""
        summaries = {}
        if self.ids:
            self.env["sales.followup.log"].flush_model(["lead_id", "date", "summary"])
            rows = self.env.execute_query(
                SQL(
                    """SELECT DISTINCT ON (lead_id) lead_id, summary
                         FROM sales_followup_log
                        WHERE lead_id IN %s
                     ORDER BY lead_id, date DESC, id DESC""",
                    tuple(self.ids),
                )
            )
            summaries = dict(rows)
        for lead in self:
            lead.followup_last_summary = summaries.get(lead.id, False)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_followup_call(self):
        """The Call button: the browser dials the customer (a tel: link) while this opens the
        log dialog with the phone already chosen, for the rep coming back from the call."""
        self._input_check_ids()
        action = self.action_followup_log()
        action["name"] = _("Log the Call")
        action["context"]["default_method"] = "phone"
        return action
