"""Install benchmark: the addon installed on a CRM that has been used for years without it.

    ./benchmarks/run install_existing [--leads 100000]

Starts from a database with stock Odoo CRM only and fills it, in set-based SQL, the way years
of stock CRM would: 100,000 opportunities created evenly over three years by 20 salespeople
(10% unassigned) in two sales teams, in crm's own stages (15% won), 10% lost with one of crm's
lost reasons, 3% archived without a reason, about 20 UTM sources; chatter on 40% of them
(creation notifications, salespeople's notes, done calls) and open To-Do / Call activities on a
quarter of the open assigned ones, due around today. Then it times, each as an administrator
would run it (odoo-bin -c CONF -d DB ... --stop-after-init):
  - as a baseline, updating crm on that database (-u crm);
  - installing sales_followup (-i sales_followup).
It reports the statuses the existing leads were given, their lead codes (none missing, none
duplicated), the Follow-ups scheduled and how they are spread over each salesperson's days, and
the automatic risks right after the install and after a first risk scan (rolled back).
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import argparse
import subprocess
import sys
import time

from bench_data import log
from lib.server import odoo_command

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

REP_COUNT = 20
SOURCE_COUNT = 20
YEARS = 3


def build(env, leads=100_000, years=YEARS, seed=0.42):
    """Fill a stock CRM database with ``leads`` opportunities and their chatter."""
    from odoo.addons.sales_followup.compat import USER_GROUPS  # noqa: PLC0415

    cr = env.cr
    cr.execute("SELECT setseed(%s)", [seed])
    salesman = env.ref("sales_team.group_sale_salesman")
    reps = env["res.users"].create(
        [
            {
                "name": f"Existing Rep {index:02d}",
                "login": f"existing_rep_{index:02d}",
                "email": f"existing_rep_{index:02d}@example.com",
                USER_GROUPS: [(6, 0, [salesman.id, env.ref("base.group_user").id])],
            }
            for index in range(REP_COUNT)
        ]
    )
    half = REP_COUNT // 2
    teams = env["crm.team"].create(
        [
            {"name": "Direct Sales", "member_ids": [(6, 0, reps[:half].ids)]},
            {"name": "Channel Sales", "member_ids": [(6, 0, reps[half:].ids)]},
        ]
    )
    sources = env["utm.source"].create(
        [{"name": f"Existing source {index:02d}"} for index in range(SOURCE_COUNT)]
    )
    stages = env["crm.stage"].search([], order="sequence, id")
    won = stages.filtered("is_won")[:1]
    open_stages = stages - won
    lost_reasons = env["crm.lost.reason"].search([], order="id")
    env.flush_all()
    log(
        f"{len(reps)} salespeople, {len(teams)} teams, {len(sources)} sources, stages "
        f"{', '.join(stages.mapped('name'))}; inserting {leads} leads over {years} years"
    )
    # Creation evenly spread from `years` ago up to now; one draw per decision and lead.
    # State: 15% won, 10% lost, 3% archived, the rest open; the leads that are not won are in
    # the pipeline's other stages, the first ones holding more of them than the last.
    cr.execute(
        """
        CREATE TEMP TABLE existing_draw ON COMMIT DROP AS
        SELECT n,
               (now() AT TIME ZONE 'UTC') - %(days)s * interval '1 day'
                   + (n - 1) * %(step)s * interval '1 second' AS created,
               CASE WHEN r_state < 0.15 THEN 'won' WHEN r_state < 0.25 THEN 'lost'
                    WHEN r_state < 0.28 THEN 'archived' ELSE 'open' END AS state,
               CASE WHEN r_user >= 0.10
                    THEN 1 + floor((r_user - 0.10) / 0.90 * %(rep_count)s)::int END AS rep,
               r_stage, r_source, r_reason, r_priority, r_revenue, r_open, r_close
          FROM (
                SELECT n, random() AS r_state, random() AS r_user, random() AS r_stage,
                       random() AS r_source, random() AS r_reason, random() AS r_priority,
                       random() AS r_revenue, random() AS r_open, random() AS r_close
                  FROM generate_series(1, %(leads)s) n
               ) draw
        """,
        {
            "days": years * 365,
            "leads": leads,
            "step": years * 365 * 86400 / leads,
            "rep_count": REP_COUNT,
        },
    )
    cr.execute(
        """
        WITH lead AS (
            SELECT d.n, d.created, d.state,
                   (%(reps)s::int[])[d.rep] AS user_id,
                   CASE WHEN d.rep IS NOT NULL
                        THEN (%(teams)s::int[])[1 + (d.rep - 1) / %(half)s]
                        ELSE (%(teams)s::int[])[1 + d.n %% 2] END AS team_id,
                   CASE WHEN d.state = 'won' THEN %(won)s
                        ELSE (%(open_stages)s::int[])[
                            1 + floor(power(d.r_stage, 1.3)
                                      * array_length(%(open_stages)s::int[], 1))::int]
                        END AS stage_index_id,
                   CASE WHEN d.r_source >= 0.12
                        THEN (%(sources)s::int[])[
                            1 + floor((d.r_source - 0.12) / 0.88 * %(source_count)s)::int]
                        END AS source_id,
                   CASE WHEN d.r_priority < 0.50 THEN '0' WHEN d.r_priority < 0.80 THEN '1'
                        WHEN d.r_priority < 0.95 THEN '2' ELSE '3' END AS priority,
                   round((500 + power(d.r_revenue, 3) * 250000)::numeric, 2) AS revenue,
                   CASE WHEN d.rep IS NOT NULL
                        THEN d.created + (1 + d.r_open * 47) * interval '1 hour' END AS opened,
                   CASE WHEN d.state IN ('won', 'lost')
                        THEN LEAST(now() AT TIME ZONE 'UTC',
                                   d.created + (2 + d.r_close * 120) * interval '1 day')
                        END AS closed,
                   d.r_reason
              FROM existing_draw d
        ), staged AS (
            SELECT lead.*,
                   CASE WHEN lead.state = 'won' THEN 100 WHEN lead.state = 'lost' THEN 0
                        ELSE 10 + 25 * array_position(%(open_stages)s::int[], lead.stage_index_id)
                        END AS probability
              FROM lead
        )
        INSERT INTO crm_lead (name, type, active, user_id, team_id, company_id, stage_id,
                              source_id, lost_reason_id, priority, partner_name, contact_name,
                              email_from, email_normalized, expected_revenue, prorated_revenue,
                              probability, automated_probability, date_open, date_closed,
                              date_last_stage_update, day_open, day_close, create_date,
                              write_date, create_uid, write_uid)
        SELECT 'Existing lead ' || s.n, 'opportunity', s.state IN ('won', 'open'),
               s.user_id, s.team_id, %(company)s, s.stage_index_id, s.source_id,
               CASE WHEN s.state = 'lost'
                    THEN (%(reasons)s::int[])[
                        1 + floor(s.r_reason * array_length(%(reasons)s::int[], 1))::int]
                    END,
               s.priority, 'Customer ' || (1 + s.n %% 7919) || ' Ltd',
               'Contact ' || s.n,
               'contact' || s.n || '@customer' || (1 + s.n %% 7919) || '.example',
               'contact' || s.n || '@customer' || (1 + s.n %% 7919) || '.example',
               s.revenue, round(s.revenue * s.probability / 100, 2), s.probability, s.probability,
               s.opened, s.closed, COALESCE(s.closed, s.opened, s.created),
               extract(epoch FROM s.opened - s.created) / 86400,
               extract(epoch FROM s.closed - s.created) / 86400,
               s.created, COALESCE(s.closed, s.opened, s.created),
               COALESCE(s.user_id, %(admin)s), COALESCE(s.user_id, %(admin)s)
          FROM staged s
        """,
        {
            "reps": reps.ids,
            "teams": teams.ids,
            "half": half,
            "won": won.id,
            "open_stages": open_stages.ids,
            "sources": sources.ids,
            "source_count": SOURCE_COUNT,
            "reasons": lost_reasons.ids,
            "company": env.company.id,
            "admin": env.ref("base.user_admin").id,
        },
    )
    log("inserting chatter: creation notifications, salespeople's notes, done calls")
    # 40% of the leads have chatter: all of those a creation notification, 30% of all leads a
    # note by a salesperson, 20% a done call (an activity marked done).
    cr.execute(
        """
        CREATE TEMP TABLE existing_chatter ON COMMIT DROP AS
        SELECT lead.id, lead.name, lead.create_date, lead.create_uid,
               COALESCE(lead.date_open, lead.create_date) AS opened,
               COALESCE(lead.date_closed, now() AT TIME ZONE 'UTC') AS until,
               COALESCE(lead.user_id, (%(reps)s::int[])[1 + lead.id %% %(rep_count)s]) AS rep_id,
               r_chatter, random() AS r_call, random() AS r_date
          FROM (SELECT lead.*, random() AS r_chatter FROM crm_lead lead
                 WHERE lead.name LIKE 'Existing lead %%') lead
         WHERE r_chatter < 0.40
        """,
        {"reps": reps.ids, "rep_count": REP_COUNT},
    )
    # The columns both series store (19.0 stores no record_name: the record's own name shows).
    message_columns = """
        INSERT INTO mail_message (model, res_id, message_type, subtype_id,
                                  mail_activity_type_id, author_id, email_from, body, subject,
                                  is_internal, reply_to_force_new, email_add_signature,
                                  message_id, date, create_date, write_date, create_uid,
                                  write_uid)
    """
    cr.execute(
        message_columns
        + """
        SELECT 'crm.lead', c.id, 'notification', %(subtype)s, NULL, partner.id,
               partner.email, '', NULL, FALSE, FALSE, TRUE,
               '<existing-create-' || c.id || '@example.com>', c.create_date,
               c.create_date, c.create_date, c.create_uid, c.create_uid
          FROM existing_chatter c
          JOIN res_users users ON users.id = c.create_uid
          JOIN res_partner partner ON partner.id = users.partner_id
        """,
        {"subtype": env.ref("crm.mt_lead_create").id},
    )
    cr.execute(
        message_columns
        + """
        SELECT 'crm.lead', c.id, 'comment', %(subtype)s, NULL, partner.id,
               partner.email, '<p>Called the customer, they want a quote.</p>', NULL, TRUE,
               FALSE, TRUE, '<existing-note-' || c.id || '@example.com>', stamp, stamp, stamp,
               c.rep_id, c.rep_id
          FROM (SELECT c.*, LEAST(c.until, c.opened + c.r_date * interval '20 days') AS stamp
                  FROM existing_chatter c WHERE c.r_chatter < 0.30) c
          JOIN res_users users ON users.id = c.rep_id
          JOIN res_partner partner ON partner.id = users.partner_id
        """,
        {"subtype": env.ref("mail.mt_note").id},
    )
    cr.execute(
        message_columns
        + """
        SELECT 'crm.lead', c.id, 'notification', %(subtype)s, %(call)s, partner.id,
               partner.email, '<div><p>Call done</p></div>', NULL, FALSE, FALSE, TRUE,
               '<existing-call-' || c.id || '@example.com>', stamp, stamp, stamp,
               c.rep_id, c.rep_id
          FROM (SELECT c.*, LEAST(c.until, c.opened + c.r_date * interval '30 days') AS stamp
                  FROM existing_chatter c WHERE c.r_call < 0.50) c
          JOIN res_users users ON users.id = c.rep_id
          JOIN res_partner partner ON partner.id = users.partner_id
        """,
        {
            "subtype": env.ref("mail.mt_activities").id,
            "call": env.ref("mail.mail_activity_data_call").id,
        },
    )
    log("inserting open To-Do and Call activities (a quarter of the open assigned leads)")
    cr.execute(
        """
        INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id,
                                   summary, date_deadline, user_id, user_tz, automated, active,
                                   create_date, write_date, create_uid, write_uid)
        SELECT %(model)s, 'crm.lead', lead.id, lead.name,
               CASE WHEN r_type < 0.5 THEN %(todo)s ELSE %(call)s END,
               CASE WHEN r_type < 0.5 THEN 'Send the quote' ELSE 'Call back' END,
               CURRENT_DATE + (floor(r_day * 41)::int - 20), lead.user_id, partner.tz, FALSE,
               TRUE, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
               lead.user_id, lead.user_id
          FROM (SELECT lead.*, random() AS r_pick, random() AS r_type, random() AS r_day
                  FROM crm_lead lead
                  JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE lead.name LIKE 'Existing lead %%' AND lead.active
                   AND lead.user_id IS NOT NULL AND stage.is_won IS NOT TRUE) lead
          JOIN res_users users ON users.id = lead.user_id
          JOIN res_partner partner ON partner.id = users.partner_id
         WHERE lead.r_pick < 0.25
        """,
        {
            "model": env["ir.model"]._get_id("crm.lead"),
            "todo": env.ref("mail.mail_activity_data_todo").id,
            "call": env.ref("mail.mail_activity_data_call").id,
        },
    )
    env.invalidate_all()
    # The generated data is what the install below starts from; VACUUM runs outside a
    # transaction.
    cr.commit()  # pylint: disable=invalid-commit
    log("VACUUM ANALYZE (a database in use has its statistics)")
    cr._cnx.autocommit = True
    try:
        cr.execute("VACUUM ANALYZE crm_lead, mail_message, mail_activity")
    finally:
        cr._cnx.autocommit = False


def generated_figures(cr):
    cr.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE user_id IS NULL),
               count(*) FILTER (WHERE stage.is_won),
               count(*) FILTER (WHERE NOT lead.active AND lead.lost_reason_id IS NOT NULL),
               count(*) FILTER (WHERE NOT lead.active AND lead.lost_reason_id IS NULL),
               count(*) FILTER (WHERE lead.source_id IS NULL),
               min(lead.create_date)::date, max(lead.create_date)::date
          FROM crm_lead lead LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
        """
    )
    leads, unassigned, won, lost, archived, no_source, first, last = cr.fetchone()
    cr.execute(
        """
        SELECT count(DISTINCT res_id),
               count(*) FILTER (WHERE message_type = 'notification'
                                  AND mail_activity_type_id IS NULL),
               count(*) FILTER (WHERE message_type = 'comment'),
               count(*) FILTER (WHERE mail_activity_type_id IS NOT NULL)
          FROM mail_message WHERE model = 'crm.lead'
        """
    )
    chatter_leads, created, notes, calls = cr.fetchone()
    cr.execute("SELECT count(*) FROM mail_activity WHERE res_model = 'crm.lead' AND active")
    activities = cr.fetchone()[0]
    return {
        "leads": leads,
        "line": f"{leads} leads from {first} to {last}: {unassigned} unassigned, {won} won, "
        f"{lost} lost, {archived} archived without reason, {no_source} without source",
        "chatter": f"chatter on {chatter_leads} leads: {created} creation notifications, "
        f"{notes} notes, {calls} done calls; {activities} open To-Do/Call activities",
    }


def timed(command):
    log(" ".join(command[1:]))
    started = time.perf_counter()
    result = subprocess.run(command, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"exit status {result.returncode}: {' '.join(command)}")
    return elapsed


def module_state(cr, name):
    cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [name])
    row = cr.fetchone()
    return row[0] if row else None


def installed_figures(cr):
    cr.execute(
        "SELECT followup_status, count(*) FROM crm_lead GROUP BY followup_status "
        "ORDER BY count(*) DESC"
    )
    statuses = cr.fetchall()
    cr.execute("SELECT count(*) FROM crm_lead WHERE followup_code IS NULL")
    no_code = cr.fetchone()[0]
    cr.execute(
        "SELECT count(*) FROM (SELECT company_id, followup_code FROM crm_lead "
        "WHERE followup_code IS NOT NULL GROUP BY company_id, followup_code "
        "HAVING count(*) > 1) duplicate"
    )
    duplicates = cr.fetchone()[0]
    cr.execute(
        "SELECT res_id FROM ir_model_data "
        "WHERE module = 'sales_followup' AND name = 'mail_activity_type_followup'"
    )
    followup_type = cr.fetchone()[0]
    cr.execute(
        """
        SELECT count(*), count(DISTINCT user_id), min(date_deadline), max(date_deadline)
          FROM mail_activity
         WHERE res_model = 'crm.lead' AND activity_type_id = %s AND active
        """,
        [followup_type],
    )
    followups, followup_reps, first_due, last_due = cr.fetchone()
    cr.execute(
        """
        SELECT COALESCE(max(due), 0), COALESCE(round(avg(due), 1), 0)
          FROM (SELECT user_id, date_deadline, count(*) AS due FROM mail_activity
                 WHERE res_model = 'crm.lead' AND activity_type_id = %s AND active
              GROUP BY user_id, date_deadline) per_day
        """,
        [followup_type],
    )
    max_per_day, avg_per_day = cr.fetchone()
    cr.execute(
        """
        SELECT count(*) FROM crm_lead lead
          JOIN crm_stage stage ON stage.id = lead.stage_id
         WHERE lead.active AND lead.user_id IS NOT NULL AND stage.is_won IS NOT TRUE
           AND lead.followup_status IN ('to_contact', 'in_progress')
        """
    )
    open_assigned = cr.fetchone()[0]
    return {
        "statuses": statuses,
        "no_code": no_code,
        "duplicates": duplicates,
        "followups": followups,
        "followup_reps": followup_reps,
        "first_due": first_due,
        "last_due": last_due,
        "max_per_day": max_per_day,
        "avg_per_day": avg_per_day,
        "open_assigned": open_assigned,
        "risks": automatic_risks(cr),
    }


def automatic_risks(cr):
    cr.execute(
        "SELECT count(*) FROM sales_followup_risk risk "
        "JOIN sales_followup_risk_type rtype ON rtype.id = risk.type_id "
        "WHERE risk.state = 'open' AND rtype.automatic"
    )
    return cr.fetchone()[0]


def risks_after_scan(database):
    """The automatic risks a first risk scan raises on the adopted leads (rolled back)."""
    registry = Registry.new(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        env["sales.followup.risk"]._cron_followup_risk_scan()
        env.flush_all()
        elapsed = time.perf_counter() - started
        count = automatic_risks(cr)
        cr.rollback()
    return count, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        if module_state(cr, "sales_followup") not in (None, "uninstalled"):
            sys.exit("sales_followup is already in this database: start from stock CRM")
        cr.execute("SELECT count(*) FROM crm_lead WHERE name LIKE 'Existing lead %'")
        if cr.fetchone()[0]:
            sys.exit("the database already holds generated leads: drop it first")
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        build(env, leads=args.leads)
        log(f"generated in {time.perf_counter() - started:.1f} s")
        generated = generated_figures(cr)
    log(generated["line"])
    log(generated["chatter"])

    # crm first: updating it once sales_followup is there would update the addon as well.
    baseline = timed(
        odoo_command(
            args.config, args.database, "-u", "crm", "--stop-after-init", "--log-level=warn"
        )
    )
    log(f"-u crm: {baseline:.1f} s")
    install = timed(
        odoo_command(
            args.config,
            args.database,
            "-i",
            "sales_followup",
            "--stop-after-init",
            "--log-level=warn",
        )
    )
    log(f"-i sales_followup: {install:.1f} s")
    with registry.cursor() as cr:
        state = module_state(cr, "sales_followup")
        if state != "installed":
            sys.exit(f"sales_followup is '{state}' after the install; see the Odoo log above")
        figures = installed_figures(cr)
    scan_risks, scan_time = risks_after_scan(args.database)

    print()
    print(f"leads {generated['leads']} (created over {YEARS} years in stock CRM)")
    print(f"  {generated['line'].split(': ', 1)[1]}")
    print(f"  {generated['chatter']}")
    print("statuses after install:")
    for status, count in figures["statuses"]:
        print(f"  {status:<12} {count:8d}")
    print(f"leads without code           {figures['no_code']:8d}   (must be 0)")
    print(f"duplicate codes              {figures['duplicates']:8d}   (must be 0)")
    print(
        f"open Follow-ups created      {figures['followups']:8d}   for "
        f"{figures['open_assigned']} open assigned leads, {figures['followup_reps']} "
        f"salespeople, due {figures['first_due']} to {figures['last_due']}"
    )
    print(
        f"max Follow-ups due per day   {figures['max_per_day']:8d}   per salesperson "
        f"(average {figures['avg_per_day']} on the days that have any)"
    )
    print(f"automatic risks              {figures['risks']:8d}   right after install")
    print(
        f"automatic risks              {scan_risks:8d}   after a first risk scan "
        f"({scan_time:.1f} s, rolled back)"
    )
    print(f"install -i sales_followup    {install:8.1f} s")
    print(f"update  -u crm (baseline)    {baseline:8.1f} s")
    print(f"ratio install/update crm     {install / baseline:8.2f}")
    if figures["no_code"] or figures["duplicates"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
