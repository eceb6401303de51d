"""Pool reclaim benchmark: the customer pool's cron against the limit of one hand-written SQL
statement.

    ./benchmarks/run pool_reclaim [--leads 100000] [--logs 1000000] [--reuse]

Builds (or reuses) a database with 100,000 leads, 1,000,000 follow-up logs over three years and
20 salespeople in five time zones (one of them not a valid zone name), then measures two cases:
  - daily: the pool on for a year and yesterday's run done (the leads due before today are in
    the pool, today's and tomorrow's returns were warned about): today's returns and warnings;
  - backlog: the pool switched on with a date far in the past and one salesperson gone: most
    open leads are due at once.
Each case runs in a fresh copy of the generated database (CREATE DATABASE ... TEMPLATE), so every
measured run starts from the same state and the generated database itself is never changed:
the case's settings and starting state are written in the copy, which is dropped afterwards.
In each copy it times:
  - one hand-written SELECT computing the leads to return and to warn from the base tables
    (leads, the logs' latest date per lead, the open Follow-up activity's earliest deadline per
    lead, the salespeople's time zones), best of three: the limit of what the database can do;
  - for reference, the SELECT the cron runs on the leads' stored columns (without its batch
    limit), best of three;
  - one hand-written statement writing the same end state (leads in the pool, ownership
    periods, warned days, follow-ups closed; no chatter), rolled back;
  - the cron as the cron runner drives it (a progress record, one batch per call, a commit
    after each): in total, and the part spent finding the leads (its candidate queries).
It checks that the cron returned and warned exactly the hand-written statement's leads.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import os
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(__file__))

import bench_data  # noqa: E402

from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.sql_db import Cursor  # noqa: E402
from odoo.tools import SQL  # noqa: E402

# The salespeople's time zones, by rank of their login: most in one zone, some far from UTC on
# either side, one without a zone and one with a name PostgreSQL does not know (read as UTC).
ZONES = ["Asia/Shanghai"] * 10 + ["Europe/Paris"] * 5 + ["America/New_York"] * 3
ZONES += [None, "Mars/Olympus_Mons"]

# Every open lead held by a salesperson with the day it returns to the pool (the earliest of the
# three rules), its salesperson's today and the rule, from the base tables.
DUE_SQL = """
WITH last_log AS (
    SELECT lead_id, max(date) AS last_date FROM sales_followup_log GROUP BY lead_id
), next_followup AS (
    SELECT res_id AS lead_id, min(date_deadline) AS next_date
      FROM mail_activity
     WHERE res_model = 'crm.lead' AND activity_type_id = %(activity_type)s AND active
  GROUP BY res_id
), owner AS (
    SELECT users.id, users.active, COALESCE(zone.name, 'UTC') AS tz
      FROM res_users users
      JOIN res_partner partner ON partner.id = users.partner_id
 LEFT JOIN pg_timezone_names zone ON zone.name = partner.tz
), lead AS (
    SELECT l.id, l.followup_grade AS grade, l.followup_woken_date AS woken,
           l.followup_reclaim_warned_date AS warned, owner.active AS owner_active,
           (%(now)s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE owner.tz)::date AS today,
           (last_log.last_date AT TIME ZONE 'UTC' AT TIME ZONE owner.tz)::date AS last_day,
           (COALESCE(l.date_open, l.create_date) AT TIME ZONE 'UTC' AT TIME ZONE owner.tz)::date
               AS open_day,
           next_followup.next_date
      FROM crm_lead l
      JOIN owner ON owner.id = l.user_id
 LEFT JOIN last_log ON last_log.lead_id = l.id
 LEFT JOIN next_followup ON next_followup.lead_id = l.id
     WHERE l.active AND l.followup_in_pool IS NOT TRUE
       AND l.followup_status IN ('to_contact', 'in_progress')
), rule AS (
    SELECT id, today, warned,
           CASE WHEN NOT owner_active THEN today END AS left_day,
           GREATEST(last_day, open_day, woken, %(since)s::date)
               + CASE grade WHEN 'a' THEN %(days_a)s WHEN 'b' THEN %(days_b)s
                            ELSE %(days_c)s END AS silent_day,
           GREATEST(next_date, %(since)s::date)
               + (%(missed)s - 1) * CASE grade WHEN 'a' THEN %(rhythm_a)s
                                               WHEN 'b' THEN %(rhythm_b)s
                                               ELSE %(rhythm_c)s END + 1 AS missed_day
      FROM lead
)
SELECT id, LEAST(left_day, silent_day, missed_day) AS reclaim, today,
       CASE WHEN left_day IS NOT NULL THEN 'left'
            WHEN silent_day <= today THEN 'silent' ELSE 'missed' END AS rule,
       warned
  FROM rule
"""

# The leads to return now and the ones to warn (within the warning days, not warned yet about
# that day): the limit the cron is measured against.
REFERENCE_SQL = f"""
SELECT id, reclaim, today, rule FROM ({DUE_SQL}) due
 WHERE reclaim <= today + %(warning)s
   AND (reclaim <= today OR (%(warning)s > 0 AND warned IS DISTINCT FROM reclaim))
"""

# The same end state in one statement: current ownership periods closed and the pool's opened,
# the leads in the pool (their Follow-up closed), the warned leads marked. Chatter, notices
# and risks are left out: this is a lower bound.
WRITE_SQL = f"""
WITH candidate AS ({REFERENCE_SQL}),
reclaimed AS (
    SELECT candidate.id, candidate.rule, lead.user_id, lead.team_id, lead.company_id
      FROM candidate JOIN crm_lead lead ON lead.id = candidate.id
     WHERE candidate.reclaim <= candidate.today
), closed AS (
    UPDATE sales_followup_ownership period
       SET date_to = %(now)s, write_date = %(now)s, write_uid = 1
      FROM reclaimed
     WHERE period.lead_id = reclaimed.id AND period.date_to IS NULL
 RETURNING period.id
), opened AS (
    -- After the current periods are closed (one current period per lead).
    INSERT INTO sales_followup_ownership (lead_id, from_user_id, team_id, company_id, date_from,
                                          how, reason, create_uid, write_uid, create_date,
                                          write_date)
    SELECT id, user_id, team_id, company_id, %(now)s, 'reclaimed', rule, 1, 1, %(now)s, %(now)s
      FROM reclaimed WHERE (SELECT count(*) FROM closed) >= 0
 RETURNING id
), closed_followup AS (
    DELETE FROM mail_activity activity USING reclaimed
     WHERE activity.res_model = 'crm.lead' AND activity.res_id = reclaimed.id
       AND activity.activity_type_id = %(activity_type)s
 RETURNING activity.id
), warned AS (
    UPDATE crm_lead lead SET followup_reclaim_warned_date = candidate.reclaim
      FROM candidate
     WHERE lead.id = candidate.id AND candidate.reclaim > candidate.today
 RETURNING lead.id
)
UPDATE crm_lead lead
   SET user_id = NULL, followup_in_pool = TRUE, followup_pool_date = %(now)s,
       followup_pool_reason = reclaimed.rule, followup_previous_user_id = reclaimed.user_id,
       followup_date_fixed = FALSE, followup_postponed_from = NULL,
       followup_reclaim_warned_date = NULL, followup_next_date = NULL, date_open = NULL,
       write_date = %(now)s, write_uid = 1
  FROM reclaimed
 WHERE lead.id = reclaimed.id
"""

# Yesterday's run of the daily case, written directly: the leads due before today in the pool
# (their Follow-up closed), the returns of today and tomorrow warned about.
YESTERDAY_SQL = f"""
WITH due AS ({DUE_SQL}),
returned AS (
    UPDATE crm_lead lead
       SET followup_previous_user_id = lead.user_id, user_id = NULL, followup_in_pool = TRUE,
           followup_pool_date = %(now)s::timestamp - interval '1 day',
           followup_pool_reason = due.rule, followup_next_date = NULL, date_open = NULL
      FROM due
     WHERE lead.id = due.id AND due.reclaim < due.today
 RETURNING lead.id
), closed_followup AS (
    DELETE FROM mail_activity activity USING returned
     WHERE activity.res_model = 'crm.lead' AND activity.res_id = returned.id
       AND activity.activity_type_id = %(activity_type)s
)
UPDATE crm_lead lead SET followup_reclaim_warned_date = due.reclaim
  FROM due
 WHERE lead.id = due.id AND due.reclaim >= due.today
   AND due.reclaim < due.today + %(warning)s
"""

CASES = [
    # name, pool enabled date, logins of the salespeople who left
    ("daily", lambda today: today - timedelta(days=365), ()),
    ("backlog", lambda today: date(2000, 1, 1), ("bench_rep_19",)),
]


def vacuum(registry):
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(
            "VACUUM ANALYZE crm_lead, mail_activity, sales_followup_ownership, mail_message, "
            "res_users, res_partner"
        )
        cr._cnx.autocommit = False


def reference_params(env):
    params = env["crm.lead"]._followup_pool_params()
    return {
        "activity_type": env["sales.followup.engine"]._type_id(),
        "now": params["now"],
        "since": params["since"],
        "missed": params["missed"],
        "warning": params["warning_days"],
        **{f"days_{grade}": params["days"][grade] for grade in "abc"},
        **{f"rhythm_{grade}": params["rhythm"][grade] for grade in "abc"},
    }


def prepare(registry, since, gone, daily):
    """The case's settings and starting state, in the copy."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ICP = env["ir.config_parameter"]
        ICP.set_param("sales_followup.pool_enabled", "True")
        ICP.set_param("sales_followup.pool_enabled_date", since.isoformat())
        cr.execute(
            "SELECT id, partner_id FROM res_users WHERE login LIKE 'bench_rep_%%' ORDER BY login"
        )
        for (_user_id, partner_id), zone in zip(cr.fetchall(), ZONES, strict=True):
            cr.execute("UPDATE res_partner SET tz = %s WHERE id = %s", [zone, partner_id])
        if gone:
            cr.execute("UPDATE res_users SET active = FALSE WHERE login IN %s", [tuple(gone)])
        env.invalidate_all()
        if daily:
            cr.execute(YESTERDAY_SQL, reference_params(env))
    vacuum(registry)


def reference(registry, query, runs=3):
    """Best time of ``runs`` runs of ``query`` (REFERENCE_SQL, or the cron's own SELECT when
    None) and its rows."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Lead = env["crm.lead"]
        if query is None:
            query = (Lead._followup_pool_candidates_sql(Lead._followup_pool_params()),)
        else:
            query = (query, reference_params(env))
        best, rows = None, None
        for _run in range(runs):
            started = time.perf_counter()
            cr.execute(*query)
            rows = cr.fetchall()
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        return best, rows


def reference_write(registry):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        values = reference_params(env)
        started = time.perf_counter()
        cr.execute(WRITE_SQL, values)
        elapsed = time.perf_counter() - started
        cr.rollback()
    vacuum(registry)  # the rolled-back rows are not left to the cron's scans
    return elapsed


class ScanTimer:
    """Time spent in the queries that contain ``marker`` (the cron's candidate queries: the
    ones computing the return day), while in the ``with`` block."""

    def __init__(self, marker):
        self.marker = marker
        self.elapsed = 0.0
        self.count = 0
        self._original = None

    def __enter__(self):
        original = self._original = Cursor.execute
        timer = self

        def execute(cr, query, params=None, log_exceptions=True):
            code = query.code if isinstance(query, SQL) else str(query)
            if timer.marker not in code:
                return original(cr, query, params, log_exceptions)
            started = time.perf_counter()
            try:
                return original(cr, query, params, log_exceptions)
            finally:
                timer.elapsed += time.perf_counter() - started
                timer.count += 1

        Cursor.execute = execute
        return self

    def __exit__(self, *exc):
        Cursor.execute = self._original


def run_cron(registry):
    """Drive the cron like the cron runner: a progress record, then one batch per call, each
    committed on its own, until nothing remains."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Lead = env["crm.lead"]
        marker = Lead._followup_reclaim_date_sql(Lead._followup_pool_params()).code
        cron = env.ref("sales_followup.ir_cron_followup_pool_reclaim")
        batch_times = []
        with ScanTimer(marker) as scan:
            started = time.perf_counter()
            while True:
                batch_started = time.perf_counter()
                progress = env["ir.cron.progress"].create(
                    {"cron_id": cron.id, "done": 0, "remaining": 0}
                )
                cr.commit()  # pylint: disable=invalid-commit
                Lead.with_context(
                    cron_id=cron.id, ir_cron_progress_id=progress.id
                )._cron_followup_pool_reclaim()
                cr.commit()  # pylint: disable=invalid-commit
                batch_times.append(time.perf_counter() - batch_started)
                progress.invalidate_recordset()
                if not progress.remaining:
                    break
            elapsed = time.perf_counter() - started
        return elapsed, batch_times, scan.elapsed, scan.count


def snapshot(registry):
    """Where the run starts: the last ownership and message ids, the warned days."""
    with registry.cursor() as cr:
        cr.execute("SELECT COALESCE(max(id), 0) FROM sales_followup_ownership")
        period = cr.fetchone()[0]
        cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
        message = cr.fetchone()[0]
        cr.execute(
            "SELECT id, followup_reclaim_warned_date FROM crm_lead "
            "WHERE followup_reclaim_warned_date IS NOT NULL"
        )
        return period, message, set(cr.fetchall())


RULE_WORDS = {"no longer works here": "left", "no contact logged": "silent", "missed": "missed"}


def cron_result(registry, start):
    """What the run did: {(lead, rule)} returned, {(lead, day)} warned, notices sent."""
    period, message, warned_before = start
    with registry.cursor() as cr:
        cr.execute(
            "SELECT lead_id, reason FROM sales_followup_ownership "
            "WHERE id > %s AND how = 'reclaimed'",
            [period],
        )
        returned = set()
        for lead_id, reason in cr.fetchall():
            rule = next((rule for words, rule in RULE_WORDS.items() if words in reason), reason)
            returned.add((lead_id, rule))
        cr.execute(
            "SELECT id, followup_reclaim_warned_date FROM crm_lead "
            "WHERE followup_reclaim_warned_date IS NOT NULL"
        )
        warned = set(cr.fetchall()) - warned_before
        cr.execute(
            "SELECT count(*) FROM mail_message WHERE id > %s AND model = 'crm.lead' "
            "AND message_type = 'user_notification'",
            [message],
        )
        notices = cr.fetchone()[0]
    return returned, warned, notices


def run_case(source, name, since, gone):
    dbname = f"{source}_{name}"
    bench_data.log(f"{name}: copying the database to {dbname}")
    registry = bench_data.copy_database(source, dbname)
    try:
        prepare(registry, since, gone, daily=name == "daily")
        hand, rows = reference(registry, REFERENCE_SQL)
        expected_returned = {(row[0], row[3]) for row in rows if row[1] <= row[2]}
        expected_warned = {(row[0], row[1]) for row in rows if row[1] > row[2]}
        bench_data.log(
            f"{name}: hand-written SELECT {hand:.2f} s, {len(expected_returned)} to return, "
            f"{len(expected_warned)} to warn"
        )
        stored, stored_rows = reference(registry, None)
        write = reference_write(registry)
        bench_data.log(f"{name}: hand-written write {write:.2f} s; running the cron")
        start = snapshot(registry)
        total, batches, scan, scan_queries = run_cron(registry)
        returned, warned, notices = cron_result(registry, start)
        bench_data.log(f"{name}: cron {total:.2f} s in {len(batches)} batches")
        with registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM crm_lead WHERE active AND user_id IS NOT NULL "
                "AND followup_status IN ('to_contact', 'in_progress')"
            )
            open_left = cr.fetchone()[0]
        return {
            "name": name,
            "since": since,
            "hand": hand,
            "stored": stored,
            "stored_rows": len(stored_rows),
            "write": write,
            "total": total,
            "batches": batches,
            "scan": scan,
            "scan_queries": scan_queries,
            "expected_returned": expected_returned,
            "expected_warned": expected_warned,
            "returned": returned,
            "warned": warned,
            "notices": notices,
            "open_left": open_left,
        }
    finally:
        bench_data.drop_database(dbname)


def report(case):
    total, hand = case["total"], case["hand"]
    print()
    print(
        f"{case['name']}: pool enabled on {case['since']}; {len(case['expected_returned'])} "
        f"leads to return, {len(case['expected_warned'])} to warn "
        f"({case['open_left']} open leads held after the run)"
    )
    print(
        f"  cron, total                {total:8.2f} s   ({len(case['batches'])} batches, "
        f"longest {max(case['batches']):.2f} s)"
    )
    print(
        f"  cron, finding the leads    {case['scan']:8.2f} s   ({case['scan_queries']} "
        "candidate queries)"
    )
    print(f"  cron, writing              {total - case['scan']:8.2f} s")
    print(f"  hand-written SQL (base)    {hand:8.2f} s   best of 3, from leads + logs + activities")
    print(
        f"  hand-written SQL (stored)  {case['stored']:8.2f} s   best of 3, the cron's SELECT "
        "without its batch limit"
    )
    print(
        f"  hand-written SQL (write)   {case['write']:8.2f} s   one statement writing the same "
        "end state (no chatter)"
    )
    print(f"  ratio finding/SQL(base)    {case['scan'] / hand:8.2f}")
    print(f"  ratio cron/SQL(base)       {total / hand:8.2f}")
    print(f"  ratio cron/SQL(write)      {total / case['write']:8.2f}")
    same_returned = case["returned"] == case["expected_returned"]
    same_warned = case["warned"] == case["expected_warned"]
    print(f"  same leads returned as the hand-written SQL: {same_returned}")
    print(
        f"  same leads warned as the hand-written SQL:   {same_warned} ({case['notices']} notices)"
    )
    for label, found, expected in (
        ("returned", case["returned"], case["expected_returned"]),
        ("warned", case["warned"], case["expected_warned"]),
    ):
        if found != expected:
            print(
                f"    {label}: only by the cron {len(found - expected)}, "
                f"only by the SQL {len(expected - found)}"
            )
    return same_returned and same_warned and case["notices"] == len(case["expected_warned"])


def main():
    args, registry = bench_data.open_database(__doc__.split("\n\n")[0])
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM crm_lead")
        lead_count = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sales_followup_log")
        log_count = cr.fetchone()[0]
    today = datetime.utcnow().date()
    bench_data.log(f"{lead_count} leads, {log_count} follow-up logs")
    cases = [run_case(args.database, name, since(today), gone) for name, since, gone in CASES]
    print()
    print(f"leads {lead_count}, logs {log_count}")
    same = [report(case) for case in cases]
    if not all(same):
        sys.exit(1)


if __name__ == "__main__":
    main()
