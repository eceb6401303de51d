"""Funnel report benchmark: the analysis view and the printable report on a large database.

    ./benchmarks/run funnel_report [--reuse]

On the database of bench_data.build (100,000 leads, 1,000,000 logs over three years, 20 reps),
as the administrator (record rules applied), times:
  - the pivot's main read: read_group of the default measures by stage and salesperson for the
    last full quarter, against the same GROUP BY written by hand on the base tables (best of 3);
  - the printable funnel report (data + wkhtmltopdf) for that quarter and the whole company.
"""

import argparse
import os
import sys
import time
from datetime import date

from dateutil.relativedelta import relativedelta

sys.path.insert(0, os.path.dirname(__file__))

import bench_data  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

# The pivot's default measures.
MEASURES = ["nbr:sum", "contacted:sum", "converted:sum", "won_revenue:sum"]

HAND_SQL = """
SELECT lead.stage_id, lead.user_id, count(*),
       count(contacted.lead_id),
       count(*) FILTER (WHERE lead.active AND stage.is_won),
       sum(CASE WHEN lead.active AND stage.is_won THEN lead.expected_revenue ELSE 0 END)
  FROM crm_lead lead
  LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
  LEFT JOIN (SELECT DISTINCT lead_id FROM sales_followup_log) contacted
         ON contacted.lead_id = lead.id
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep an already generated database")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not (args.reuse and bench_data.populated(env)):
            if bench_data.populated(env):
                sys.exit("the database already holds benchmark leads: drop it or use --reuse")
            bench_data.build(env, leads=args.leads, logs=args.logs)

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
            return Report.read_group(domain, MEASURES, ["stage_id", "user_id"], lazy=False)

        def hand():
            cr.execute(HAND_SQL, [quarter_start, quarter_end])
            return cr.fetchall()

        pivot()  # warm the registry and caches once
        pivot_time, groups = best_of(3, pivot)
        hand_time, rows = best_of(3, hand)
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
        f"pivot read_group by stage x salesperson  {pivot_time:7.3f} s  best of 3, "
        f"{len(groups)} cells"
    )
    print(f"hand-written GROUP BY on base tables     {hand_time:7.3f} s  best of 3")
    print(f"ratio pivot/hand                          {pivot_time / hand_time:7.2f}")
    print(
        f"funnel PDF, one quarter, whole company   {data_time + pdf_time:7.2f} s  "
        f"(figures {data_time:.2f} s, rendering {pdf_time:.2f} s, {len(pdf)} bytes, "
        f"{data['totals']['leads']} leads)"
    )
    print(f"PDF written to {os.path.normpath(out)}")
    if (pivot_total, pivot_won) != (hand_total, hand_won):
        sys.exit("the pivot and the hand-written SQL disagree")


if __name__ == "__main__":
    main()
