import datetime

import pytz

from odoo import api, fields, models

from ..tools import charts


class ReportFollowupFunnel(models.AbstractModel):
    """The printed funnel's charts: the weekly trend's figures and the SVG pictures of the
    report's figures (drawn by ``tools.charts``)."""

    _inherit = "report.sales_followup_reports.report_followup_funnel"

    @api.model
    def _funnel_charts(self, data, date_to, scope_domain, weeks=12):
        """The charts of the printable funnel, from the figures of ``_funnel_data``
        (``data``): the stage funnel, the lost reasons and the trend of the ``weeks`` ISO
        weeks ending with ``date_to``, within ``scope_domain`` (teams, salespeople)."""
        _ = self.env._
        no_data = _("No data")
        no_reason = _("No reason given")
        trend = self._weekly_trend(date_to, scope_domain, weeks)
        return {
            "funnel": charts.funnel_svg(
                [
                    charts.Bar(step["stage"], step["reached"], step["step_rate"])
                    for step in data["funnel"]
                ],
                no_data,
            ),
            "lost_reasons": charts.bar_svg(
                [
                    charts.Bar(row["label"] or no_reason, row["count"], row["share"])
                    for row in data["lost_reasons"]
                ],
                no_data,
            ),
            "trend": charts.trend_svg(
                [
                    charts.Series(_("New leads"), tuple(trend["new_leads"])),
                    charts.Series(_("Contacts"), tuple(trend["contacts"])),
                    charts.Series(_("On-rhythm rate"), tuple(trend["on_rhythm_rate"]), "rate"),
                    charts.Series(_("Won value"), tuple(trend["won_revenue"]), "amount"),
                ],
                [week.strftime("%m-%d") for week in trend["weeks"]],
                no_data,
            ),
            "trend_figures": trend,
        }

    @api.model
    def _weekly_trend(self, date_to, scope_domain, weeks=12):
        """Per ISO week of the ``weeks`` weeks ending with the week of ``date_to`` (the last
        one up to ``date_to``): new leads by lead date, contacts (follow-up logs by their
        date), the on-rhythm rate of those logs and the won value by closing date.

        One grouped query per source whatever the number of weeks: weeks are grouped by their
        ISO week number, unique within a year's span of weeks. The funnel's own definitions
        and record rules apply (won = ``converted``, its value ``won_revenue``); the logs are
        those of the leads in ``scope_domain`` (teams, salespeople) that the user may read.
        Datetimes fall in the week of the user's time zone."""
        if not 1 <= weeks <= 52:
            raise ValueError(f"weeks must be from 1 to 52, not {weeks}")
        mondays = charts.week_starts(date_to, weeks)
        index = {monday.isocalendar().week: position for position, monday in enumerate(mondays)}
        first, after = mondays[0], date_to + datetime.timedelta(days=1)
        start, end = self._trend_utc(first), self._trend_utc(after)

        Funnel = self.env["sales.followup.funnel.report"]

        def by_week(rows):
            """{position of the week: (values...)} from (ISO week number, values...) rows."""
            return {index[int(week)]: values for week, *values in rows if int(week) in index}

        with Funnel._jit_off():
            new_leads = by_week(
                Funnel._read_group(
                    [("start_date", ">=", first), ("start_date", "<", after), *scope_domain],
                    ["start_date:iso_week_number"],
                    ["__count"],
                )
            )
            won = by_week(
                Funnel._read_group(
                    [
                        ("converted", "=", 1),
                        ("date_closed", ">=", start),
                        ("date_closed", "<", end),
                        *scope_domain,
                    ],
                    ["date_closed:iso_week_number"],
                    ["won_revenue:sum"],
                )
            )
            # The logs of the leads the funnel keeps for the same filters and record rules
            # (the leads' subquery is a plain scan of crm_lead), those of lost (archived) leads
            # too.
            logs = self.env["sales.followup.log"]._read_group(
                [
                    ("lead_id", "in", Funnel._search(scope_domain)),
                    ("date", ">=", start),
                    ("date", "<", end),
                ],
                ["date:iso_week_number", "on_rhythm"],
                ["__count", "due_date:count"],
            )
        contacts, due, on_rhythm = [0] * weeks, [0] * weeks, [0] * weeks
        for week, flag, count, with_due in logs:
            if int(week) not in index:
                continue
            position = index[int(week)]
            contacts[position] += count
            due[position] += with_due
            if flag:
                on_rhythm[position] += with_due
        return {
            "weeks": mondays,
            "new_leads": [int(new_leads.get(i, [0])[0]) for i in range(weeks)],
            "contacts": contacts,
            "logs_due": due,
            "logs_on_rhythm": on_rhythm,
            "on_rhythm_rate": [on_rhythm[i] / due[i] if due[i] else None for i in range(weeks)],
            "won_revenue": [float(won.get(i, [0.0])[0] or 0.0) for i in range(weeks)],
        }

    @api.model
    def _trend_utc(self, day):
        """Midnight of ``day`` in the user's time zone, as a naive UTC datetime."""
        # The zone _read_group groups datetimes in: the context's.
        tz_name = self.env.context.get("tz")
        tz = pytz.timezone(tz_name if tz_name in pytz.all_timezones_set else "UTC")
        local = tz.localize(datetime.datetime.combine(day, datetime.time.min))
        return fields.Datetime.to_datetime(local.astimezone(pytz.UTC).replace(tzinfo=None))
