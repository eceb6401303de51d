from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..report.funnel_xlsx import funnel_xlsx
from ..report.sales_followup_funnel_report import BREAKDOWNS

PERIODS = [
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("this_year", "This year"),
    ("last_year", "Last year"),
    ("custom", "Custom"),
]


def period_dates(period, today):
    """(first day, last day) of a preset period around ``today``; weeks start on Monday.
    None for a custom period."""
    if period in ("this_week", "last_week"):
        start = today - relativedelta(days=today.weekday())
        if period == "last_week":
            start -= relativedelta(weeks=1)
        return start, start + relativedelta(days=6)
    if period in ("this_month", "last_month"):
        start = today.replace(day=1)
        if period == "last_month":
            start -= relativedelta(months=1)
        return start, start + relativedelta(months=1, days=-1)
    if period in ("this_quarter", "last_quarter"):
        start = today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1)
        if period == "last_quarter":
            start -= relativedelta(months=3)
        return start, start + relativedelta(months=3, days=-1)
    if period in ("this_year", "last_year"):
        start = today.replace(day=1, month=1)
        if period == "last_year":
            start -= relativedelta(years=1)
        return start, start.replace(month=12, day=31)
    return None


def previous_period(date_from, date_to):
    """(first day, last day) of the period of the same length just before: for whole
    calendar months (a month, a quarter, a year) as many months before, otherwise as many days
    before (for a week, the week before)."""
    next_day = date_to + relativedelta(days=1)
    if date_from.day == 1 and next_day.day == 1:
        months = (next_day.year - date_from.year) * 12 + next_day.month - date_from.month
        return date_from - relativedelta(months=months), date_from - relativedelta(days=1)
    days = (date_to - date_from).days + 1
    return date_from - relativedelta(days=days), date_from - relativedelta(days=1)


class SalesFollowupFunnelWizard(models.TransientModel):
    _name = "sales.followup.funnel.wizard"
    _inherit = ["sales.followup.input.guard"]
    _description = "Print the Follow-up Funnel"

    period = fields.Selection(
        PERIODS,
        required=True,
        default="this_month",
        help="Fills the two dates; they can still be changed by hand.",
    )
    date_from = fields.Date(
        string="From",
        compute="_compute_dates",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    date_to = fields.Date(
        string="To",
        compute="_compute_dates",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    team_ids = fields.Many2many(
        "crm.team", string="Sales Teams", help="Empty: every team you can see."
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Salespeople",
        domain="[('share', '=', False)]",
        help="Empty: every salesperson you can see.",
    )
    breakdown = fields.Selection(
        [(key, label) for key, label in BREAKDOWNS.items()],
        string="Break Down By",
        required=True,
        default="source_id",
    )

    @api.depends("period")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            dates = period_dates(wizard.period, today)
            if dates:
                wizard.date_from, wizard.date_to = dates
            elif not (wizard.date_from and wizard.date_to):
                wizard.date_from, wizard.date_to = period_dates("this_month", today)

    @api.onchange("date_from", "date_to")
    def _onchange_dates(self):
        # Dates changed by hand no longer follow the preset.
        today = fields.Date.context_today(self)
        for wizard in self:
            if period_dates(wizard.period, today) not in (None, (wizard.date_from, wizard.date_to)):
                wizard.period = "custom"

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from and wizard.date_to and wizard.date_from > wizard.date_to:
                raise ValidationError(
                    _(
                        "Period: 'From' (%(start)s) is after 'To' (%(end)s).",
                        start=wizard.date_from,
                        end=wizard.date_to,
                    )
                )

    def _domain(self):
        """Leads whose lead date is in the period (a cohort), within the chosen teams and
        salespeople; record rules keep a salesperson to the leads he may see."""
        self.ensure_one()
        if not self.date_from or not self.date_to:
            raise UserError(_("Period: choose both dates."))
        if not self.breakdown:
            raise UserError(_("Break Down By: choose a dimension."))
        domain = [("start_date", ">=", self.date_from), ("start_date", "<=", self.date_to)]
        return domain + self._scope_domain()

    def _closed_domain(self):
        """Leads closed (won or lost) in the period, whenever they came in."""
        self.ensure_one()
        self._domain()  # the same checks
        return [
            ("date_closed", ">=", fields.Datetime.to_datetime(self.date_from)),
            ("date_closed", "<", fields.Datetime.to_datetime(self.date_to + relativedelta(days=1))),
            *self._scope_domain(),
        ]

    def _scope_domain(self):
        domain = []
        if self.team_ids:
            domain.append(("team_id", "in", self.team_ids.ids))
        if self.user_ids:
            domain.append(("user_id", "in", self.user_ids.ids))
        return domain

    def get_report_data(self):
        """The funnel's figures for this dialog (the report computes them). Only reads, but not
        ``@api.readonly``: over RPC it would run on a database replica, which may not have the
        dialog saved a moment before on the primary."""
        self._input_check_ids(exist=False)  # not on a replica yet: read on the primary
        self.ensure_one()
        return self.env["report.sales_followup_reports.report_followup_funnel"]._report_data(self)

    def action_print_pdf(self):
        self._input_check_ids()
        self.ensure_one()
        self._domain()  # clear errors before the report opens
        return self.env.ref("sales_followup_reports.action_report_followup_funnel").report_action(
            self
        )

    def action_export_xlsx(self):
        """Download the XLSX, made on request by the controller and never stored."""
        self._input_check_ids()
        self.ensure_one()
        self._domain()  # clear errors before the download starts
        return {
            "type": "ir.actions.act_url",
            "url": f"/sales_followup_reports/funnel/{self.id}/xlsx",
            "target": "self",
        }

    def _xlsx_export(self):
        """(content, file name) of the funnel as XLSX."""
        self.ensure_one()
        content = self._xlsx_content(self.get_report_data())
        return content, f"followup_funnel_{self.date_from}_{self.date_to}.xlsx"

    def _xlsx_content(self, data):
        """The XLSX of the figures ``data`` (``get_report_data``), in the user's language."""
        return funnel_xlsx(data, self.env._)
