"""Bulk generation of a large follow-up database for the benchmarks.

Leads, follow-up logs and open Follow-up activities are written with set-based SQL (minutes
through the ORM would become hours), then the stored follow-up columns of the leads are
computed the way the addon computes them, also in SQL.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import argparse
import os
import shutil
import sys
import time

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.sql_db import close_db

REP_COUNT = 20


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def rss_mb(pid="self"):
    """Resident memory of the process ``pid`` (this one by default) in MB, None once it is
    gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def populated(env):
    env.cr.execute("SELECT count(*) FROM crm_lead WHERE name LIKE 'Bench lead %%'")
    return env.cr.fetchone()[0]


def build(env, leads=100_000, logs=1_000_000, years=3, seed=0.42):
    """Create REP_COUNT salespeople, ``leads`` leads and ``logs`` logs over ``years`` years."""
    from odoo.addons.sales_followup.compat import USER_GROUPS  # noqa: PLC0415

    cr = env.cr
    cr.execute("SELECT setseed(%s)", [seed])
    group = env.ref("sales_team.group_sale_salesman")
    reps = env["res.users"].create(
        [
            {
                "name": f"Bench Rep {index:02d}",
                "login": f"bench_rep_{index:02d}",
                USER_GROUPS: [(6, 0, [group.id, env.ref("base.group_user").id])],
            }
            for index in range(REP_COUNT)
        ]
    )
    team = env["crm.team"].create({"name": "Bench Team"})
    industries = env["res.partner.industry"].create(
        [{"name": f"Bench industry {index:02d}"} for index in range(12)]
    )
    sources = env["utm.source"].create(
        [{"name": f"Bench source {index:02d}"} for index in range(30)]
    )
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench customer {index:04d}",
                "is_company": True,
                "industry_id": industries[index % len(industries)].id,
            }
            for index in range(2000)
        ]
    )
    stages = env["crm.stage"].search([], order="sequence")
    won = stages.filtered("is_won")[:1]
    open_stages = (stages - won).ids
    env.flush_all()
    rep_ids = reps.ids
    company_id = env.company.id
    log(f"{len(rep_ids)} salespeople, inserting {leads} leads")
    # Status mix: 10% to contact, 60% following, 15% converted, 10% lost, 5% dormant.
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, active, user_id, team_id, company_id, stage_id,
                              partner_id, source_id, expected_revenue,
                              probability, followup_status, followup_grade, followup_code,
                              followup_risk_level, followup_wakeup_date, followup_origin,
                              followup_start_date, create_date, date_open, write_date,
                              create_uid, write_uid)
        SELECT 'Bench lead ' || n, 'opportunity', status <> 'lost',
               (%(reps)s)[1 + (n %% %(rep_count)s)], %(team)s, %(company)s,
               CASE WHEN status = 'converted' THEN %(won)s
                    ELSE (%(stages)s)[1 + (n %% array_length(%(stages)s, 1))] END,
               (%(partners)s)[1 + (n %% array_length(%(partners)s, 1))],
               (%(sources)s)[1 + (n %% array_length(%(sources)s, 1))],
               round((random() * 500000)::numeric, 2),
               CASE status WHEN 'converted' THEN 100 WHEN 'lost' THEN 0 ELSE 30 END,
               status, (ARRAY['a', 'b', 'c'])[1 + (n %% 3)], 'BENCH-' || n, 'none',
               CASE WHEN status = 'dormant' THEN (now() + interval '30 days')::date END,
               'odoo', created::date, created, created, created, 1, 1
          FROM (
                SELECT n,
                       CASE WHEN r < 0.10 THEN 'to_contact' WHEN r < 0.70 THEN 'in_progress'
                            WHEN r < 0.85 THEN 'converted' WHEN r < 0.95 THEN 'lost'
                            ELSE 'dormant' END AS status,
                       (now() AT TIME ZONE 'UTC') - (random() * %(years)s * 365) * interval '1 day'
                           AS created
                  FROM (SELECT n, random() AS r FROM generate_series(1, %(leads)s) n) draw
               ) lead
        """,
        {
            "reps": rep_ids,
            "rep_count": len(rep_ids),
            "team": team.id,
            "company": company_id,
            "won": won.id,
            "stages": open_stages,
            "partners": partners.ids,
            "sources": sources.ids,
            "years": years,
            "leads": leads,
        },
    )
    log(f"inserting {logs} follow-up logs")
    # Logs go to leads that were contacted (not 'to_contact'), after the lead's creation.
    cr.execute(
        """
        CREATE TEMP TABLE bench_contacted ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) AS k, id, user_id, create_date
          FROM crm_lead WHERE name LIKE 'Bench lead %%' AND followup_status <> 'to_contact'
        """
    )
    cr.execute("SELECT count(*) FROM bench_contacted")
    contacted = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO sales_followup_log (lead_id, company_id, team_id, date, user_id, method,
                                        summary, customer_responded, sentiment, grade,
                                        recorded_late, create_date, write_date, create_uid,
                                        write_uid)
        SELECT c.id, %(company)s, %(team)s,
               c.create_date + random() * ((now() AT TIME ZONE 'UTC') - c.create_date),
               c.user_id,
               (ARRAY['phone', 'visit', 'email', 'message', 'meeting', 'other'])[1 + (n %% 6)],
               'Bench contact ' || n, random() > 0.25,
               (ARRAY['positive', 'hesitant', 'negative', 'resistant'])[1 + (n %% 4)],
               (ARRAY['a', 'b', 'c'])[1 + (n %% 3)], false,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 1, 1
          FROM generate_series(1, %(logs)s) n
          JOIN bench_contacted c ON c.k = 1 + (hashint4(n) & 2147483647) %% %(contacted)s
        """,
        {"company": company_id, "team": team.id, "logs": logs, "contacted": contacted},
    )
    log("dating each log's due follow-up (previous contact + grade rhythm; first contact: +1 day)")
    cr.execute(
        """
        WITH ordered AS (
            SELECT log.id, log.date,
                   LAG(log.date) OVER w AS previous_date,
                   LAG(log.grade) OVER w AS previous_grade,
                   lead.date_open
              FROM sales_followup_log log JOIN crm_lead lead ON lead.id = log.lead_id
            WINDOW w AS (PARTITION BY log.lead_id ORDER BY log.date, log.id)
        )
        UPDATE sales_followup_log log
           SET due_date = due.due_date, on_rhythm = log.date::date <= due.due_date
          FROM (
                SELECT id, CASE WHEN previous_date IS NULL THEN (date_open + interval '1 day')::date
                                ELSE (previous_date + CASE previous_grade WHEN 'a' THEN 1
                                      WHEN 'b' THEN 3 ELSE 30 END * interval '1 day')::date
                           END AS due_date
                  FROM ordered
               ) due
         WHERE due.id = log.id
        """
    )
    log("computing the leads' follow-up columns (last contact, last response, unanswered)")
    cr.execute(
        """
        WITH stats AS (
            SELECT lead_id, max(date) AS last_date,
                   max(date) FILTER (WHERE customer_responded) AS last_response
              FROM sales_followup_log GROUP BY lead_id
        ), streak AS (
            SELECT s.lead_id, s.last_date, s.last_response, count(l.id) AS unanswered
              FROM stats s
              LEFT JOIN sales_followup_log l
                     ON l.lead_id = s.lead_id AND NOT l.customer_responded
                    AND l.date > COALESCE(s.last_response, '-infinity'::timestamp)
          GROUP BY s.lead_id, s.last_date, s.last_response
        )
        UPDATE crm_lead lead
           SET followup_last_date = streak.last_date,
               followup_last_response_date = streak.last_response,
               followup_unanswered_count = streak.unanswered
          FROM streak WHERE streak.lead_id = lead.id
        """
    )
    # Won and lost leads closed a few days after their last contact.
    cr.execute(
        """
        UPDATE crm_lead
           SET date_closed = COALESCE(followup_last_date, create_date)
                             + (1 + mod(id, 20)) * interval '1 day'
         WHERE name LIKE %s AND followup_status IN ('converted', 'lost')
        """,
        ["Bench lead %"],
    )
    log("scheduling the open Follow-up activities (grade rhythm after the last contact)")
    activity_type_id = env["sales.followup.engine"]._type_id()
    model_id = env["ir.model"]._get_id("crm.lead")
    cr.execute(
        """
        INSERT INTO mail_activity (res_model_id, res_model, res_id, activity_type_id,
                                   date_deadline, user_id, automated, active, summary,
                                   create_date, write_date, create_uid, write_uid)
        SELECT %(model_id)s, 'crm.lead', lead.id, %(type_id)s,
               (COALESCE(lead.followup_last_date, lead.date_open)
                + CASE WHEN lead.followup_status = 'converted' THEN 30
                       ELSE (CASE lead.followup_grade WHEN 'a' THEN 1 WHEN 'b' THEN 3
                                  ELSE 30 END) END * interval '1 day')::date,
               lead.user_id, true, true, 'Follow up with the customer',
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 1, 1
          FROM crm_lead lead
         WHERE lead.name LIKE 'Bench lead %%' AND lead.active
           AND lead.followup_status IN ('to_contact', 'in_progress', 'converted')
        """,
        {"model_id": model_id, "type_id": activity_type_id},
    )
    cr.execute(
        """
        UPDATE crm_lead lead SET followup_next_date = activity.date_deadline
          FROM mail_activity activity
         WHERE activity.res_model = 'crm.lead' AND activity.res_id = lead.id
           AND activity.activity_type_id = %s AND activity.active
        """,
        [activity_type_id],
    )
    env.invalidate_all()
    # The generated data outlives this run (--reuse) and VACUUM runs outside a transaction.
    cr.commit()  # pylint: disable=invalid-commit
    log("VACUUM ANALYZE")
    cr._cnx.autocommit = True
    try:
        cr.execute(
            "VACUUM ANALYZE crm_lead, sales_followup_log, mail_activity, sales_followup_risk"
        )
    finally:
        cr._cnx.autocommit = False
    return {"reps": len(rep_ids), "contacted": contacted}


def open_database(description, arguments=None):
    """Parse the benchmark's command line (with the options ``arguments(parser)`` adds), open
    its registry and generate the data unless --reuse finds it there. Returns (args, registry)."""
    parser = argparse.ArgumentParser(description=description)
    if arguments:
        arguments(parser)
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
        existing = populated(env)
        if not (args.reuse and existing):
            if existing:
                sys.exit("the database already holds benchmark leads: drop it or use --reuse")
            started = time.perf_counter()
            build(env, leads=args.leads, logs=args.logs)
            log(f"generated in {time.perf_counter() - started:.1f} s")
    return args, registry


# Copies of the generated database, so that each measured case starts from the same state.


def admin_execute(query):
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    try:
        conn.cursor().execute(query)
    finally:
        conn.close()


def release(dbname):
    """Close Odoo's connections to ``dbname`` (a template must have none)."""
    Registry.delete(dbname)
    close_db(dbname)


def copy_database(source, target):
    """A copy of the database ``source`` and its filestore (the web assets are attachments:
    a server started on the copy serves them without generating them again)."""
    release(source)
    admin_execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')
    shutil.rmtree(odoo.tools.config.filestore(target), ignore_errors=True)
    if os.path.isdir(odoo.tools.config.filestore(source)):
        shutil.copytree(odoo.tools.config.filestore(source), odoo.tools.config.filestore(target))
    return Registry(target)


def drop_database(dbname):
    release(dbname)
    admin_execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    shutil.rmtree(odoo.tools.config.filestore(dbname), ignore_errors=True)
