from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL, formatLang

from odoo.addons.sales_followup.compat import STAGE_TEAMS

from ..wizard.sales_followup_funnel_wizard import previous_period
from . import funnel_columns

# Leads at risk listed in the printed funnel (all of them are in the Risks list).
RISK_LEADS_SHOWN = 100


def _rate(numerator, denominator):
    return (numerator or 0) / denominator if denominator else None


class ReportFollowupFunnel(models.AbstractModel):
    """The printed funnel: computes what the template (PDF) and ``funnel_xlsx`` (XLSX) lay
    out, from the rows of ``sales.followup.funnel.report`` and the pool's: the cohort of the
    period (leads by lead date), what was closed in it, the two views of the period next to
    the period before (what happened in the period and how far the leads that came in got),
    and, with their columns (``funnel_columns``), each table of the report."""

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
            "cell_kind": funnel_columns.cell_kind,
        }

    @api.model
    def _report_data(self, wizard):
        """The figures of the print dialog ``wizard``: those of ``_funnel_data`` for its
        period's cohort, closed leads and pool, its filters, charts, and the comparison with
        the period before (``_comparison_data``)."""
        Funnel = self.env["sales.followup.funnel.report"]
        with Funnel._jit_off():
            domain = wizard._domain()
            pool = self.env["sales.followup.pool.report"]._pool_figures(
                wizard.date_from, wizard.date_to, wizard.team_ids.ids, wizard.user_ids.ids
            )
            data = Funnel.get_funnel_data(
                domain, wizard.breakdown, closed_domain=wizard._closed_domain(), pool=pool
            )
            data["filters"] = {
                "date_from": wizard.date_from,
                "date_to": wizard.date_to,
                "teams": ", ".join(wizard.team_ids.mapped("name")) or self.env._("All"),
                "users": ", ".join(wizard.user_ids.mapped("name")) or self.env._("All"),
            }
            data["charts"] = self._funnel_charts(data, wizard.date_to, wizard._scope_domain())
            data.update(self._comparison_data(wizard, data))
        return data

    @api.model
    def _kpi_aggregates(self):
        return [
            "__count",
            "assigned:sum",
            "first_contact_tracked:sum",
            "contacted:sum",
            "first_contact_on_time:sum",
            "converted:sum",
            "lost:sum",
            "won_revenue:sum",
            "expected_revenue:sum",
            "cycle_days:sum",
            "cycle_count:sum",
            "log_count:sum",
            "unanswered_log_count:sum",
            "logs_due:sum",
            "logs_on_rhythm:sum",
            "overdue_now:sum",
        ]

    @api.model
    def _kpis_from_row(self, row):
        """KPI dict from one read_group row of _kpi_aggregates() (in that order)."""
        (
            leads,
            assigned,
            tracked,
            contacted,
            on_time,
            converted,
            lost,
            won_revenue,
            expected_revenue,
            cycle_days_sum,
            cycle_count,
            logs,
            unanswered,
            logs_due,
            on_rhythm,
            overdue,
        ) = row
        # PostgreSQL sums integers as numeric, which arrives as a float: counts back to int.
        return {
            "leads": int(leads or 0),
            "assigned": int(assigned or 0),
            "first_contact_tracked": int(tracked or 0),
            "contacted": int(contacted or 0),
            "first_contact_on_time": int(on_time or 0),
            "converted": int(converted or 0),
            "lost": int(lost or 0),
            "won_revenue": won_revenue or 0.0,
            "expected_revenue": expected_revenue or 0.0,
            # The ORM turns an average over no value into 0: average by hand.
            "cycle_days": _rate(cycle_days_sum, cycle_count),
            "logs": int(logs or 0),
            "unanswered_logs": int(unanswered or 0),
            "logs_due": int(logs_due or 0),
            "logs_on_rhythm": int(on_rhythm or 0),
            "overdue_now": int(overdue or 0),
            # Rates, None when their denominator is 0
            "conversion_rate": _rate(converted, leads),
            "first_contact_rate": _rate(on_time, tracked),
            "on_rhythm_rate": _rate(on_rhythm, logs_due),
        }

    @api.model
    def _funnel_data(self, domain, breakdown, closed_domain=None, pool=None):
        """The figures of ``sales.followup.funnel.report.get_funnel_data`` (which checks its
        arguments): the cohort's KPIs (``totals``), the stage funnel, the breakdown by
        ``breakdown``, the lost reasons, the open risks and the leads at risk, the discipline
        per salesperson, what was closed in the period (``closed``) and the pool, with the
        columns of each table."""
        _ = self.env._
        Funnel = self.env["sales.followup.funnel.report"]
        aggregates = self._kpi_aggregates()
        totals = self._kpis_from_row(Funnel._read_group(domain, [], aggregates)[0])

        # Stage funnel: a lead has reached every stage up to its current one. Every stage of the
        # leads' pipelines is listed, those that hold no lead now included (leads went through
        # them).
        by_stage = Funnel._read_group(domain, ["stage_id"], ["__count"])
        counts = {stage: count for stage, count in by_stage if stage}
        team_ids = [team.id for (team,) in Funnel._read_group(domain, ["team_id"], []) if team]
        stages = sorted(
            set(counts)
            | set(
                self.env["crm.stage"].search(
                    ["|", (STAGE_TEAMS, "=", False), (STAGE_TEAMS, "in", team_ids)]
                )
            )
            if counts
            else (),
            key=lambda s: (s.sequence, s.id),
        )
        counts = {stage: counts.get(stage, 0) for stage in stages}
        funnel, previous = [], None
        for index, stage in enumerate(stages):
            reached = sum(counts[later] for later in stages[index:])
            funnel.append(
                {
                    "stage": stage.name,
                    "current": counts[stage],
                    "reached": reached,
                    "step_rate": _rate(reached, previous) if previous is not None else None,
                }
            )
            previous = reached

        field = Funnel._fields[breakdown]
        labels = dict(field._description_selection(self.env)) if field.type == "selection" else {}
        breakdown_rows = []
        for group, *values in Funnel._read_group(domain, [breakdown], aggregates):
            label = labels.get(group) if labels else group.display_name
            breakdown_rows.append({"label": label or None, **self._kpis_from_row(values)})
        breakdown_rows.sort(key=lambda row: (-row["leads"], str(row["label"])))

        lost_rows = Funnel._read_group(domain + [("lost", "=", 1)], ["lost_reason_id"], ["__count"])
        lost_reasons = sorted(
            (
                {
                    "label": reason.name if reason else None,
                    "count": count,
                    "share": _rate(count, totals["lost"]),
                }
                for reason, count in lost_rows
            ),
            key=lambda row: -row["count"],
        )

        lead_ids = Funnel._search(domain)
        risk_rows = self.env["sales.followup.risk"]._read_group(
            [("state", "=", "open"), ("lead_id", "in", lead_ids)], ["type_id"], ["__count"]
        )
        risks = sorted(
            (
                {"label": rtype.name, "severity": rtype.severity, "count": count}
                for rtype, count in risk_rows
            ),
            key=lambda row: -row["count"],
        )

        pool_by_user = dict((pool or {}).get("by_user") or {})
        no_pool_move = self.env["sales.followup.pool.report"]._pool_user_defaults()
        discipline = []
        for user, *values in Funnel._read_group(domain, ["user_id"], aggregates):
            discipline.append(
                {
                    "label": user.name if user else None,
                    **self._kpis_from_row(values),
                    **pool_by_user.pop(user.id or False, no_pool_move),
                }
            )
        # Salespeople with pool moves in the period but no lead in the cohort
        no_cohort = self._kpis_from_row([0] * len(aggregates))
        users = self.env["res.users"].browse([uid for uid in pool_by_user if uid])
        names = {user.id: user.name for user in users}
        for user_id, figures in pool_by_user.items():
            discipline.append({"label": names.get(user_id), **no_cohort, **figures})
        discipline.sort(key=lambda row: str(row["label"] or ""))

        risk_leads, risk_leads_total = self._risk_lead_rows(lead_ids)
        wizard_field = self.env["sales.followup.funnel.wizard"]._fields["breakdown"]
        breakdown_label = dict(wizard_field._description_selection(self.env))[breakdown]
        return {
            "totals": totals,
            "closed": self._closed_figures(closed_domain) if closed_domain is not None else None,
            "funnel": funnel,
            "breakdown_label": breakdown_label,
            "breakdown_heading": _("By %(dimension)s", dimension=breakdown_label),
            "breakdown": breakdown_rows,
            "lost_reasons": lost_reasons,
            "risks": risks,
            "risk_leads": risk_leads,
            "risk_leads_note": _(
                "The %(shown)s most overdue of %(total)s leads at risk: the Follow-up Risks "
                "list in Odoo has them all.",
                shown=formatLang(self.env, len(risk_leads), digits=0),
                total=formatLang(self.env, risk_leads_total, digits=0),
            )
            if risk_leads_total > len(risk_leads)
            else None,
            "discipline": discipline,
            "pool": pool,
            # One column specification per table, for the PDF and the XLSX
            "funnel_columns": funnel_columns.funnel_columns(_),
            "breakdown_columns": funnel_columns.breakdown_columns(_, breakdown_label),
            "lost_reason_columns": funnel_columns.lost_reason_columns(_),
            "risk_columns": funnel_columns.risk_columns(_),
            "risk_lead_columns": funnel_columns.risk_lead_columns(_),
            "discipline_columns": funnel_columns.discipline_columns(_),
            "pool_columns": funnel_columns.pool_columns(_),
        }

    @api.model
    def _closed_figures(self, domain):
        """Won and lost in a period by closing date (``domain``): the event view of the
        funnel."""
        Funnel = self.env["sales.followup.funnel.report"]
        won_count, won_revenue = Funnel._read_group(
            domain + [("converted", "=", 1)], [], ["__count", "won_revenue:sum"]
        )[0]
        lost_rows = Funnel._read_group(domain + [("lost", "=", 1)], ["lost_reason_id"], ["__count"])
        lost = sum(count for _reason, count in lost_rows)
        return {
            "won": int(won_count or 0),
            "won_revenue": won_revenue or 0.0,
            "lost": lost,
            "lost_reasons": sorted(
                (
                    {
                        "label": reason.name if reason else None,
                        "count": count,
                        "share": _rate(count, lost),
                    }
                    for reason, count in lost_rows
                ),
                key=lambda row: (-row["count"], str(row["label"] or "")),
            ),
        }

    @api.model
    def _risk_lead_rows(self, lead_ids, limit=None):
        """The leads of ``lead_ids`` with an open risk, most overdue first, then the largest:
        customer, lead, its open risks, expected revenue, days its follow-up is overdue (0 when
        it is not) and salesperson; the first ``limit`` of them (a printed list of thousands
        helps nobody: the Follow-up Risks list in Odoo has them all), and how many there are in all.
        Chosen in one query, whatever the number of leads at risk."""
        limit = limit or RISK_LEADS_SHOWN
        today = fields.Date.context_today(self)
        self.env["crm.lead"].flush_model(
            ["followup_next_date", "expected_revenue", "name", "followup_code"]
        )
        self.env["sales.followup.risk"].flush_model(["lead_id", "state"])
        self.env.cr.execute(
            SQL(
                """
                -- The leads at risk first, then only they are sorted (not all the leads).
                WITH at_risk AS MATERIALIZED (
                    SELECT lead.id,
                           GREATEST(%(today)s::date - lead.followup_next_date, 0) AS overdue,
                           lead.expected_revenue, lead.name, lead.followup_code
                      FROM crm_lead lead
                     WHERE lead.id IN %(lead_ids)s
                       AND EXISTS (SELECT 1 FROM sales_followup_risk risk
                                    WHERE risk.lead_id = lead.id AND risk.state = 'open')
                )
                SELECT id, count(*) OVER ()
                  FROM at_risk
              ORDER BY overdue DESC, expected_revenue DESC NULLS LAST, name, followup_code
                 LIMIT %(limit)s
                """,
                lead_ids=lead_ids.subselect(),
                today=today,
                limit=limit,
            )
        )
        found = self.env.cr.fetchall()
        total = found[0][1] if found else 0
        leads = self.env["crm.lead"].browse([lead_id for lead_id, _total in found])
        risks_of = defaultdict(list)
        for risk in self.env["sales.followup.risk"].search(
            [("state", "=", "open"), ("lead_id", "in", leads.ids)]
        ):
            risks_of[risk.lead_id.id].append(risk.id)
        Risk = self.env["sales.followup.risk"]
        rows = []
        for lead in leads:
            due = lead.followup_next_date
            rows.append(
                {
                    "customer": lead.partner_id.display_name or lead.partner_name or None,
                    "lead": " ".join(filter(None, [lead.name, lead.followup_code])),
                    "risks": ", ".join(
                        Risk.browse(risks_of[lead.id]).sorted("severity").type_id.mapped("name")
                    ),
                    "amount": lead.expected_revenue,
                    "currency": lead.company_currency,
                    "days_overdue": (today - due).days if due and due < today else 0,
                    "salesperson": lead.user_id.name or None,
                }
            )
        rows.sort(key=lambda row: (-row["days_overdue"], -row["amount"], row["lead"]))
        return rows, total

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
            "closed": self._closed_figures(closed_domain),
            "risks_raised": risks_raised,
            "risks_resolved": risks_resolved,
            "claims": sum(figures["claims"] for figures in by_user.values()),
            "reclaims": sum(figures["reclaims"] for figures in by_user.values()),
        }

    @api.model
    def _comparison_data(self, wizard, data):
        """The period of ``wizard`` next to the one before: what happened in each (activity)
        and the headline KPIs of each one's cohort (the period's are ``data``'s)."""
        Funnel = self.env["sales.followup.funnel.report"]
        date_from, date_to = previous_period(wizard.date_from, wizard.date_to)
        teams, users = wizard.team_ids.ids, wizard.user_ids.ids
        previous_domain = [
            ("start_date", ">=", date_from),
            ("start_date", "<=", date_to),
            *wizard._scope_domain(),
        ]
        previous_totals = self._kpis_from_row(
            Funnel._read_group(previous_domain, [], self._kpi_aggregates())[0]
        )
        return {
            "previous": {"date_from": date_from, "date_to": date_to, "totals": previous_totals},
            "comparison_columns": funnel_columns.comparison_columns(self.env._),
            "activity": self._activity_rows(
                self._activity_figures(wizard.date_from, wizard.date_to, teams, users),
                self._activity_figures(date_from, date_to, teams, users),
            ),
            "kpi_rows": self._cohort_kpi_rows(data["totals"], previous_totals),
        }

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
            for key, label, kind in funnel_columns.activity_rows(_)
        ]
        now, before = current["closed"], previous["closed"]
        rows += [
            self._comparison_row(label, kind, now[key], before[key])
            for key, label, kind in funnel_columns.closed_activity_rows(_)
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
                    funnel_columns.lost_reason_label(_, label), "count", count, count_before
                )
            )
        rows += [
            self._comparison_row(label, kind, current[key], previous[key])
            for key, label, kind in funnel_columns.risk_and_pool_activity_rows(_)
        ]
        return rows

    @api.model
    def _cohort_kpi_rows(self, totals, previous_totals):
        """The headline KPIs of the cohort next to the previous period's cohort."""
        return [
            self._comparison_row(label, kind, totals[key], previous_totals[key])
            for key, label, kind in funnel_columns.cohort_kpi_rows(self.env._)
        ]
