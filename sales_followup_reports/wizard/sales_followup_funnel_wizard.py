import io

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..report.sales_followup_funnel_report import BREAKDOWNS


class SalesFollowupFunnelWizard(models.TransientModel):
    _name = "sales.followup.funnel.wizard"
    _description = "Print the Follow-up Funnel"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) + relativedelta(months=1, days=-1)
        ),
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
        return data

    def action_print_pdf(self):
        self.ensure_one()
        self._domain()  # clear errors before the report opens
        return self.env.ref("sales_followup_reports.action_report_followup_funnel").report_action(
            self
        )

    def action_export_xlsx(self):
        """Download the XLSX, made on request by the controller and never stored."""
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
        percent = book.add_format({"num_format": "0.0%"})
        number = book.add_format({"num_format": "#,##0.00"})

        formats_by_kind = {"rate": percent, "days": number}

        def write_spec_table(sheet, row, columns, rows):
            """A table of the PDF from the same column specification."""
            return write_table(
                sheet,
                row,
                [column["title"] for column in columns],
                [
                    tuple(
                        (record[column["key"]] or column["empty"])
                        if column["kind"] == "label"
                        else record[column["key"]]
                        for column in columns
                    )
                    for record in rows
                ],
                {
                    col: formats_by_kind[column["kind"]]
                    for col, column in enumerate(columns)
                    if column["kind"] in formats_by_kind
                },
            )

        def write_table(sheet, row, header, rows, formats=None):
            for col, title in enumerate(header):
                sheet.write(row, col, title, bold)
            for values in rows:
                row += 1
                for col, value in enumerate(values):
                    fmt = (formats or {}).get(col)
                    if value is None:
                        sheet.write_blank(row, col, None)
                    elif fmt:
                        sheet.write(row, col, value, fmt)
                    else:
                        sheet.write(row, col, value)
            return row + 2

        totals = data["totals"]
        sheet = book.add_worksheet(_("KPIs"))
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 1, 16)
        filters = data["filters"]
        sheet.write(0, 0, _("Follow-up funnel"), bold)
        sheet.write(1, 0, _("Period"))
        sheet.write(1, 1, f"{filters['date_from']} – {filters['date_to']}")
        sheet.write(2, 0, _("Sales Teams"))
        sheet.write(2, 1, filters["teams"])
        sheet.write(3, 0, _("Salespeople"))
        sheet.write(3, 1, filters["users"])
        closed = data["closed"] or {"won": 0, "won_revenue": 0.0, "lost": 0}
        kpis = [
            (_("New leads"), totals["leads"], None),
            (_("Contacted"), totals["contacted"], None),
            (_("Converted"), totals["converted"], None),
            (_("Lost"), totals["lost"], None),
            (_("Conversion rate"), totals["conversion_rate"], percent),
            (_("Average cycle days"), totals["cycle_days"], number),
            (_("Won revenue"), totals["won_revenue"], number),
            (_("First contact in window rate"), totals["first_contact_rate"], percent),
            (_("On-rhythm follow-up rate"), totals["on_rhythm_rate"], percent),
            (_("Won in the period (by closing date)"), closed["won"], None),
            (_("Won revenue in the period (by closing date)"), closed["won_revenue"], number),
            (_("Lost in the period (by closing date)"), closed["lost"], None),
        ]
        row = 5
        for label, value, fmt in kpis:
            sheet.write(row, 0, label)
            if value is None:
                sheet.write_blank(row, 1, None)
            elif fmt:
                sheet.write(row, 1, value, fmt)
            else:
                sheet.write(row, 1, value)
            row += 1

        sheet = book.add_worksheet(_("Funnel"))
        write_table(
            sheet,
            0,
            [_("Stage"), _("Now in stage"), _("Reached"), _("Step conversion")],
            [(f["stage"], f["current"], f["reached"], f["step_rate"]) for f in data["funnel"]],
            {3: percent},
        )

        sheet = book.add_worksheet(data["breakdown_label"])
        write_table(
            sheet,
            0,
            [
                data["breakdown_label"],
                _("Leads"),
                _("Contacted"),
                _("Converted"),
                _("Lost"),
                _("Conversion rate"),
                _("Average cycle days"),
                _("Won revenue"),
            ],
            [
                (
                    r["label"] or _("None"),
                    r["leads"],
                    r["contacted"],
                    r["converted"],
                    r["lost"],
                    r["conversion_rate"],
                    r["cycle_days"],
                    r["won_revenue"],
                )
                for r in data["breakdown"]
            ],
            {5: percent, 6: number, 7: number},
        )

        sheet = book.add_worksheet(_("Lost reasons"))
        write_table(
            sheet,
            0,
            [_("Lost reason"), _("Leads"), _("Share")],
            [(r["label"] or _("None"), r["count"], r["share"]) for r in data["lost_reasons"]],
            {2: percent},
        )

        sheet = book.add_worksheet(_("Open risks"))
        write_table(
            sheet,
            0,
            [_("Risk"), _("Open")],
            [(r["label"], r["count"]) for r in data["risks"]],
        )

        sheet = book.add_worksheet(_("Discipline"))
        write_spec_table(sheet, 0, data["discipline_columns"], data["discipline"])

        pool = data["pool"]
        if pool:
            sheet = book.add_worksheet(_("Pool"))
            sheet.set_column(0, 0, 24)
            sheet.write(0, 0, _("Customer pool"), bold)
            sheet.write(1, 0, _("At the end of the period") if pool["ended"] else _("Now"))
            sheet.write(1, 1, pool["as_of_label"])
            write_spec_table(sheet, 3, data["pool_columns"], [*pool["pool_by_team"], pool["pool"]])
        book.close()
        return output.getvalue()
