import io

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..report.report_followup_funnel import cell_kind
from ..report.sales_followup_funnel_report import BREAKDOWNS

# Each kind of column of the report's tables in the XLSX: (default width in characters,
# number format). A column specification may give its own "width".
XLSX_KINDS = {
    "label": (28, None),
    "count": (12, "#,##0"),
    "rate": (14, "0.0%"),
    "days": (14, "#,##0.0"),
    "money": (16, "#,##0.00"),
    # Comparison with the previous period: signed changes, rates change in points
    "rate_change": (12, "+0.0%;-0.0%;0.0%"),
    "count_change": (12, "+#,##0;-#,##0;0"),
    "money_change": (16, "+#,##0.00;-#,##0.00;0.00"),
    "days_change": (14, "+#,##0.0;-#,##0.0;0.0"),
    "points": (14, '+0.0" pts";-0.0" pts";0.0" pts"'),
    # Columns whose cells take the kind of their row (see cell_kind): widths only
    "row": (18, None),
    "change": (16, None),
}

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
        """The funnel's figures for this dialog. Only reads, but not ``@api.readonly``: over
        RPC it would run on a database replica, which may not have the dialog saved a moment
        before on the primary."""
        self._input_check_ids(exist=False)  # not on a replica yet: read on the primary
        self.ensure_one()
        domain = self._domain()
        pool = self.env["sales.followup.pool.report"]._pool_figures(
            self.date_from, self.date_to, self.team_ids.ids, self.user_ids.ids
        )
        data = self.env["sales.followup.funnel.report"].get_funnel_data(
            domain, self.breakdown, closed_domain=self._closed_domain(), pool=pool
        )
        data["filters"] = {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "teams": ", ".join(self.team_ids.mapped("name")) or _("All"),
            "users": ", ".join(self.user_ids.mapped("name")) or _("All"),
        }
        data["charts"] = self.env["sales.followup.funnel.report"]._funnel_charts(
            data, self.date_to, self._scope_domain()
        )
        data.update(self._comparison_data(data))
        return data

    def _comparison_data(self, data):
        """The period next to the one before: what happened in each (activity) and the
        headline KPIs of each one's cohort."""
        Funnel = self.env["sales.followup.funnel.report"]
        Report = self.env["report.sales_followup_reports.report_followup_funnel"]
        date_from, date_to = previous_period(self.date_from, self.date_to)
        teams, users = self.team_ids.ids, self.user_ids.ids
        previous_domain = [
            ("start_date", ">=", date_from),
            ("start_date", "<=", date_to),
            *self._scope_domain(),
        ]
        previous_totals = Funnel._kpis_from_row(
            Funnel._read_group(previous_domain, [], Funnel._kpi_aggregates())[0]
        )
        return {
            "previous": {"date_from": date_from, "date_to": date_to, "totals": previous_totals},
            "comparison_columns": Report._comparison_columns(),
            "activity": Report._activity_rows(
                Report._activity_figures(self.date_from, self.date_to, teams, users),
                Report._activity_figures(date_from, date_to, teams, users),
            ),
            "kpi_rows": Report._cohort_kpi_rows(data["totals"], previous_totals),
        }

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

    # ------------------------------------------------------------
    # XLSX: the same figures as the PDF, one sheet per table
    # ------------------------------------------------------------

    def _xlsx_content(self, data):
        output = io.BytesIO()
        # Texts are written as texts: a name such as =HYPERLINK(...) is never a live formula.
        book = xlsxwriter.Workbook(
            output,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        bold = book.add_format({"bold": True})
        heading = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        formats = {
            kind: book.add_format({"num_format": num_format}) if num_format else None
            for kind, (_width, num_format) in XLSX_KINDS.items()
        }

        def write_value(sheet, row, col, value, kind):
            if value is None:
                sheet.write_blank(row, col, None)
            elif formats[kind]:
                sheet.write(row, col, value, formats[kind])
            else:
                sheet.write(row, col, value)

        def set_widths(sheet, columns):
            for col, column in enumerate(columns):
                sheet.set_column(col, col, column.get("width") or XLSX_KINDS[column["kind"]][0])

        def write_table(sheet, row, columns, rows):
            """A table of the report from its column specification, which gives each column
            its heading, its number format (by kind, or by the row's kind) and its width."""
            set_widths(sheet, columns)
            for col, column in enumerate(columns):
                sheet.write(row, col, column["title"], heading)
            for record in rows:
                row += 1
                for col, column in enumerate(columns):
                    value = record[column["key"]]
                    if column["kind"] == "label":
                        value = value or column["empty"] or None
                    write_value(sheet, row, col, value, cell_kind(column, record))
            return row + 2

        filters, previous = data["filters"], data["previous"]
        sheet = book.add_worksheet(_("Activity"))
        sheet.write(0, 0, _("Activity in the period"), bold)
        sheet.write(1, 0, _("Period"))
        sheet.write(1, 1, f"{filters['date_from']} – {filters['date_to']}")
        sheet.write(2, 0, _("Previous period"))
        sheet.write(2, 1, f"{previous['date_from']} – {previous['date_to']}")
        write_table(sheet, 4, data["comparison_columns"], data["activity"])
        set_widths(sheet, [{"kind": "label", "width": 44}, *data["comparison_columns"][1:]])

        sheet = book.add_worksheet(_("KPIs"))
        sheet.write(0, 0, _("Follow-up funnel"), bold)
        sheet.write(1, 0, _("Period"))
        sheet.write(1, 1, f"{filters['date_from']} – {filters['date_to']}")
        sheet.write(2, 0, _("Sales Teams"))
        sheet.write(2, 1, filters["teams"])
        sheet.write(3, 0, _("Salespeople"))
        sheet.write(3, 1, filters["users"])
        sheet.write(4, 0, _("Previous period"))
        sheet.write(4, 1, f"{previous['date_from']} – {previous['date_to']}")
        # The cohort's headline KPIs next to the previous period's cohort
        columns = data["comparison_columns"]
        next_row = write_table(sheet, 6, columns, data["kpi_rows"])
        set_widths(sheet, [{"kind": "label", "width": 44}, *columns[1:]])
        closed = data["closed"] or {"won": 0, "won_revenue": 0.0, "lost": 0}
        kpis = [
            (_("Won in the period (by closing date)"), closed["won"], "count"),
            (_("Won revenue in the period (by closing date)"), closed["won_revenue"], "money"),
            (_("Lost in the period (by closing date)"), closed["lost"], "count"),
        ]
        for row, (label, value, kind) in enumerate(kpis, start=next_row):
            sheet.write(row, 0, label)
            write_value(sheet, row, 1, value, kind)

        sheet = book.add_worksheet(_("Funnel"))
        write_table(sheet, 0, data["funnel_columns"], data["funnel"])

        sheet = book.add_worksheet(data["breakdown_label"])
        write_table(sheet, 0, data["breakdown_columns"], data["breakdown"])

        sheet = book.add_worksheet(_("Lost reasons"))
        write_table(sheet, 0, data["lost_reason_columns"], data["lost_reasons"])

        sheet = book.add_worksheet(_("Open risks"))
        write_table(sheet, 0, data["risk_columns"], data["risks"])

        sheet = book.add_worksheet(_("Discipline"))
        write_table(sheet, 0, data["discipline_columns"], data["discipline"])

        pool = data["pool"]
        if pool:
            sheet = book.add_worksheet(_("Pool"))
            sheet.write(0, 0, _("Customer pool"), bold)
            sheet.write(1, 0, _("At the end of the period") if pool["ended"] else _("Now"))
            sheet.write(1, 1, pool["as_of_label"])
            write_table(sheet, 3, data["pool_columns"], [*pool["pool_by_team"], pool["pool"]])
        book.close()
        return output.getvalue()
