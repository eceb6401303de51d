"""Risk scan benchmark: the daily scan against the limit of one hand-written SQL statement.

    ./benchmarks/run risk_scan [--leads 100000] [--logs 1000000] [--reuse]

Builds (or reuses) a database with 100,000 leads, 1,000,000 follow-up logs over three years and
20 salespeople, then times:
  - the scan cron as the cron runner drives it (one batch per call, a commit after each),
    first from an empty risk table, then again with nothing left to change;
  - one hand-written SELECT computing the same set of open automatic risks from the base tables
    (leads, logs, activities), best of three: the limit of what the database can do;
  - for reference, the same SELECT on the leads' stored follow-up columns (what the scan reads).
It checks that the scan's open risks are exactly the hand-written statement's set.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import bench_data  # noqa: E402

from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.tools import SQL  # noqa: E402

REFERENCE_SQL = """
WITH log_stats AS (
    SELECT lead_id, max(date) FILTER (WHERE customer_responded) AS last_response
      FROM sales_followup_log GROUP BY lead_id
), streak AS (
    SELECT log.lead_id, count(*) AS unanswered
      FROM sales_followup_log log
      LEFT JOIN log_stats ON log_stats.lead_id = log.lead_id
     WHERE NOT log.customer_responded
       AND log.date > COALESCE(log_stats.last_response, '-infinity'::timestamp)
  GROUP BY log.lead_id
), next_followup AS (
    SELECT res_id AS lead_id, min(date_deadline) AS next_date
      FROM mail_activity
     WHERE res_model = 'crm.lead' AND activity_type_id = %(activity_type)s AND active
  GROUP BY res_id
), lead AS (
    SELECT l.id, l.followup_status, l.user_id, l.date_open, l.create_date,
           next_followup.next_date, COALESCE(streak.unanswered, 0) AS unanswered,
           log_stats.last_response
      FROM crm_lead l
      LEFT JOIN next_followup ON next_followup.lead_id = l.id
      LEFT JOIN streak ON streak.lead_id = l.id
      LEFT JOIN log_stats ON log_stats.lead_id = l.id
     WHERE l.active AND l.followup_status IN ('to_contact', 'in_progress', 'converted')
)
SELECT id, %(overdue)s FROM lead
 WHERE followup_status IN ('in_progress', 'converted') AND next_date < %(overdue_before)s
   AND next_date > %(long_overdue_from)s
UNION ALL
SELECT id, %(overdue_long)s FROM lead
 WHERE followup_status IN ('in_progress', 'converted') AND next_date <= %(long_overdue_from)s
UNION ALL
SELECT id, %(no_reply)s FROM lead
 WHERE followup_status = 'in_progress' AND unanswered >= %(no_reply_count)s
UNION ALL
SELECT id, %(silent)s FROM lead
 WHERE followup_status IN ('in_progress', 'converted')
   AND COALESCE(last_response, date_open, create_date) < %(silent_before)s
UNION ALL
SELECT id, %(first_late)s FROM lead
 WHERE followup_status = 'to_contact' AND user_id IS NOT NULL
   AND COALESCE(date_open, create_date) < %(first_contact_before)s
"""


WRITE_SQL = """
WITH desired AS ({reference}),
new_risk AS (
    INSERT INTO sales_followup_risk (lead_id, type_id, company_id, state, date_raised,
                                     create_uid, write_uid, create_date, write_date)
    SELECT desired.id, desired.type_id, lead.company_id, 'open', %(now)s, 1, 1, %(now)s, %(now)s
      FROM desired JOIN crm_lead lead ON lead.id = desired.id
    RETURNING lead_id, type_id
), level AS (
    SELECT new_risk.lead_id,
           CASE MAX(CASE rtype.severity WHEN 'high' THEN 2 ELSE 1 END)
                WHEN 2 THEN 'high' ELSE 'watch' END AS level,
           BOOL_OR(new_risk.type_id = %(no_reply)s) AS candidate
      FROM new_risk JOIN sales_followup_risk_type rtype ON rtype.id = new_risk.type_id
  GROUP BY new_risk.lead_id
), lead_update AS (
    UPDATE crm_lead SET followup_risk_level = level.level, followup_lost_candidate = level.candidate
      FROM level WHERE crm_lead.id = level.lead_id
    RETURNING crm_lead.id
)
INSERT INTO crm_lead_followup_risk_type_rel (crm_lead_id, risk_type_id)
SELECT DISTINCT lead_id, type_id FROM new_risk
"""


def reset_risks(registry):
    with registry.cursor() as cr:
        cr.execute("DELETE FROM crm_lead_followup_risk_type_rel")
        cr.execute("DELETE FROM sales_followup_risk")
        cr.execute(
            "UPDATE crm_lead SET followup_risk_level = 'none', followup_lost_candidate = false "
            "WHERE followup_risk_level <> 'none' OR followup_lost_candidate"
        )
        cr.execute(
            "DELETE FROM ir_config_parameter WHERE key = 'sales_followup.risk_scan_position'"
        )
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE crm_lead, sales_followup_risk")
        cr._cnx.autocommit = False


def run_scan(registry):
    """Drive the scan like the cron runner: one call per batch, commit after each."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cron = env.ref("sales_followup.ir_cron_followup_risk_scan")
        progress = env["ir.cron.progress"].create({"cron_id": cron.id, "done": 0, "remaining": 0})
        # Like the cron runner: the progress record, then each batch, committed on its own, the
        # cron and its progress record in the context.
        cr.commit()  # pylint: disable=invalid-commit
        Risk = env["sales.followup.risk"].with_context(
            cron_id=cron.id, ir_cron_progress_id=progress.id
        )
        batch_times = []
        memory = [bench_data.rss_mb()]
        started = time.perf_counter()
        while True:
            batch_started = time.perf_counter()
            Risk._cron_followup_risk_scan()
            cr.commit()  # pylint: disable=invalid-commit
            batch_times.append(time.perf_counter() - batch_started)
            memory.append(bench_data.rss_mb())
            progress.invalidate_recordset()
            if not progress.remaining:
                break
        elapsed = time.perf_counter() - started
        return elapsed, batch_times, memory


def reference_params(env, params):
    """Parameters of REFERENCE_SQL: rule type ids and thresholds."""
    types = params["type_ids"]
    return {
        "activity_type": env["sales.followup.engine"]._type_id(),
        "overdue": types["overdue"],
        "overdue_long": types["overdue_long"],
        "no_reply": types["no_reply"],
        "silent": types["silent"],
        "first_late": types["first_contact_late"],
        "now": params["now"],
        **{
            key: params[key]
            for key in (
                "overdue_before",
                "long_overdue_from",
                "no_reply_count",
                "silent_before",
                "first_contact_before",
            )
        },
    }


def reference(registry, stored_columns=False, runs=3):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Risk = env["sales.followup.risk"]
        params = Risk._rule_params()
        if stored_columns:
            query = (Risk._desired_risks_sql(SQL("TRUE"), params),)
        else:
            query = (REFERENCE_SQL, reference_params(env, params))
        best, rows = None, None
        for _run in range(runs):
            started = time.perf_counter()
            cr.execute(*query)
            rows = cr.fetchall()
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        return best, {tuple(row) for row in rows}


def reference_write(registry):
    """One hand-written statement that computes the open-risk set from the base tables and
    writes the same end state as a first scan (risks, lead levels, open risk types), on an
    empty risk table; rolled back afterwards."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["sales.followup.risk"]._rule_params()
        query = WRITE_SQL.format(reference=REFERENCE_SQL)
        values = reference_params(env, params)
        # The reference SELECT names its columns (id, type) by position only.
        query = query.replace("WITH desired AS (", "WITH desired (id, type_id) AS (", 1)
        started = time.perf_counter()
        cr.execute(query, values)
        elapsed = time.perf_counter() - started
        cr.rollback()
        return elapsed


def scan_result(registry):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT risk.lead_id, risk.type_id FROM sales_followup_risk risk "
            "JOIN sales_followup_risk_type rtype ON rtype.id = risk.type_id "
            "WHERE risk.state = 'open' AND rtype.automatic"
        )
        return set(cr.fetchall())


def main():
    _args, registry = bench_data.open_database(__doc__.split("\n\n")[0])
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM crm_lead")
        lead_count = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sales_followup_log")
        log_count = cr.fetchone()[0]
    bench_data.log(f"{lead_count} leads, {log_count} follow-up logs")

    reset_risks(registry)
    write_limit = reference_write(registry)
    bench_data.log(
        f"hand-written statement writing the same first-scan result: {write_limit:.2f} s"
    )
    first, first_batches, first_memory = run_scan(registry)
    bench_data.log(f"scan, first run: {first:.2f} s in {len(first_batches)} batches")
    second, second_batches, second_memory = run_scan(registry)
    bench_data.log(f"scan, second run (nothing to change): {second:.2f} s")
    limit, expected = reference(registry)
    stored, _rows = reference(registry, stored_columns=True)
    found = scan_result(registry)

    print()
    print(f"leads {lead_count}, logs {log_count}, open automatic risks {len(found)}")
    print(
        f"scan cron, first run       {first:8.2f} s   ({len(first_batches)} batches, "
        f"longest {max(first_batches):.2f} s)"
    )
    print(
        f"scan cron, second run      {second:8.2f} s   (longest batch {max(second_batches):.2f} s)"
    )
    quarter = max(1, len(first_memory) // 4)
    print(
        f"memory (RSS) of the process  {first_memory[0]:.0f} MB before, "
        f"{first_memory[quarter]:.0f} MB after batch {quarter}, "
        f"{first_memory[-1]:.0f} MB after the last, peak {max(first_memory + second_memory):.0f} MB"
    )
    print(f"hand-written SQL (base)    {limit:8.2f} s   best of 3, from leads + logs + activities")
    print(f"hand-written SQL (stored)  {stored:8.2f} s   best of 3, from the leads' stored columns")
    print(
        f"hand-written SQL (write)   {write_limit:8.2f} s   one statement writing the first "
        "scan's end state"
    )
    print(f"ratio scan/SQL(write)      {first / write_limit:8.2f}   first run")
    print(
        f"ratio scan/SQL(base)       {first / limit:8.2f}   first run; "
        f"{second / limit:.2f} second run"
    )
    print(
        f"ratio scan/SQL(stored)     {first / stored:8.2f}   first run; "
        f"{second / stored:.2f} second run"
    )
    print(f"same open-risk set as the hand-written SQL: {found == expected}")
    if found != expected:
        print(f"  only in scan: {len(found - expected)}, only in SQL: {len(expected - found)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
