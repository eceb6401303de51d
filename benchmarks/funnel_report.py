"""Funnel report benchmark: the analysis view and the printable report on a large database.

    ./benchmarks/run funnel_report [--reuse]

On the database of bench_data.build (100,000 leads, 1,000,000 logs over three years, 20 reps),
as the administrator (record rules applied), times:
  - the pivot's main read (the grouped read the series' pivot makes) of the default measures by
    stage and salesperson for the last full quarter, against the same GROUP BY written by hand
    on the base tables (best of 10), then the same with the follow-up discipline measures,
    which come from the logs;
  - the printable funnel report (data + wkhtmltopdf) for that quarter and the whole company.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import os
import sys
import time
from datetime import date

from dateutil.relativedelta import relativedelta

sys.path.insert(0, os.path.dirname(__file__))

import bench_data  # noqa: E402

from odoo import SUPERUSER_ID, api  # noqa: E402

# The pivot's default measures.
MEASURES = ["nbr:sum", "contacted:sum", "converted:sum", "won_revenue:sum"]

# What the pivot needs, written by hand: the same groups, measures, company filter and order
# (stages in pipeline order, salespeople by name).
HAND_SQL = """
SELECT lead.stage_id, lead.user_id, count(*),
       count(lead.followup_last_date),
       count(*) FILTER (WHERE lead.active AND stage.is_won),
       sum(CASE WHEN lead.active AND stage.is_won THEN lead.expected_revenue ELSE 0 END)
  FROM crm_lead lead
  LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
  LEFT JOIN res_users users ON users.id = lead.user_id
  LEFT JOIN res_partner partner ON partner.id = users.partner_id
 WHERE lead.create_date >= %s AND lead.create_date < %s
   AND (lead.company_id = 1 OR lead.company_id IS NULL)
GROUP BY lead.stage_id, lead.user_id, stage.sequence, stage.id, partner.name, users.login
ORDER BY stage.sequence, stage.id, partner.name, users.login
"""

# With the follow-up discipline measures, which come from the logs.
LOG_MEASURES = ["nbr:sum", "log_count:sum", "logs_due:sum", "logs_on_rhythm:sum"]
HAND_LOG_SQL = """
SELECT lead.stage_id, lead.user_id, count(DISTINCT lead.id), count(log.id),
       count(log.due_date), count(*) FILTER (WHERE log.on_rhythm)
  FROM crm_lead lead
  LEFT JOIN sales_followup_log log ON log.lead_id = lead.id
 WHERE lead.create_date >= %s AND lead.create_date < %s
GROUP BY lead.stage_id, lead.user_id
"""


def best_of(runs, func):
    best, result = None, None
    for _run in range(runs):
        started = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    _args, registry = bench_data.open_database(__doc__.split("\n\n")[0])
    from odoo.addons.sales_followup.compat import formatted_groups  # noqa: PLC0415

    today = date.today()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - relativedelta(months=3)
    quarter_end = quarter_start + relativedelta(months=3)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = api.Environment(cr, admin.id, {"tz": "UTC"})
        Report = env["sales.followup.funnel.report"]
        domain = [("create_date", ">=", str(quarter_start)), ("create_date", "<", str(quarter_end))]
        cr.execute("SELECT count(*) FROM crm_lead")
        lead_count = cr.fetchone()[0]

        def pivot():
            env.invalidate_all()
            return formatted_groups(Report, domain, ["stage_id", "user_id"], MEASURES)

        def hand():
            cr.execute(HAND_SQL, [quarter_start, quarter_end])
            return cr.fetchall()

        def pivot_logs():
            env.invalidate_all()
            return formatted_groups(Report, domain, ["stage_id", "user_id"], LOG_MEASURES)

        def hand_logs():
            cr.execute(HAND_LOG_SQL, [quarter_start, quarter_end])
            return cr.fetchall()

        pivot()  # warm the registry and caches once
        pivot_time, groups = best_of(10, pivot)
        hand_time, rows = best_of(10, hand)
        pivot_logs_time, log_groups = best_of(10, pivot_logs)
        hand_logs_time, log_rows = best_of(10, hand_logs)
        if sum(g["logs_on_rhythm"] for g in log_groups) != sum(r[5] for r in log_rows):
            sys.exit("the pivot and the hand-written SQL disagree on the logs on rhythm")
        pivot_total = sum(group["nbr"] for group in groups)
        hand_total = sum(row[2] for row in rows)
        pivot_won = sum(group["converted"] for group in groups)
        hand_won = sum(row[4] for row in rows)

        wizard = env["sales.followup.funnel.wizard"].create(
            {
                "date_from": quarter_start,
                "date_to": quarter_end - relativedelta(days=1),
                "breakdown": "source_id",
            }
        )
        started = time.perf_counter()
        data = wizard.get_report_data()
        data_time = time.perf_counter() - started
        started = time.perf_counter()
        pdf, _kind = env["ir.actions.report"]._render_qweb_pdf(
            "sales_followup_reports.action_report_followup_funnel", wizard.ids
        )
        pdf_time = time.perf_counter() - started
        out = os.path.join(os.path.dirname(__file__), "..", ".run", "funnel_quarter.pdf")
        with open(out, "wb") as handle:
            handle.write(pdf)
        cr.rollback()

    print()
    print(
        f"leads {lead_count}; quarter {quarter_start} – {quarter_end - relativedelta(days=1)}: "
        f"{pivot_total} leads, {pivot_won} won (hand SQL: {hand_total}, {hand_won})"
    )
    print(
        f"pivot read by stage x salesperson        {pivot_time:7.3f} s  best of 10, "
        f"{len(groups)} cells"
    )
    print(f"hand-written GROUP BY on base tables     {hand_time:7.3f} s  best of 10")
    print(f"ratio pivot/hand                          {pivot_time / hand_time:7.2f}")
    print(
        f"with log measures (follow-ups, on rhythm) {pivot_logs_time:7.3f} s  pivot, "
        f"{hand_logs_time:.3f} s  hand-written join on the logs, "
        f"ratio {pivot_logs_time / hand_logs_time:.2f}"
    )
    print(
        f"funnel PDF, one quarter, whole company   {pdf_time:7.2f} s  (the request: figures, "
        f"layout and wkhtmltopdf; {len(pdf)} bytes, {data['totals']['leads']} leads; the "
        f"figures alone {data_time:.2f} s)"
    )
    print(f"PDF written to {os.path.normpath(out)}")
    if (pivot_total, pivot_won) != (hand_total, hand_won):
        sys.exit("the pivot and the hand-written SQL disagree")


if __name__ == "__main__":
    main()
