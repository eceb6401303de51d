"""Digest benchmark: the morning digests of 200 salespeople over 100,000 leads.

    ./benchmarks/run digest [--leads 100000] [--logs 1000000] [--reuse] [--profile]

Builds (or reuses) the generated database (100,000 leads, 1,000,000 follow-up logs), then
measures two cases, each in a fresh copy of it (CREATE DATABASE ... TEMPLATE, dropped
afterwards), with the same 200 salespeople in three time zones (Asia/Shanghai, UTC,
Europe/Paris; half read their notifications in Odoo, half by e-mail), in 10 teams of 20 whose
leaders are salespeople too:
  - all: the generated leads shared among the 200 salespeople (their teams, their open
    Follow-ups and their logs reassigned with them);
  - tenth: the same salespeople holding one lead in ten (the others back in the pool, their
    Follow-ups closed): the digest's queries must not depend on the number of leads.
The digest hour is set to 0 (every salesperson is due whatever the hour), escalation to have
come in long ago and the customer pool to have been on for a month (the digests list the leads
about to return to it). In each copy it times:
  - the first escalation over the backlog of overdue follow-ups, batch after batch (each
    committed), as the cron's first calls run it;
  - then the digest cron as the cron runner drives it (a progress record, one batch per call,
    a commit after each), escalation having nothing new to do: in total, its batches, the
    longest, and the SQL queries of each batch;
  - a second run of the cron, which must send nothing.
  - then the same night again (the days claimed and the digests sent cleared) with a team
    robot per team (WeCom, against a stand-in of the platform on 127.0.0.1): the morning sheets
    and pool notices they post, timed on their own and as part of the run; then the robots'
    outbox drained as its scheduled action runs, a minute of (simulated) clock per call.
It checks that every salesperson with something to do got exactly one digest (a record-less
user notification from OdooBot), that the queries per batch are the same in both cases, and
prints PASS/FAIL against the goals: the 200 digests in under 30 s; the robots' posts at most
10 % of the digest cron; the outbox drained within the platform's rate (20 a minute per robot,
never refused by it). With --profile, the first
case runs the digests once more before the measured run, its first batch under cProfile (top
functions printed), then clears the days claimed and the digests sent.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import cProfile
import io
import os
import pstats
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))

import bench_data  # noqa: E402

from odoo import SUPERUSER_ID, api  # noqa: E402

REPS = 200
TEAMS = 10
ZONES = ["Asia/Shanghai", "UTC", "Europe/Paris"]
GOAL_SECONDS = 30.0
ROBOT_GOAL = 0.10
ESCALATION_SINCE = date(2000, 1, 1)

# name, keep one lead in ``keep`` (by id)
CASES = [("all", 1), ("tenth", 10)]


def vacuum(registry):
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(
            "VACUUM ANALYZE crm_lead, mail_activity, sales_followup_log, mail_message, "
            "res_users, res_partner, crm_team, crm_team_member"
        )
        cr._cnx.autocommit = False


def prepare(registry, keep):
    """The 200 salespeople, their teams and leads, the settings, in the copy. Returns the
    salespeople's ids."""
    from odoo.addons.sales_followup.compat import USER_GROUPS  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        quiet = {
            "no_reset_password": True,
            "mail_create_nosubscribe": True,
            "mail_create_nolog": True,
            "tracking_disable": True,
        }
        ICP = env["ir.config_parameter"]
        ICP.set_param("sales_followup.digest_hour", "0")
        ICP.set_param("sales_followup.escalation_since", ESCALATION_SINCE.isoformat())
        # The pool on for a month: the digests list the leads about to return to it.
        ICP.set_param("sales_followup.pool_enabled", "True")
        ICP.set_param("sales_followup.pool_enabled_date", str(date.today() - timedelta(days=30)))
        # The generated database's own salespeople leave: the 200 below hold every lead.
        cr.execute("UPDATE res_users SET active = FALSE WHERE login LIKE 'bench_rep_%%'")
        env.invalidate_all()
        salesman = env.ref("sales_team.group_sale_salesman")
        inbox = env.ref("mail.group_mail_notification_type_inbox")
        employee = env.ref("base.group_user")
        users = (
            env["res.users"]
            .with_context(**quiet)
            .create(
                [
                    {
                        "name": f"Digest Rep {index:03d}",
                        "login": f"digest_rep_{index:03d}",
                        "email": f"digest_rep_{index:03d}@example.com",
                        "tz": ZONES[index % len(ZONES)],
                        USER_GROUPS: [
                            (6, 0, [employee.id, salesman.id] + ([inbox.id] if index % 2 else []))
                        ],
                    }
                    for index in range(REPS)
                ]
            )
        )
        per_team = REPS // TEAMS
        teams = (
            env["crm.team"]
            .with_context(**quiet)
            .create(
                [
                    {
                        "name": f"Digest Team {index:02d}",
                        "user_id": users[index * per_team].id,
                        "member_ids": [
                            (6, 0, users[index * per_team : (index + 1) * per_team].ids)
                        ],
                    }
                    for index in range(TEAMS)
                ]
            )
        )
        env.flush_all()
        rep_ids = users.ids
        team_of = [teams[index // per_team].id for index in range(REPS)]
        activity_type = env["sales.followup.engine"]._type_id()
        # Leads (one in ``keep``) shared round-robin, with their salesperson's team; their open
        # Follow-ups and their logs follow them. The others go back to the pool.
        cr.execute(
            """
            UPDATE crm_lead lead
               SET user_id = (%(reps)s)[1 + (lead.id / %(keep)s) %% %(count)s],
                   team_id = (%(teams)s)[1 + (lead.id / %(keep)s) %% %(count)s]
             WHERE lead.name LIKE 'Bench lead %%' AND lead.id %% %(keep)s = 0
            """,
            {"reps": rep_ids, "teams": team_of, "count": REPS, "keep": keep},
        )
        if keep > 1:
            cr.execute(
                """
                DELETE FROM mail_activity act USING crm_lead lead
                 WHERE act.res_model = 'crm.lead' AND act.res_id = lead.id
                   AND act.activity_type_id = %(type)s
                   AND lead.name LIKE 'Bench lead %%' AND lead.id %% %(keep)s <> 0
                """,
                {"type": activity_type, "keep": keep},
            )
            cr.execute(
                """
                UPDATE crm_lead lead
                   SET user_id = NULL, team_id = NULL, followup_in_pool = TRUE,
                       followup_pool_date = now() AT TIME ZONE 'UTC', followup_next_date = NULL,
                       date_open = NULL
                 WHERE lead.name LIKE 'Bench lead %%' AND lead.id %% %(keep)s <> 0
                   AND lead.active
                """,
                {"keep": keep},
            )
        cr.execute(
            """
            UPDATE mail_activity act SET user_id = lead.user_id
              FROM crm_lead lead
             WHERE act.res_model = 'crm.lead' AND act.res_id = lead.id
               AND act.activity_type_id = %s AND lead.user_id IS NOT NULL
            """,
            [activity_type],
        )
        cr.execute(
            """
            UPDATE sales_followup_log log SET user_id = lead.user_id, team_id = lead.team_id
              FROM crm_lead lead
             WHERE lead.id = log.lead_id AND lead.user_id IS NOT NULL
            """
        )
        env.invalidate_all()
        cr.execute("SELECT count(*) FROM crm_lead WHERE active AND user_id = ANY(%s)", [rep_ids])
        held = cr.fetchone()[0]
    vacuum(registry)
    return rep_ids, held


def escalate_backlog(registry):
    """The escalation's first run over the backlog: one batch per call, each committed, as
    the cron's first calls run it. Returns (seconds, batches, leads escalated, queries)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Lead = env["crm.lead"]
        batches, escalated = [], 0
        queries = cr.sql_log_count
        started = time.perf_counter()
        while True:
            batch_started = time.perf_counter()
            done, _left = Lead._followup_escalate()
            cr.commit()  # pylint: disable=invalid-commit
            if not done:
                break
            escalated += done
            batches.append(time.perf_counter() - batch_started)
        return time.perf_counter() - started, batches, escalated, cr.sql_log_count - queries


def claimed(cr):
    cr.execute("SELECT count(*) FROM res_users WHERE followup_digest_date IS NOT NULL")
    return cr.fetchone()[0]


def run_cron(registry, profile=False):
    """Drive the digest cron like the cron runner: a progress record, then one batch per call,
    each committed, until nothing remains. Returns (seconds, [(seconds, queries, users)])."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cron = env.ref("sales_followup.ir_cron_followup_digest")
        # The cron runner's environment: the cron's user, the cron in the context.
        env = env(user=cron.user_id.id, context={"cron_id": cron.id})
        cron = cron.with_env(env)
        action_id = cron.ir_actions_server_id.id
        batches, elapsed = [], 0.0
        while True:
            users_before = claimed(cr)
            batch_started = time.perf_counter()
            queries = cr.sql_log_count
            run, progress = cron._add_progress()
            cr.commit()  # pylint: disable=invalid-commit
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
            run._callback(cron.cron_name, action_id)
            cr.commit()  # pylint: disable=invalid-commit
            if profile:
                profiler.disable()
            count = cr.sql_log_count - queries
            took = time.perf_counter() - batch_started
            elapsed += took
            batches.append((took, count, claimed(cr) - users_before))
            if profile:
                output = io.StringIO()
                pstats.Stats(profiler, stream=output).sort_stats("cumulative").print_stats(40)
                print(output.getvalue())
                profile = False
            progress.invalidate_recordset()
            if not progress.remaining:
                break
        return elapsed, batches


def add_robots(registry, server):
    """A WeCom robot per team, posting its morning sheet and pool notices at the digest hour."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("sales_followup.robot_allowed_hosts", server.host)
        teams = env["crm.team"].search([("name", "like", "Digest Team %")], order="name")
        env["sales.followup.robot"].create(
            [
                {
                    "name": f"Robot of {team.name}",
                    "kind": "wecom",
                    "webhook_url": server.url("wecom", f"bench-{team.id}"),
                    "team_ids": team.ids,
                    "sheet_hour": 0,
                    "post_escalation": False,
                    "post_review": False,
                }
                for team in teams
            ]
        )
        return len(teams)


def timed_posts():
    """Patch the robots' morning posts to add up the time they take: (restore, seconds)."""
    from odoo.addons.sales_followup.models.sales_followup_robot_post import (  # noqa: PLC0415
        SalesFollowupRobotPost,
    )

    spent = [0.0]
    original = SalesFollowupRobotPost._post_mornings

    def _post_mornings(self, shared=None):
        started = time.perf_counter()
        try:
            return original(self, shared)
        finally:
            spent[0] += time.perf_counter() - started

    SalesFollowupRobotPost._post_mornings = _post_mornings

    def restore():
        SalesFollowupRobotPost._post_mornings = original

    return restore, spent


def drain_outbox(registry, server):
    """Run the outbox's scheduled action as the scheduler does, the clock a minute further at
    each run, until nothing is queued: (runs, messages sent, most sent in one minute to one
    robot, refused by the platform)."""
    from freezegun import freeze_time  # noqa: PLC0415

    from odoo import fields  # noqa: PLC0415

    runs = 0
    start = fields.Datetime.now()
    while True:
        with registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM sales_followup_robot_message WHERE state = 'queued'")
            if not cr.fetchone()[0] or runs > 60:
                break
        moment = start + timedelta(minutes=runs)
        with freeze_time(moment), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["sales.followup.robot.message"]._cron_robot_send()
        runs += 1
    per_minute = {}
    for entry in server.received:
        key = (entry["token"], int((entry["time"] - start.timestamp()) // 60))
        per_minute[key] = per_minute.get(key, 0) + 1
    return runs, len(server.received), max(per_minute.values(), default=0), len(server.limited)


def digests(cr, after):
    """{partner id: digests received} among the record-less notifications from OdooBot."""
    cr.execute(
        """
        SELECT rel.res_partner_id, count(*)
          FROM mail_message msg
          JOIN mail_message_res_partner_rel rel ON rel.mail_message_id = msg.id
         WHERE msg.id > %s AND msg.model IS NULL AND msg.message_type = 'user_notification'
           AND msg.author_id = (SELECT res_id FROM ir_model_data
                                 WHERE module = 'base' AND name = 'partner_root')
      GROUP BY rel.res_partner_id
        """,
        [after],
    )
    return dict(cr.fetchall())


def last_message(cr):
    cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
    return cr.fetchone()[0]


def run_case(source, name, keep, profile):
    dbname = f"{source}_{name}"
    bench_data.log(f"{name}: copying the database to {dbname}")
    registry = bench_data.copy_database(source, dbname)
    try:
        rep_ids, held = prepare(registry, keep)
        bench_data.log(f"{name}: {len(rep_ids)} salespeople hold {held} leads; escalating")
        escalation = escalate_backlog(registry)
        vacuum(registry)
        bench_data.log(
            f"{name}: escalated {escalation[2]} leads in {escalation[0]:.1f} s; "
            "running the digest cron"
        )
        with registry.cursor() as cr:
            start = last_message(cr)
            cr.execute("SELECT id, partner_id FROM res_users WHERE id = ANY(%s)", [rep_ids])
            partners = dict(cr.fetchall())
        if profile:
            # Profiled on a copy of the state, so that the measured run starts from it.
            run_cron(registry, profile=True)
            with registry.cursor() as cr:
                cr.execute("UPDATE res_users SET followup_digest_date = NULL")
                cr.execute("DELETE FROM mail_message WHERE id > %s", [start])
            vacuum(registry)
        total, batches = run_cron(registry)
        with registry.cursor() as cr:
            received = digests(cr, start)
            recipients = claimed(cr)
            second_start = last_message(cr)
        bench_data.log(f"{name}: digests in {total:.2f} s; second run")
        second_total, second_batches = run_cron(registry)
        with registry.cursor() as cr:
            second = digests(cr, second_start)
            # The same night again, with the team robots.
            cr.execute("UPDATE res_users SET followup_digest_date = NULL")
            cr.execute("DELETE FROM mail_message WHERE id > %s", [start])
        from odoo.addons.sales_followup.tests.robot_server import RobotServer  # noqa: PLC0415

        with RobotServer() as server:
            robots = add_robots(registry, server)
            vacuum(registry)
            bench_data.log(f"{name}: the same night with {robots} team robots")
            restore, spent = timed_posts()
            try:
                robot_total, _robot_batches = run_cron(registry)
            finally:
                restore()
            with registry.cursor() as cr:
                robot_digests = sum(digests(cr, start).values())
                cr.execute("SELECT count(*) FROM sales_followup_robot_message")
                queued = cr.fetchone()[0]
            drained = drain_outbox(registry, server)
        return {
            "robots": robots,
            "robot_total": robot_total,
            "robot_posts": spent[0],
            "robot_digests": robot_digests,
            "robot_messages": queued,
            "drained": drained,
            "name": name,
            "held": held,
            "escalation": escalation,
            "total": total,
            "batches": batches,
            "recipients": recipients,
            "reps_one": sum(1 for uid in rep_ids if received.get(partners[uid]) == 1),
            "reps_none": sum(1 for uid in rep_ids if partners[uid] not in received),
            "digests": sum(received.values()),
            "second_total": second_total,
            "second_batches": len(second_batches),
            "second": sum(second.values()),
        }
    finally:
        bench_data.drop_database(dbname)


def report(case):
    seconds, batches, escalated, queries = case["escalation"]
    print()
    print(f"{case['name']}: {REPS} salespeople holding {case['held']} leads")
    print(
        f"  (b) escalation backlog     {seconds:8.2f} s   ({escalated} leads escalated in "
        f"{len(batches)} batches, longest {max(batches, default=0):.2f} s, {queries} queries)"
    )
    longest = max(took for took, _count, _users in case["batches"])
    print(
        f"  (a) digest cron, total     {case['total']:8.2f} s   ({len(case['batches'])} batches, "
        f"longest {longest:.2f} s; nothing new to escalate)"
    )
    print("      batch   users   seconds   queries   queries/user")
    for index, (took, count, users) in enumerate(case["batches"], 1):
        per_user = f"{count / users:12.1f}" if users else f"{'-':>12}"
        print(f"      {index:5d}   {users:5d}   {took:7.2f}   {count:7d}   {per_user}")
    print(
        f"  digests sent               {case['digests']:8d}     to {case['recipients']} users "
        f"claimed; salespeople with exactly one: {case['reps_one']}/{REPS}, with none: "
        f"{case['reps_none']}"
    )
    print(
        f"  second run                 {case['second_total']:8.2f} s   "
        f"({case['second_batches']} batches, {case['second']} digests sent)"
    )
    ok = case["reps_one"] == REPS and case["second"] == 0
    verdict = "PASS" if case["total"] < GOAL_SECONDS and ok else "FAIL"
    print(
        f"  goal: {REPS} digests in under {GOAL_SECONDS:.0f} s: {verdict} "
        f"({case['total']:.2f} s, one digest each and none twice: {ok})"
    )
    share = case["robot_posts"] / case["total"] if case["total"] else 0.0
    print(
        f"  (c) with {case['robots']} team robots   {case['robot_total']:8.2f} s   "
        f"(x{case['robot_total'] / case['total']:.2f} of (a); "
        f"their posts {case['robot_posts']:.2f} s "
        f"= {share:.1%} of (a); {case['robot_messages']} messages queued, "
        f"{case['robot_digests']} digests sent)"
    )
    runs, sent, busiest, refused = case["drained"]
    drained_ok = sent == case["robot_messages"] and busiest <= 20 and not refused
    print(
        f"  (d) outbox drained in {runs} runs (one a minute): {sent} sent, at most {busiest} "
        f"a minute to one robot, {refused} refused by the platform"
    )
    robot_verdict = (
        "PASS"
        if share <= ROBOT_GOAL and drained_ok and case["robot_digests"] == case["digests"]
        else "FAIL"
    )
    print(
        f"  goal: robots' posts at most {ROBOT_GOAL:.0%} of the digest cron, the outbox within "
        f"the rate: {robot_verdict}"
    )
    return verdict == "PASS" and robot_verdict == "PASS"


def main():
    profile = "--profile" in sys.argv
    if profile:
        sys.argv.remove("--profile")
    args, registry = bench_data.open_database(__doc__.split("\n\n")[0])
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM crm_lead")
        lead_count = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sales_followup_log")
        log_count = cr.fetchone()[0]
    bench_data.log(f"{lead_count} leads, {log_count} follow-up logs")
    cases = [
        run_case(args.database, name, keep, profile and index == 0)
        for index, (name, keep) in enumerate(CASES)
    ]
    print()
    print(f"leads {lead_count}, logs {log_count}, escalation since {ESCALATION_SINCE}")
    passed = [report(case) for case in cases]
    full = [count for _took, count, users in cases[0]["batches"] if users]
    tenth = [count for _took, count, users in cases[-1]["batches"] if users]
    same = full == tenth
    print()
    print(
        f"queries per digest batch, {cases[0]['held']} vs {cases[-1]['held']} leads: "
        f"{full} vs {tenth}: {'the same' if same else 'DIFFERENT'}"
    )
    if not (all(passed) and same):
        sys.exit(1)


if __name__ == "__main__":
    main()
