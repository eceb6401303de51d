"""Tracker import benchmark: spreadsheet rows with three contacts each, through the real path.

    ./benchmarks/run tracker_import [--rows 10000]
    ./benchmarks/run tracker_import --rows 100000   # the goal: under 10 minutes, memory flat

Generates an .xlsx laid out like the teams' customer tracker (客户编号, 客户名称(行业),
联系人(职位), …, 跟进记录 with three dated contacts, 当前状态, 预计成交金额 like "65万"), then:
  - Odoo's own base_import loading the same rows into crm.lead, one field per column (but the
    tracker's code, which only the tracker import keeps), no logs, in a process of its own and
    a transaction rolled back (it runs first, and its memory must not weigh on the figures of
    the import job);
  - the import wizard as a user goes through it, each step committed: reading and preview, then
    Import, which above the background threshold only creates the background job (the file
    names no salesperson: the leads are assigned to the person importing, so that each open
    lead gets its follow-up, unless --unassigned);
  - that job driven the way Odoo's cron runner does, in this process: one call of the cron's
    method per transaction, with a progress record of the import cron in the context, committed
    after each call, until the job is done. Each call's time, the rows done and the process's
    current memory (RSS) are recorded, to show that the memory stays flat.
The job commits leads, customers, logs and follow-ups: the benchmark needs the fresh database the
runner creates (without --reuse) and stops when it finds leads or import jobs in it.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import argparse
import base64
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import openpyxl

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

HEADER = [
    "客户编号",
    "客户名称(行业)",
    "联系人(职位)",
    "联系电话",
    "客户地址",
    "客户需求/痛点",
    "首次接触时间",
    "跟进记录",
    "当前状态",
    "预计成交金额",
    "成交日期",
    "备注",
]
INDUSTRIES = ["制造", "软件", "食品", "物流", "医疗", "建筑", "零售", "化工"]
METHODS = ["电话沟通", "上门拜访", "微信沟通", "视频会议", "邮件发送"]
NOTES = [
    "确认技术参数",
    "发送报价单，等待回复",
    "客户称正在对比两家供应商",
    "演示产品功能，客户较满意",
    "客户未接电话",
    "客户明确预算50-80万，需4月前完成采购",
]
STATUSES = ["Y-意向客户", "Y-意向客户", "C-成交客户", "L-流失客户", "Z-潜在客户"]
SHEET = "客户信息总表"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The goal: this many rows imported (preview, Import, background job) in under this many seconds.
GOAL_ROWS = 100_000
GOAL_SECONDS = 600
IMPORT_CRON = "sales_followup.ir_cron_followup_import"
FOLLOWUP_TYPE = "sales_followup.mail_activity_type_followup"


def tracker(rows, seed=7):
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(["客户跟进表（基准测试）"])
    sheet.append(HEADER)
    for index in range(rows):
        month = rng.randint(1, 9)
        day = rng.randint(1, 20)
        contacts = "；".join(
            f"2024-{month:02d}-{day + 3 * step:02d}{rng.choice(METHODS)}：{rng.choice(NOTES)}"
            for step in range(3)
        )
        status = rng.choice(STATUSES)
        sheet.append(
            [
                f"B{index:06d}",
                f"测试客户{index:05d}有限公司({rng.choice(INDUSTRIES)})",
                f"{rng.choice('王李张刘陈杨黄赵吴周')}经理(采购总监)",
                f"139{index:08d}",
                "上海市浦东新区张江路1号",
                "需要升级仓储管理系统",
                f"2024-{month:02d}-{day:02d}",
                contacts,
                status,
                f"{rng.randint(5, 200)}万",
                f"2024-{month:02d}-{day + 9:02d}" if status.startswith("C") else "-",
                "",
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def rss_mb():
    """The process's current resident memory (not its peak), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def user_env(cr):
    """The administrator, as the person who imports."""
    admin = api.Environment(cr, SUPERUSER_ID, {}).ref("base.user_admin")
    return api.Environment(cr, admin.id, {"tz": "Asia/Shanghai"})


def connect(args):
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    return Registry(args.database)


# ------------------------------------------------------------
# base_import (run in a process of its own)
# ------------------------------------------------------------


def base_import(args):
    """Load the file args.base_import into crm.lead with base_import, rolled back; print the
    figures as one JSON line."""
    registry = connect(args)
    with open(args.base_import, "rb") as file:
        content = file.read()
    with registry.cursor() as cr:
        env = user_env(cr)
        base = env["base_import.import"].create(
            {
                "res_model": "crm.lead",
                "file": content,
                "file_name": "tracker.xlsx",
                "file_type": XLSX,
            }
        )
        # The tracker's codes are not kept: a code set by hand must follow the pattern of the
        # lead's source, which the tracker's do not (only the tracker import keeps them); the
        # leads get theirs from the numbering, as any lead created.
        fields = [
            False,
            "partner_name",
            "contact_name",
            "phone",
            "street",
            "name",
            False,
            "description",
            False,
            False,
            False,
            False,
        ]
        options = {
            "has_headers": True,
            "skip": 1,
            "quoting": '"',
            "separator": ",",
            "date_format": "%Y-%m-%d",
            "datetime_format": "",
            "float_thousand_separator": ",",
            "float_decimal_separator": ".",
            "advanced": False,
            "sheet": SHEET,
        }
        started = time.perf_counter()
        result = base.execute_import(fields, HEADER, options)
        env.flush_all()
        seconds = time.perf_counter() - started
        figures = {
            "seconds": seconds,
            "leads": len(result.get("ids") or []),
            "messages": [m.get("message") for m in result.get("messages", [])][:3],
            "peak_mb": peak_mb(),
        }
        cr.rollback()
    print(json.dumps(figures))


def run_base_import(args, content):
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as file:
        file.write(content)
    try:
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--config",
            args.config,
            "--database",
            args.database,
            "--rows",
            str(args.rows),
            "--base-import",
            file.name,
        ]
        # Odoo's log goes to stderr (shown); the figures come back on stdout.
        output = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout
    finally:
        os.unlink(file.name)
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------
# The import wizard and its background job
# ------------------------------------------------------------


def check_fresh(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM crm_lead")
        leads = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sales_followup_import_job")
        jobs = cr.fetchone()[0]
    if leads or jobs:
        sys.exit(
            f"The database holds {leads} leads and {jobs} import jobs from an earlier run: the "
            "import commits, so its counts would be polluted. Run the benchmark without --reuse "
            "(the runner then creates the database afresh)."
        )


def cron_call(registry, cron_id, cron_user_id):
    """One run of the import cron's method as Odoo's cron runner does it: a transaction of its
    own, a progress record in the context, committed. Returns the progress figures."""
    with registry.cursor() as cr:
        env = api.Environment(cr, cron_user_id, {"cron_id": cron_id})
        cron, progress = env["ir.cron"].browse(cron_id)._add_progress()
        cr.commit()  # pylint: disable=invalid-commit
        cron.env["sales.followup.import.job"]._cron_process()
        cron.env.flush_all()
        cr.commit()  # pylint: disable=invalid-commit
        return progress.done, progress.remaining


def run_job(registry, job_id, rows):
    with registry.cursor() as cr:
        cron = api.Environment(cr, SUPERUSER_ID, {}).ref(IMPORT_CRON)
        cron_id, cron_user_id = cron.id, cron.user_id.id
    calls = []
    state = "queued"
    # Staging, one call per chunk, the call that finds nothing left: a generous bound.
    limit = rows + 10
    while state not in ("done", "failed"):
        if len(calls) >= limit:
            sys.exit(f"The job is still '{state}' after {len(calls)} calls: stopped.")
        started = time.perf_counter()
        done, remaining = cron_call(registry, cron_id, cron_user_id)
        seconds = time.perf_counter() - started
        with registry.cursor() as cr:
            cr.execute(
                "SELECT state, COALESCE(rows_done, 0), COALESCE(row_count, 0) "
                "FROM sales_followup_import_job WHERE id = %s",
                [job_id],
            )
            state, rows_done, row_count = cr.fetchone()
        calls.append(
            {
                "seconds": seconds,
                "rows_done": rows_done,
                "row_count": row_count,
                "state": state,
                "rss": rss_mb(),
                "peak": peak_mb(),
                "progress": (done, remaining),
            }
        )
        # The staging call, each tenth of the rows, the last call.
        shown = len(calls) == 1 or state in ("done", "failed")
        if not shown and row_count:
            shown = rows_done * 10 // row_count > calls[-2]["rows_done"] * 10 // row_count
        if shown:
            print(
                f"  call {len(calls):4d}: {seconds:6.2f} s  {rows_done:7d}/{row_count} rows  "
                f"{state:9s}  RSS {calls[-1]['rss']:5.0f} MB  (cron progress: {done} done, "
                f"{remaining} remaining)",
                flush=True,
            )
    return calls


def at_share(calls, share):
    """The first call after which at least ``share`` of the rows are done."""
    chunks = [call for call in calls if call["rows_done"]]
    total = calls[-1]["row_count"] or 1
    return next((call for call in chunks if call["rows_done"] >= share * total), calls[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="(accepted; the import commits, so a database used before is refused)",
    )
    parser.add_argument(
        "--unassigned",
        action="store_true",
        help="leave the leads without salesperson (the file names none), hence without "
        "follow-up; by default the wizard assigns them to the person importing",
    )
    parser.add_argument("--base-import", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.base_import:
        base_import(args)
        return

    registry = connect(args)
    check_fresh(registry)

    started = time.perf_counter()
    content = tracker(args.rows)
    print(
        f"generated {args.rows} rows: {len(content) / 1024 / 1024:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    print("base_import into crm.lead (own process, rolled back) …", flush=True)
    base = run_base_import(args, content)
    print(f"  {base['seconds']:.1f} s, {base['leads']} leads", flush=True)

    rss_start = rss_mb()
    with registry.cursor() as cr:
        Wizard = user_env(cr)["sales.followup.import"]
        values = {"file": base64.b64encode(content), "filename": "tracker.xlsx"}
        if not args.unassigned:
            # The file names no salesperson: the leads go to the person importing, so that
            # each open lead gets its follow-up.
            values["assign_user_id"] = Wizard.env.uid
        wizard = Wizard.create(values)
        started = time.perf_counter()
        wizard.action_load()
        wizard.env.flush_all()
        cr.commit()  # pylint: disable=invalid-commit
        preview_time = time.perf_counter() - started
        wizard_id = wizard.id
        counts = (wizard.lead_create_count, wizard.partner_create_count, wizard.log_create_count)
        errors, background = wizard.error_count, wizard.background
        unassigned = wizard.unassigned_count
    del content, wizard, Wizard
    rss_preview, peak_preview = rss_mb(), peak_mb()
    print(f"preview: {preview_time:.1f} s, RSS {rss_preview:.0f} MB", flush=True)

    with registry.cursor() as cr:
        wizard = user_env(cr)["sales.followup.import"].browse(wizard_id)
        started = time.perf_counter()
        wizard.action_import()
        wizard.env.flush_all()
        cr.commit()  # pylint: disable=invalid-commit
        import_time = time.perf_counter() - started
        job_id, message = wizard.job_id.id, wizard.message
    rss_import, peak_import = rss_mb(), peak_mb()
    print(
        f"Import (job created): {import_time:.1f} s, RSS {rss_import:.0f} MB",
        flush=True,
    )
    if not job_id:
        sys.exit(f"No background job was created (rows in the background: {background}): {message}")

    started = time.perf_counter()
    calls = run_job(registry, job_id, args.rows)
    job_wall = time.perf_counter() - started
    job_time = sum(call["seconds"] for call in calls)
    chunk_times = [call["seconds"] for call in calls[1:-1]] or [0.0]

    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM crm_lead")
        leads = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM res_partner WHERE is_company "
            "AND id NOT IN (SELECT partner_id FROM res_company)"
        )
        companies = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sales_followup_log")
        logs = cr.fetchone()[0]
        followup_type = api.Environment(cr, SUPERUSER_ID, {}).ref(FOLLOWUP_TYPE).id
        cr.execute(
            "SELECT count(*) FROM mail_activity WHERE res_model = 'crm.lead' "
            "AND activity_type_id = %s AND active",
            [followup_type],
        )
        activities = cr.fetchone()[0]
        cr.execute(
            "SELECT state, COALESCE(lead_count, 0), COALESCE(log_count, 0), message "
            "FROM sales_followup_import_job "
            "WHERE id = %s",
            [job_id],
        )
        job_state, job_leads, job_logs, job_message = cr.fetchone()

    total = preview_time + import_time + job_time
    rss_10, rss_50, rss_end = (at_share(calls, 0.1), at_share(calls, 0.5), calls[-1])
    rss_max = max(call["rss"] for call in calls)
    goal_seconds = GOAL_SECONDS * args.rows / GOAL_ROWS
    met = "MET" if total < goal_seconds else "NOT MET"
    goal = (
        f"< {GOAL_SECONDS} s for {GOAL_ROWS} rows: {met}"
        if args.rows == GOAL_ROWS
        else f"pro rata < {goal_seconds:.0f} s for {args.rows} rows (the goal: "
        f"{GOAL_ROWS} rows < {GOAL_SECONDS} s): {met}"
    )

    print()
    print("=" * 78)
    print(f"rows                            {args.rows}")
    print(
        "leads without salesperson       "
        + ("left unassigned" if args.unassigned else "assigned to the person importing")
    )
    print(
        f"preview found                   {counts[0]} leads, {counts[1]} customers, "
        f"{counts[2]} follow-up logs, {errors} rows with errors, {unassigned} leads without "
        "salesperson"
    )
    print(
        f"job                             {job_state}: {job_leads} leads, {job_logs} logs "
        f"in {len(calls)} cron calls ({job_message})"
    )
    print(f"leads in the database           {leads}")
    print(f"customers (companies)           {companies}")
    print(f"follow-up logs in the database  {logs}")
    print(f"open Follow-up activities       {activities}")
    print(f"preview (read + dry run)        {preview_time:7.1f} s")
    print(f"Import (creates the job)        {import_time:7.1f} s")
    print(
        f"{f'job (sum of {len(calls)} calls)':32s}{job_time:7.1f} s   (wall {job_wall:.1f} s; "
        f"staging {calls[0]['seconds']:.1f} s; per chunk: first {chunk_times[0]:.2f} s, "
        f"median {statistics.median(chunk_times):.2f} s, last {chunk_times[-1]:.2f} s, "
        f"max {max(chunk_times):.2f} s)"
    )
    print(f"total                           {total:7.1f} s   goal {goal}")
    print(
        f"base_import into crm.lead       {base['seconds']:7.1f} s   ({base['leads']} leads, "
        f"no logs, peak {base['peak_mb']:.0f} MB)"
        + (f" messages: {base['messages']}" if base["messages"] else "")
    )
    base_seconds = base["seconds"] or float("nan")
    print(
        f"ratio job / base_import         {job_time / base_seconds:7.2f}   "
        f"(Import + job: {(import_time + job_time) / base_seconds:.2f}, "
        f"total: {total / base_seconds:.2f})"
    )
    print(
        f"RSS (current) MB                start {rss_start:.0f}, after preview "
        f"{rss_preview:.0f}, after Import {rss_import:.0f}, job at 10% {rss_10['rss']:.0f} "
        f"(call {calls.index(rss_10) + 1}), at 50% {rss_50['rss']:.0f} "
        f"(call {calls.index(rss_50) + 1}), at the end {rss_end['rss']:.0f}, "
        f"max {rss_max:.0f}"
    )
    print(
        f"peak RSS (highest so far) MB    after preview {peak_preview:.0f}, after Import "
        f"{peak_import:.0f}, after the job's first call (reading the file) "
        f"{calls[0]['peak']:.0f}, after its chunks {calls[max(len(calls) - 2, 0)]['peak']:.0f}, "
        f"at the end {peak_mb():.0f}"
    )
    print("=" * 78)


if __name__ == "__main__":
    main()
