"""Tracker import benchmark: 10,000 spreadsheet rows with about three contacts each.

    ./benchmarks/run tracker_import [--rows 10000]

Generates an .xlsx laid out like the teams' customer tracker (客户编号, 客户名称(行业),
联系人(职位), …, 跟进记录 with three dated contacts, 当前状态, 预计成交金额 like "65万"), then
times, each in its own transaction rolled back afterwards:
  - the import wizard: reading and preview (dry run), then the import itself (leads,
    customers, contacts, follow-up logs, won/lost, one follow-up per lead, risk rules);
  - Odoo's own base_import loading the same rows into crm.lead, one field per column, no logs.
It reports the process's peak memory after previewing 10% of the rows, all of them, and after
the import.
"""

# A command-line benchmark: its report is printed to the terminal.
# pylint: disable=print-used

import argparse
import base64
import io
import random
import resource
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


def tracker(rows, seed=7):
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客户信息总表")
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


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="(accepted, nothing to reuse)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)

    started = time.perf_counter()
    small = tracker(args.rows // 10)
    content = tracker(args.rows)
    print(
        f"generated {args.rows} rows: {len(content) / 1024 / 1024:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s"
    )

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = api.Environment(cr, admin.id, {"tz": "Asia/Shanghai"})
        Wizard = env["sales.followup.import"]

        base_memory = peak_mb()
        wizard = Wizard.create({"file": base64.b64encode(small), "filename": "small.xlsx"})
        wizard.action_load()
        small_memory = peak_mb()

        wizard = Wizard.create({"file": base64.b64encode(content), "filename": "tracker.xlsx"})
        started = time.perf_counter()
        wizard.action_load()
        preview_time = time.perf_counter() - started
        full_memory = peak_mb()
        counts = (wizard.lead_create_count, wizard.log_create_count, wizard.partner_create_count)
        errors = wizard.error_count
        started = time.perf_counter()
        wizard.action_import()
        env.flush_all()
        import_time = time.perf_counter() - started
        import_memory = peak_mb()
        cr.execute("SELECT count(*) FROM sales_followup_log")
        logs = cr.fetchone()[0]
        cr.rollback()

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = api.Environment(cr, admin.id, {"tz": "Asia/Shanghai"})
        base = env["base_import.import"].create(
            {
                "res_model": "crm.lead",
                "file": content,
                "file_name": "tracker.xlsx",
                "file_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        columns = HEADER
        fields = [
            "followup_code",
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
            "sheet": "客户信息总表",
        }
        started = time.perf_counter()
        result = base.execute_import(fields, columns, options)
        env.flush_all()
        base_time = time.perf_counter() - started
        base_ids = result.get("ids") or []
        base_messages = [m.get("message") for m in result.get("messages", [])][:3]
        cr.rollback()

    print()
    print(
        f"rows {args.rows}; preview found {counts[0]} leads, {counts[2]} customers, "
        f"{counts[1]} follow-up logs, {errors} rows with errors"
    )
    print(f"import wizard: read + preview  {preview_time:7.1f} s")
    print(f"import wizard: import          {import_time:7.1f} s   ({logs} logs in the database)")
    print(f"import wizard: total           {preview_time + import_time:7.1f} s   goal < 120 s")
    print(
        f"base_import into crm.lead       {base_time:7.1f} s   ({len(base_ids)} leads, no logs)"
        + (f" messages: {base_messages}" if base_messages else "")
    )
    print(
        f"peak memory: {base_memory:.0f} MB before, {small_memory:.0f} MB after previewing "
        f"{args.rows // 10} rows, {full_memory:.0f} MB after previewing {args.rows} rows, "
        f"{import_memory:.0f} MB after importing them"
    )


if __name__ == "__main__":
    main()
