"""Load benchmark: many salespeople at once on Odoo's prefork server, while the crons run.

    ./benchmarks/run load [--users 20] [--seconds 120] [--workers 4] [--think 1.0]
                          [--replica] [--reuse]

On a copy of the database of bench_data.build (100,000 leads, 1,000,000 logs, 20 salespeople),
starts Odoo in production mode (--workers N, --max-cron-threads=1) and N simulated salespeople,
each a real web session (JSON-RPC with its cookie, as the web client calls it). Each one, in a
loop with a think time between requests: opens Today (groups, then the list), reads the
pipeline kanban (columns, then the cards), opens a lead, logs a follow-up on it (and, now and
then, taps Save twice at once, timed apart as log_twice), raises a risk now and then,
claims a lead from the pool now and then. On the same leads, in the same loop, the stock Odoo
baseline: a note posted from the chatter (/mail/message/post) and a stock To-Do activity marked
done (mail.activity.action_feedback). The manager reads the funnel pivot and prints the funnel
and history PDFs every so often.

Meanwhile the cron worker runs the risk scan (a first scan, from an empty risk table), the pool
reclaim (the daily run, the pool switched on a year ago) and the digests. The cron worker is
killed once with SIGKILL in the middle of the scan and once in the middle of the reclaim; the
server starts another one, which finishes the job.

Printed: per request kind, count, p50, p95, p99 and errors (answers the user would see as an
error, i.e. anything but a business refusal such as "just claimed by someone else"); the
serialization failures Odoo retried (from the server log) and any that reached a client; the
cron worker's peak memory; and the checks, counted in the database once the server stopped:
no follow-up log lost, exactly one open Follow-up per open lead, the risks the scan left are the
rules' result, nothing left to reclaim, every salesperson's digest sent once.

With --replica, a PostgreSQL streaming replica of the cluster (a second cluster on port 5433,
made with pg_basebackup -R, reused when it exists) serves Odoo's read-only requests
(--db_replica_port), and PostgreSQL's own table statistics on each server show where the
funnel pivot, the funnel and history PDFs and a follow-up log ran.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import os
import random
import sys
import threading
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(__file__))

import bench_data  # noqa: E402
import pool_reclaim  # noqa: E402
import risk_scan  # noqa: E402
from lib.checks import checks  # noqa: E402
from lib.client import PASSWORD, FollowupClient, Stats, percentile  # noqa: E402
from lib.server import CronWatch, Server, wait_crons  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402

LEADS_PER_SESSION = 40
TODOS_PER_LEAD = 6
# Smaller cron batches than the addon's, so that the daily reclaim (a few thousand leads)
# spans several committed batches and a kill can fall in the middle of it.
RECLAIM_BATCH = 500
SCAN_BATCH = 10000
# Request kinds of the stock baseline, beside ours; stock_followup is the two of one iteration
# together: a stock follow-up written down (the note) and its activity marked done, what one
# follow-up log does in one request.
STOCK_KINDS = ("stock_note", "stock_activity_done", "stock_followup")


def arguments(parser):
    parser.add_argument("--users", type=int, default=20, help="simulated salespeople")
    parser.add_argument("--seconds", type=int, default=120, help="duration of the load")
    parser.add_argument("--workers", type=int, default=4, help="Odoo HTTP workers")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time (s)")
    parser.add_argument("--port", type=int, default=8099, help="HTTP port of the server")
    parser.add_argument("--replica", action="store_true", help="with a streaming replica")
    parser.add_argument("--seed", type=int, default=7)


# ------------------------------------------------------------------------------------------
# The starting state
# ------------------------------------------------------------------------------------------

WORKING_SET_SQL = """
CREATE TEMP TABLE load_leads AS
SELECT id, user_id, n FROM (
    SELECT lead.id, lead.user_id,
           row_number() OVER (PARTITION BY lead.user_id ORDER BY lead.id) AS n
      FROM crm_lead lead
     WHERE lead.active AND lead.followup_status = 'in_progress'
       AND lead.followup_in_pool IS NOT TRUE AND lead.user_id = ANY(%(reps)s)
) pick WHERE n <= %(per_rep)s
"""

# The working set was contacted yesterday and is due today: on Today's list, safe from the pool.
WORKING_SET_STATE_SQL = """
INSERT INTO sales_followup_log (lead_id, company_id, team_id, date, user_id, method, summary,
                                customer_responded, sentiment, grade, recorded_late, due_date,
                                on_rhythm, create_date, write_date, create_uid, write_uid)
SELECT lead.id, lead.company_id, lead.team_id, %(yesterday)s, lead.user_id, 'phone',
       'Load warm-up call', true, 'positive', lead.followup_grade, false, %(yesterday)s::date,
       true, %(yesterday)s, %(yesterday)s, 1, 1
  FROM crm_lead lead JOIN load_leads USING (id);
UPDATE crm_lead lead
   SET followup_last_date = %(yesterday)s, followup_last_response_date = %(yesterday)s,
       followup_unanswered_count = 0, followup_next_date = %(today)s
  FROM load_leads WHERE load_leads.id = lead.id;
UPDATE mail_activity activity SET date_deadline = %(today)s
  FROM load_leads
 WHERE activity.res_model = 'crm.lead' AND activity.res_id = load_leads.id
   AND activity.activity_type_id = %(followup_type)s;
INSERT INTO mail_activity (res_model_id, res_model, res_id, activity_type_id, date_deadline,
                           user_id, automated, active, summary, create_date, write_date,
                           create_uid, write_uid)
SELECT %(model_id)s, 'crm.lead', load_leads.id, %(todo_type)s, %(today)s, load_leads.user_id,
       false, true, 'Load to-do ' || k, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 1, 1
  FROM load_leads CROSS JOIN generate_series(1, %(todos)s) k;
"""


def prepare(registry, users, seed):
    """Passwords, the working set of each simulated salesperson, the daily pool state, an
    empty risk table, the crons due now. Returns what the clients need."""
    today = date.today()
    now = datetime.utcnow().replace(microsecond=0)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        reps = env["res.users"].search([("login", "like", "bench_rep_%")], order="login")
        (reps | env.ref("base.user_admin")).write({"password": PASSWORD})
        # The salespeople are members of the team whose leads they hold (and whose pool they
        # see).
        env["crm.team"].search([("name", "=", "Bench Team")]).write(
            {"member_ids": [(4, rep) for rep in reps.ids]}
        )
        sessions_per_rep = -(-users // len(reps))
        cr.execute(
            WORKING_SET_SQL,
            {"reps": reps.ids, "per_rep": LEADS_PER_SESSION * sessions_per_rep},
        )
        cr.execute(
            WORKING_SET_STATE_SQL,
            {
                "yesterday": now - timedelta(days=1),
                "today": today,
                "followup_type": env["sales.followup.engine"]._type_id(),
                "todo_type": env.ref("mail.mail_activity_data_todo").id,
                "model_id": env["ir.model"]._get_id("crm.lead"),
                "todos": TODOS_PER_LEAD,
            },
        )
        cr.execute("SELECT id, user_id, n FROM load_leads ORDER BY user_id, n")
        working = defaultdict(list)
        for lead_id, user_id, n in cr.fetchall():
            working[(user_id, (n - 1) % sessions_per_rep)].append(lead_id)
        cr.execute(
            "SELECT res_id, array_agg(id ORDER BY id) FROM mail_activity "
            "WHERE activity_type_id = %s AND res_id IN (SELECT id FROM load_leads) "
            "GROUP BY res_id",
            [env.ref("mail.mail_activity_data_todo").id],
        )
        todos = dict(cr.fetchall())
        ICP = env["ir.config_parameter"]
        # Claims are part of the load: the per-day and held limits do not stop them.
        ICP.set_param("sales_followup.pool_max_claims_day", "1000")
        ICP.set_param("sales_followup.pool_max_open", "100000")
        ICP.set_param("sales_followup.pool_cooldown_days", "0")
        ICP.set_param("sales_followup.digest_hour", "0")
        crons = {
            "scan": env.ref("sales_followup.ir_cron_followup_risk_scan"),
            "reclaim": env.ref("sales_followup.ir_cron_followup_pool_reclaim"),
            "digest": env.ref("sales_followup.ir_cron_followup_digest"),
        }
        crons["scan"].code = f"model._cron_followup_risk_scan(batch_size={SCAN_BATCH})"
        crons["reclaim"].code = f"model._cron_followup_pool_reclaim(batch_size={RECLAIM_BATCH})"
        for cron in crons.values():
            cron.write({"active": True, "nextcall": now - timedelta(minutes=1)})
        cron_ids = {name: cron.id for name, cron in crons.items()}
        manual_types = env["sales.followup.risk.type"].search([("automatic", "=", False)]).ids
        # A company that prints has chosen its document layout (else Print opens the layout
        # dialog first).
        env.company.external_report_layout_id = env.ref("web.external_layout_standard")
        # No mail server here: the digests stay in the outgoing queue.
        env.ref("mail.ir_cron_mail_scheduler_action").active = False
        rep_ids = reps.ids
        logins = {rep.id: rep.login for rep in reps}
    # The pool switched on a year ago, yesterday's reclaim done: today's is the daily one.
    pool_reclaim.prepare(registry, today - timedelta(days=365), (), True)
    with registry.cursor() as cr:
        # The salespeople in time zones of their own (the pool's rules count days in them);
        # one the pool benchmark gives a zone that does not exist, which stock Odoo's
        # activities cannot display: here it works in Shanghai.
        cr.execute(
            "UPDATE res_partner SET tz = 'Asia/Shanghai' WHERE tz IS NOT NULL "
            "AND tz NOT IN (SELECT name FROM pg_timezone_names)"
        )
    # The first scan starts from an empty risk table.
    risk_scan.reset_risks(registry)
    rng = random.Random(seed)
    sessions = []
    for index in range(users):
        rep = rep_ids[index % len(rep_ids)]
        leads = working[(rep, index // len(rep_ids))]
        rng.shuffle(leads)
        sessions.append(
            {
                "login": logins[rep],
                "uid": rep,
                "leads": leads,
                "todos": {lead: list(todos.get(lead, [])) for lead in leads},
            }
        )
    return {"sessions": sessions, "crons": cron_ids, "risk_types": manual_types}


# ------------------------------------------------------------------------------------------
# The salespeople and the manager
# ------------------------------------------------------------------------------------------


class Rep(threading.Thread):
    """A salesperson's day, compressed: the loop of Today, pipeline, lead, log, stock actions."""

    def __init__(self, client, session, run, seed):
        super().__init__(daemon=True)
        self.client = client
        self.session = session
        self.run_info = run
        self.rng = random.Random(seed)
        self.logged = []  # (summary, log id) of every log the server said it saved
        self.tapped = 0

    def think(self):
        time.sleep(self.rng.uniform(0, 2 * self.run_info["think"]))

    def run(self):
        deadline = self.run_info["deadline"]
        steps = [self.log_followup, self.stock_note, self.stock_activity_done]
        while time.time() < deadline:
            lead = self.rng.choice(self.session["leads"])
            for step in (self.today, self.kanban, self.open_lead):
                step(lead)
                self.think()
            self.rng.shuffle(steps)
            stock = {}
            for step in steps:
                self.client.last = None
                step(lead)
                stock[step] = self.client.last
                self.think()
            if stock[self.stock_note] and stock[self.stock_activity_done]:
                self.client.stats.add(
                    "stock_followup", stock[self.stock_note] + stock[self.stock_activity_done]
                )
            if self.rng.random() < 0.15:
                self.raise_risk(lead)
                self.think()
            if self.rng.random() < 0.15:
                self.claim()
                self.think()

    def today(self, _lead=None):
        self.client.today()

    def kanban(self, _lead=None):
        self.client.kanban(self.rng.choice)

    def open_lead(self, lead):
        self.client.open_lead(lead)

    def log_followup(self, lead):
        client = self.client
        values = {
            "lead_id": lead,
            "method": self.rng.choice(["phone", "message", "visit", "email"]),
            "customer_responded": self.rng.random() < 0.8,
            "sentiment": self.rng.choice(["positive", "hesitant", "negative"]),
        }

        def save(summary, kind="log_followup"):
            log_id = client.log_followup(kind, {**values, "summary": summary})
            if log_id:
                self.logged.append((summary, log_id))

        summary = f"Load {client.login} {time.time():.6f}"
        if self.rng.random() < 0.05:
            # Save tapped twice at once (timed on their own): two requests, two logs, one
            # Follow-up afterwards.
            self.tapped += 1
            twin = threading.Thread(target=save, args=(summary + " twin", "log_twice"))
            twin.start()
            save(summary, "log_twice")
            twin.join()
        else:
            save(summary)

    def stock_note(self, lead):
        self.client.stock_note(lead)

    def stock_activity_done(self, lead):
        todos = self.session["todos"].get(lead)
        if not todos:
            return
        self.client.stock_activity_done(todos.pop())

    def raise_risk(self, lead):
        self.client.raise_risk(lead, self.rng.choice(self.run_info["risk_types"]))

    def claim(self):
        records = self.client.pool_page(self.rng.randrange(0, 400))
        if records:
            self.client.claim(self.rng.choice(records)["id"])


class Manager(threading.Thread):
    """The manager's weekly review, repeated: the funnel pivot, the funnel PDF, a history PDF."""

    def __init__(self, client, leads, run, seed):
        super().__init__(daemon=True)
        self.client = client
        self.leads = leads
        self.run_info = run
        self.rng = random.Random(seed)

    def run(self):
        while time.time() < self.run_info["deadline"]:
            self.client.funnel_pivot(*last_quarter())
            time.sleep(self.rng.uniform(2, 6))
            self.client.funnel_pdf(*last_quarter())
            time.sleep(self.rng.uniform(2, 6))
            self.client.history_pdf(self.rng.choice(self.leads))
            time.sleep(self.rng.uniform(2, 6))


def last_quarter():
    today = date.today()
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - timedelta(days=1)
    start = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    end = date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)
    return start, end


# ------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------


def main():
    args, registry = bench_data.open_database(__doc__.split("\n\n")[0], arguments)
    dbname = f"{args.database}_load"
    registry = bench_data.copy_database(args.database, dbname)
    bench_data.log(f"copied the generated database to {dbname}")
    run = prepare(registry, args.users, args.seed)
    bench_data.release(dbname)
    replica_port = None
    if args.replica:
        import bench_replica  # noqa: PLC0415

        replica_port = bench_replica.ensure_replica()["port"]
        bench_replica.wait_caught_up(600, replica_port)
    logfile = os.path.join(os.path.dirname(args.config), f"load-{dbname}.log")
    server = Server(args.config, dbname, logfile, args.port, args.workers, replica_port)
    bench_data.log(f"starting Odoo: {args.workers} workers, 1 cron worker, log in {logfile}")
    server.start()
    bench_data.log("server up; the salespeople log in")
    stats = Stats()
    clients = []
    for session in run["sessions"]:
        client = FollowupClient(server.url, dbname, session["login"], stats)
        client.authenticate()
        clients.append(client)
    manager = FollowupClient(server.url, dbname, "admin", stats)
    manager.authenticate()
    # Warm-up (not measured): every worker loads the registry, views and report assets.
    warm = Stats()
    for client in clients[: args.workers * 2] + [manager]:
        client.stats = warm
        client.today()
        client.stats = stats
    manager.stats = warm
    manager.funnel_pivot(*last_quarter())
    manager.history_pdf(run["sessions"][0]["leads"][0])
    manager.stats = stats
    bench_data.log(f"warm-up done ({sum(map(len, warm.errors.values()))} errors)")

    since = datetime.utcnow().replace(microsecond=0)
    crons = run["crons"]
    watch = CronWatch(server, dbname, {crons["scan"]: "scan", crons["reclaim"]: "reclaim"})
    watch.started = since - timedelta(minutes=5)
    watch.start()
    info = {
        "deadline": time.time() + args.seconds,
        "think": args.think,
        "risk_types": run["risk_types"],
    }
    reps = [
        Rep(client, session, info, args.seed + index)
        for index, (client, session) in enumerate(zip(clients, run["sessions"], strict=True))
    ]
    boss = Manager(manager, run["sessions"][0]["leads"], info, args.seed - 1)
    bench_data.log(f"{len(reps)} salespeople and the manager at work for {args.seconds} s")
    started = time.time()
    for thread in [*reps, boss]:
        thread.start()
    for thread in [*reps, boss]:
        thread.join()
    elapsed = time.time() - started
    bench_data.log(f"load done in {elapsed:.0f} s; waiting for the crons to finish")
    waited = wait_crons(dbname, list(crons.values()), since - timedelta(minutes=5), timeout=1800)
    bench_data.log(
        "crons finished" if waited is not None else "the crons did not finish within 30 min"
    )
    watch.stop_event.set()
    watch.join()
    replica_report = None
    if args.replica:
        replica_report = replica_demo(manager, dbname, replica_port, run)
    server.stop()
    log_counts = server.log_counts()
    registry = odoo.modules.registry.Registry(dbname)
    logged = [entry for rep in reps for entry in rep.logged]
    result = checks(registry, logged, crons, since - timedelta(minutes=5))
    bench_data.release(dbname)
    report(args, stats, elapsed, result, log_counts, watch, reps, replica_report, waited)


def replica_demo(client, dbname, port, run):
    """Where each request ran, from each server's own table statistics: the request alone
    (the load over and the crons done), its counters flushed (PostgreSQL counts a backend's
    reads about 10 s after a burst)."""
    import bench_replica  # noqa: PLC0415

    tables = ["crm_lead", "sales_followup_log", "crm_stage", "mail_activity"]
    lead = run["sessions"][0]["leads"][0]
    servers = {"primary": 5432, "replica": port}

    def snapshot():
        for server_port in servers.values():
            try:
                bench_replica.wait_stats_flushed(server_port, dbname)
            except TimeoutError as exc:
                bench_data.log(f"statistics may lag a second: {exc}")
        return {
            name: bench_replica.table_stats(server_port, dbname, tables)
            for name, server_port in servers.items()
        }

    def measured(action):
        bench_replica.wait_caught_up(120, port)
        before = snapshot()
        action()
        after = snapshot()
        return {name: bench_replica.stats_delta(before[name], after[name]) for name in servers}

    lines = []
    for name, action in (
        ("funnel pivot", lambda: client.funnel_pivot(*last_quarter())),
        ("funnel PDF", lambda: client.funnel_pdf(*last_quarter())),
        ("history PDF", lambda: client.history_pdf(lead)),
        (
            "log a follow-up",
            lambda: Rep(client, run["sessions"][0], {"risk_types": []}, 1).log_followup(lead),
        ),
    ):
        lines.append((name, measured(action)))
    return lines


# ------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------


def report(args, stats, elapsed, result, log_counts, watch, reps, replica_report, waited):
    print()
    print(
        f"{args.users} salespeople + 1 manager, {elapsed:.0f} s, {args.workers} HTTP workers, "
        f"1 cron worker, think time {args.think:.1f} s on average"
        + (", read-only requests on a streaming replica" if args.replica else "")
    )
    print()
    stats.print_table(elapsed, last=STOCK_KINDS)
    print("(stock_followup: a stock note and a stock activity done of one loop, summed)")
    ours = stats.times["log_followup"]
    print()
    labels = {
        "stock_note": "a stock note alone",
        "stock_activity_done": "a stock activity marked done alone",
        "stock_followup": "a stock follow-up (the note and the activity done, two requests)",
    }
    for kind in STOCK_KINDS:
        stock = stats.times[kind]
        if ours and stock:
            print(
                f"logging p95 / p95 of {labels[kind]}: "
                f"{percentile(ours, 0.95) / percentile(stock, 0.95):.2f}"
            )
    errors = {kind: values for kind, values in stats.errors.items() if values}
    print()
    print(f"errors reaching a client: {sum(map(len, errors.values()))}")
    for kind, values in errors.items():
        for message in sorted(set(values))[:5]:
            print(f"  {kind}: {message}")
    refused = {kind: values for kind, values in stats.refused.items() if values}
    for kind, values in refused.items():
        print(f"refused ({kind}): {len(values)}, e.g. {sorted(set(values))[0]}")
    print(
        f"serialization/lock failures retried by Odoo: {log_counts['retried'] or 0}; "
        f"gave up (reached a client): {log_counts['gave_up']}"
    )
    print(
        f"server log: {log_counts['tracebacks']} tracebacks, {len(log_counts['errors'])} "
        f"ERROR lines, {log_counts['fallback']} read-only requests retried on the primary"
    )
    for line in sorted(set(log_counts["errors"]))[:8]:
        print(f"  {line}")
    print()
    print(
        "cron worker peak RSS: "
        + ", ".join(f"{pid}: {mb:.0f} MB" for pid, mb in sorted(watch.peak.items()))
    )
    for name, pid, done, remaining in watch.kills:
        print(f"killed cron worker {pid} mid-{name} ({done} done, {remaining} to go)")
    print(
        "crons finished after the load: "
        + (f"{waited:.0f} s" if waited is not None else "NO (timeout)")
    )
    print()
    print(
        f"follow-up logs: {result['logs_saved']} saved, {result['logs_stored']} in the database, "
        f"{result['logs_lost']} lost, {result['logs_unexpected']} unexpected "
        f"({sum(rep.tapped for rep in reps)} double taps)"
    )
    print(
        f"open leads {result['open_leads']}: {result['open_not_one']} without exactly one open "
        f"Follow-up ({result['open_none']} none, {result['open_several']} several); "
        f"{result['closed_with_followup']} closed or pool leads with one"
    )
    print(
        f"risks: {result['risks_open']} open automatic, {result['risks_missing']} missing and "
        f"{result['risks_extra']} extra against the rules at the scan's end"
        + (f" (lead, type): {result['risks_differ']}" if result["risks_differ"] else "")
    )
    print(
        f"pool: {result['reclaimed']} reclaimed, {result['claimed']} claimed, "
        f"{result['left_to_reclaim']} left to reclaim"
    )
    print(f"digests: {result['digest_sent']} of {result['digest_users']} salespeople marked sent")
    if replica_report:
        import bench_replica  # noqa: PLC0415

        describe = bench_replica.describe_delta
        print()
        print("where each request ran (rows read from the tables, per server's statistics):")
        for name, delta in replica_report:
            print(f"  {name:16} primary: {describe(delta['primary'])}")
            print(f"  {'':16} replica: {describe(delta['replica'])}")
    goals = {
        "no error reached a client": not errors and not log_counts["gave_up"],
        "no log lost": result["logs_lost"] == 0 and result["logs_unexpected"] == 0,
        "one open Follow-up per open lead": result["open_not_one"] == 0
        and result["closed_with_followup"] == 0,
        "logging p95 <= 1.3x the stock follow-up's p95": bool(ours)
        and bool(stats.times["stock_followup"])
        and percentile(ours, 0.95) <= 1.3 * percentile(stats.times["stock_followup"], 0.95),
        "crons finished, nothing left": waited is not None
        and result["left_to_reclaim"] == 0
        and not result["risks_missing"]
        and not result["risks_extra"],
    }
    print()
    for goal, ok in goals.items():
        print(f"{'PASS' if ok else 'FAIL'}  {goal}")
    if not all(goals.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
