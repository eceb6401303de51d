from datetime import datetime, time, timedelta

from odoo import Command, api, models

from .sales_followup_funnel_report import _rate

# The kind of a comparison table's "change" cell by the kind of its row: counts, amounts and
# days change by a signed amount of the same unit, rates by percentage points.
CHANGE_KINDS = {
    "count": "count_change",
    "money": "money_change",
    "days": "days_change",
    "rate": "points",
}


def cell_kind(column, row):
    """The kind of a cell of a comparison table: a column of kind ``row`` takes its row's
    kind (a figure may be a count, an amount or a rate), ``change`` the matching change kind;
    the other columns keep their own."""
    if column["kind"] == "row":
        return row["kind"]
    if column["kind"] == "change":
        return CHANGE_KINDS[row["kind"]]
    return column["kind"]


class ReportFollowupFunnel(models.AbstractModel):
    """The printed funnel: computes what the template lays out, among which the two views
    of a period next to the period before: what happened in the period (activity) and how
    far the leads that came in got (the cohort's KPIs)."""

    _name = "report.sales_followup_reports.report_followup_funnel"
    _description = "Follow-up Funnel Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The figures of each print dialog of ``docids`` (``get_report_data``); without a
        dialog, of the period and filters in ``data``: ``date_from``, ``date_to`` and
        optionally ``team_ids``, ``user_ids`` (lists of ids) and ``breakdown``."""
        Wizard = self.env["sales.followup.funnel.wizard"]
        docs = Wizard.browse(docids)
        if not docs and data and data.get("date_from") and data.get("date_to"):
            docs = Wizard.new(
                {
                    "period": "custom",
                    "date_from": data["date_from"],
                    "date_to": data["date_to"],
                    "team_ids": [Command.set(data.get("team_ids") or [])],
                    "user_ids": [Command.set(data.get("user_ids") or [])],
                    "breakdown": data.get("breakdown") or "source_id",
                }
            )
        return {
            "doc_ids": docs.ids,
            "doc_model": Wizard._name,
            "docs": docs,
            "reports": [(doc, doc.get_report_data()) for doc in docs],
            "cell_kind": cell_kind,
        }

    @api.model
    def _activity_figures(self, date_from, date_to, team_ids=(), user_ids=()):
        """What happened from ``date_from`` to ``date_to`` (dates, whole days in UTC like the
        closing dates), within the chosen teams and salespeople (of the lead); record rules
        keep a salesperson to the rows he may see:

        - ``new_leads``: leads whose lead date is in the period;
        - ``contacts``: follow-up logs dated in the period, ``logs_due`` those that answered a
          scheduled follow-up, ``logs_on_rhythm`` those made on or before their due date, and
          ``on_rhythm_rate`` = on rhythm / with a due date;
        - ``closed``: won and lost leads by closing date (``_closed_figures``);
        - ``risks_raised`` / ``risks_resolved``: risks raised / resolved in the period;
        - ``claims`` / ``reclaims``: leads claimed from the pool / taken back to it in the
          period (the pool report's figures, summed over the salespeople).

        One grouped query per figure, whatever the number of salespeople.
        """
        start = datetime.combine(date_from, time.min)
        end = datetime.combine(date_to + timedelta(days=1), time.min)
        lead_scope, pool_scope = [], []
        if team_ids:
            lead_scope.append(("team_id", "in", list(team_ids)))
            pool_scope.append(("team_id", "in", list(team_ids)))
        if user_ids:
            lead_scope.append(("user_id", "in", list(user_ids)))
            pool_scope.append(("user_id", "in", list(user_ids)))
        # Logs and risks are scoped by their lead, archived (lost) leads included.
        by_lead = [(f"lead_id.{name}", op, value) for name, op, value in lead_scope]

        Funnel = self.env["sales.followup.funnel.report"]
        new_leads = Funnel._read_group(
            [("start_date", ">=", date_from), ("start_date", "<=", date_to), *lead_scope],
            [],
            ["__count"],
        )[0][0]

        Log = self.env["sales.followup.log"].with_context(active_test=False)
        contacts = logs_due = logs_on_rhythm = 0
        for on_rhythm, count, due in Log._read_group(
            [("date", ">=", start), ("date", "<", end), *by_lead],
            ["on_rhythm"],
            ["__count", "due_date:count"],
        ):
            contacts += count
            logs_due += due
            logs_on_rhythm += count if on_rhythm else 0

        Risk = self.env["sales.followup.risk"].with_context(active_test=False)
        risks_raised = Risk._read_group(
            [("date_raised", ">=", start), ("date_raised", "<", end), *by_lead], [], ["__count"]
        )[0][0]
        risks_resolved = Risk._read_group(
            [("date_resolved", ">=", start), ("date_resolved", "<", end), *by_lead],
            [],
            ["__count"],
        )[0][0]

        Pool = self.env["sales.followup.pool.report"]
        Pool.flush_model()
        by_user = Pool._pool_user_figures(start, end, pool_scope)
        closed_domain = [("date_closed", ">=", start), ("date_closed", "<", end), *lead_scope]
        return {
            "date_from": date_from,
            "date_to": date_to,
            "new_leads": new_leads,
            "contacts": contacts,
            "logs_due": logs_due,
            "logs_on_rhythm": logs_on_rhythm,
            "on_rhythm_rate": _rate(logs_on_rhythm, logs_due),
            "closed": Funnel._closed_figures(closed_domain),
            "risks_raised": risks_raised,
            "risks_resolved": risks_resolved,
            "claims": sum(figures["claims"] for figures in by_user.values()),
            "reclaims": sum(figures["reclaims"] for figures in by_user.values()),
        }

    @api.model
    def _comparison_columns(self):
        """The columns of a table comparing a period with the one before, for the PDF and the
        XLSX: the figure, its value in this period and in the previous one (of the row's
        kind), the change (signed; in points for a rate) and the change in percent of the
        previous value (not for rates)."""
        _ = self.env._
        return [
            {"key": "label", "title": _("Figure"), "kind": "label", "empty": ""},
            {"key": "current", "title": _("This period"), "kind": "row"},
            {"key": "previous", "title": _("Previous period"), "kind": "row"},
            {"key": "change", "title": _("Change"), "kind": "change"},
            {"key": "change_pct", "title": _("Change %"), "kind": "rate_change"},
        ]

    @api.model
    def _comparison_row(self, label, kind, current, previous):
        """A row of a comparison table. Rates change in points (100 x the difference) and
        have no change in percent; a change in percent needs a previous value."""
        if current is None or previous is None:
            change = None
        elif kind == "rate":
            change = (current - previous) * 100
        else:
            change = current - previous
        change_pct = (
            change / previous if kind != "rate" and change is not None and previous else None
        )
        return {
            "label": label,
            "kind": kind,
            "current": current,
            "previous": previous,
            "change": change,
            "change_pct": change_pct,
        }

    @api.model
    def _activity_rows(self, current, previous):
        """The rows of the activity table from two ``_activity_figures``."""
        _ = self.env._
        rows = [
            self._comparison_row(label, kind, current[key], previous[key])
            for key, label, kind in (
                ("new_leads", _("New leads (by lead date)"), "count"),
                ("contacts", _("Contacts logged"), "count"),
                ("on_rhythm_rate", _("On-rhythm rate of the contacts"), "rate"),
            )
        ]
        now, before = current["closed"], previous["closed"]
        rows += [
            self._comparison_row(_("Won (by closing date)"), "count", now["won"], before["won"]),
            self._comparison_row(
                _("Won value (by closing date)"), "money", now["won_revenue"], before["won_revenue"]
            ),
            self._comparison_row(_("Lost (by closing date)"), "count", now["lost"], before["lost"]),
        ]
        # Each lost reason of either period, the most frequent of this period first.
        reasons = {}
        for index, figures in enumerate((now, before)):
            for reason in figures["lost_reasons"]:
                reasons.setdefault(reason["label"], [0, 0])[index] = reason["count"]
        for label, (count, count_before) in sorted(
            reasons.items(), key=lambda item: (-item[1][0], -item[1][1], str(item[0] or ""))
        ):
            rows.append(
                self._comparison_row(
                    _("Lost: %(reason)s", reason=label or _("No reason given")),
                    "count",
                    count,
                    count_before,
                )
            )
        rows += [
            self._comparison_row(label, "count", current[key], previous[key])
            for key, label in (
                ("risks_raised", _("Risks raised")),
                ("risks_resolved", _("Risks resolved")),
                ("claims", _("Pool claims")),
                ("reclaims", _("Pool reclaims")),
            )
        ]
        return rows

    @api.model
    def _cohort_kpi_rows(self, totals, previous_totals):
        """The headline KPIs of the cohort next to the previous period's cohort."""
        _ = self.env._
        return [
            self._comparison_row(label, kind, totals[key], previous_totals[key])
            for key, label, kind in (
                ("leads", _("New leads"), "count"),
                ("contacted", _("Contacted"), "count"),
                ("converted", _("Converted"), "count"),
                ("lost", _("Lost"), "count"),
                ("conversion_rate", _("Conversion rate"), "rate"),
                ("cycle_days", _("Average cycle days"), "days"),
                ("won_revenue", _("Won revenue"), "money"),
                ("first_contact_rate", _("First contact in window rate"), "rate"),
                ("on_rhythm_rate", _("On-rhythm follow-up rate"), "rate"),
            )
        ]
