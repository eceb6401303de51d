"""Upgrade from the previous release: install it from git history with demo data, upgrade to the
code of this checkout, and check that follow-up logs, grades, statuses and risks come through
unchanged and that the upgraded database keeps working; then uninstall.

The previous release is the newest release tag below the manifest's version that runs on this
run's series: ``v<series>.<version>`` (``v18.0.1.1.0``) or, from the releases of one source for
every series on, ``v<version>``; in a clone without tags, the 18.0 release pinned below. Before
1.7.0 the addons served 18.0 only: on 19.0 there is no release to upgrade from yet, and the
uninstall runs on a fresh install of this checkout instead. The migration scripts themselves are
checked on every series (folders without a series, safe to run again).

Needs PostgreSQL and Odoo's source, which ``./setup/test`` provides for each series
(``ODOO_SRC``, ``ODOO_CONF``).
"""

import ast
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from odoo_run import REPO, cursor, demo_options, drop_database, odoo
from odoo_series import full_version, module_version, run_series

MODULES = "sales_followup,sales_followup_reports"
# One database per run (dropped at the end), so that two runs never share one.
DB = os.environ.get("SALES_FOLLOWUP_MIGRATION_DB", f"sales_followup_migration_{os.getpid()}")
# Release 18.0.1.1.0 (its last commit): used on 18.0 when the clone carries no release tags.
PINNED_RELEASE = "f77bc82a671e191cfe122a87c4e1a75d7216157a"
PINNED_RELEASE_SERIES = "18.0"
# The series of this run's Odoo (None outside ./setup/test, where odoo() says what is missing).
SERIES = run_series()


def _manifest_version(addon_dir):
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))
    return manifest["version"]


def _git(*args):
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _previous_release():
    """The tag or commit of the release before this checkout's that runs on this run's series,
    or None when there is none."""
    current = module_version(_manifest_version(REPO / "sales_followup"))
    ours = rf"v(?:{re.escape(SERIES or PINNED_RELEASE_SERIES)}\.)?\d+\.\d+\.\d+"
    tags = [
        tag
        for tag in _git("tag", "--list", "v*", "--merged", "HEAD").split()
        if re.fullmatch(ours, tag) and module_version(tag[1:]) < current
    ]
    if tags:
        return max(tags, key=lambda tag: module_version(tag[1:]))
    return PINNED_RELEASE if SERIES in (None, PINNED_RELEASE_SERIES) else None


PREVIOUS_RELEASE = _previous_release()
needs_previous_release = pytest.mark.skipif(
    PREVIOUS_RELEASE is None,
    reason=f"no earlier release runs on Odoo {SERIES}: the addons served Odoo "
    f"{PINNED_RELEASE_SERIES} only before 1.7.0 (the previous release is 18.0.1.1.0)",
)


def _snapshot():
    """What must survive an upgrade, keyed by database ids."""
    queries = {
        "leads": """
            SELECT id, followup_grade, followup_status, followup_code, followup_wakeup_date,
                   followup_next_date, followup_last_date, followup_risk_level,
                   followup_lost_candidate, stage_id, user_id, active
              FROM crm_lead ORDER BY id""",
        "logs": """
            SELECT id, lead_id, date, user_id, method, summary, customer_words, interpretation,
                   sentiment, customer_responded, next_action, next_date, grade, due_date,
                   on_rhythm, recorded_late
              FROM sales_followup_log ORDER BY id""",
        "risks": """
            SELECT r.id, r.lead_id, t.code, r.state, r.date_raised, r.date_resolved, r.note,
                   r.raised_by_id
              FROM sales_followup_risk r JOIN sales_followup_risk_type t ON t.id = r.type_id
             ORDER BY r.id""",
        "open_followups": """
            SELECT a.res_id, a.date_deadline, a.user_id
              FROM mail_activity a
              JOIN ir_model_data d ON d.res_id = a.activity_type_id
                   AND d.model = 'mail.activity.type' AND d.module = 'sales_followup'
             WHERE a.res_model = 'crm.lead' AND a.active ORDER BY a.res_id""",
        "settings": """
            SELECT key, value FROM ir_config_parameter
             WHERE key LIKE 'sales_followup.%' ORDER BY key""",
    }
    with cursor(DB) as cr:
        snapshot = {}
        for name, query in queries.items():
            cr.execute(query)
            snapshot[name] = cr.fetchall()
        cr.execute(
            "SELECT name, state, latest_version FROM ir_module_module WHERE name IN %s",
            [tuple(MODULES.split(","))],
        )
        snapshot["modules"] = {name: (state, version) for name, state, version in cr.fetchall()}
        # The funnel's rows are the model's query now: an SQL view of a release before goes.
        cr.execute("SELECT to_regclass('sales_followup_funnel_report') IS NOT NULL")
        snapshot["report_view"] = cr.fetchone()[0]
        cr.execute("SELECT CURRENT_DATE")
        snapshot["today"] = cr.fetchone()[0]
    return snapshot


# Runs in the previous release: its importer brings a tracker with 2024 history (the codes
# MIG01 and MIG02), as a company moving in did with that release.
IMPORT_SCRIPT = """
import base64
rows = [
    "客户编号,客户名称,联系人,首次接触时间,跟进记录,当前状态",
    "MIG01,迁移甲公司,甲,2024-03-10,2024-03-12电话沟通：询价；2024-03-20上门拜访：看厂,跟进中",
    "MIG02,迁移乙公司,乙,2024-05-06,2024-05-07邮件：报价,跟进中",
]
wizard = env["sales.followup.import"].create({
    "file": base64.b64encode("\\n".join(rows).encode()), "filename": "tracker.csv"})
wizard.action_load()
wizard.action_import()
env.cr.commit()
print("IMPORT-CHECK", wizard.state)
"""


# Runs inside the upgraded database as the demo salesman: a contact is logged and answered by
# the next follow-up, and the risk scan still runs. Prints what the test checks. The clock is
# frozen at the install date the upgrade recorded (this run's install of the previous release):
# the check does not depend on the day it runs.
SHELL_SCRIPT = """
import datetime
from freezegun import freeze_time
with freeze_time(env["ir.config_parameter"].get_param("sales_followup.install_date")):
    nxt = datetime.date.today() + datetime.timedelta(days=45)
    nxt += datetime.timedelta(days=max(0, 7 - nxt.weekday()) if nxt.weekday() >= 5 else 0)
    lead = env["crm.lead"].search(
        [("followup_status", "=", "in_progress"), ("user_id.login", "=", "wang")], limit=1)
    wang = env["res.users"].search([("login", "=", "wang")])
    log = env["sales.followup.log"].with_user(wang).create({
        "lead_id": lead.id, "method": "phone", "customer_responded": True,
        "summary": "Upgrade check: confirmed the quotation figures",
        "next_date": nxt.isoformat(),
    })
    env["sales.followup.risk"]._cron_followup_risk_scan()
env.cr.commit()
print("FUNNEL-ROWS", env["sales.followup.funnel.report"].search_count([]))
print("UPGRADE-CHECK", lead.id, log.id, nxt, lead.followup_next_date)
"""


@pytest.fixture(scope="module")
def upgraded():
    base = PREVIOUS_RELEASE
    worktree = Path(tempfile.mkdtemp(prefix="sales_followup_previous_")) / "addons"
    _git("worktree", "add", "--detach", str(worktree), base)
    try:
        try:
            drop_database(DB)
            odoo(DB, "-i", MODULES, *demo_options(True), "--stop-after-init", addons_dir=worktree)
            # History brought in by the previous release's own tracker importer.
            odoo(DB, addons_dir=worktree, command=["shell"], stdin=IMPORT_SCRIPT)
            before = _snapshot()
            previous_version = _manifest_version(worktree / "sales_followup")
        finally:
            _git("worktree", "remove", "--force", str(worktree))
            worktree.parent.rmdir()
        odoo(DB, "-u", MODULES, "--stop-after-init")
        after = _snapshot()
        yield {"base": base, "previous": previous_version, "before": before, "after": after}
    finally:
        # The database is this run's own: dropped even when the install or upgrade failed.
        drop_database(DB)


@needs_previous_release
def test_previous_release_had_data(upgraded):
    before = upgraded["before"]
    assert before["modules"] == {
        name: ("installed", full_version(upgraded["previous"], SERIES))
        for name in MODULES.split(",")
    }
    # The demo data of the previous release: leads in every status, logs, manual and rule risks.
    statuses = {row[2] for row in before["leads"]}
    assert {"to_contact", "in_progress", "converted", "lost", "dormant"} <= statuses
    assert {row[1] for row in before["leads"]} >= {"a", "b", "c"}
    assert len(before["logs"]) >= 100
    raised_by = [row[7] for row in before["risks"] if row[3] == "open"]
    assert any(raised_by) and None in raised_by, "manual and automatic open risks expected"
    assert before["open_followups"]


@needs_previous_release
def test_upgrade_reaches_current_version(upgraded):
    current = _manifest_version(REPO / "sales_followup")
    assert module_version(upgraded["previous"]) < module_version(current)
    assert upgraded["after"]["modules"] == {
        name: ("installed", full_version(_manifest_version(REPO / name), SERIES))
        for name in MODULES.split(",")
    }


def _existing_ids(snapshot):
    """Leads that were in the database before the previous release was installed (crm's demo
    leads): the previous release never gave them a code."""
    return {row[0] for row in snapshot["leads"] if row[3] is None}


def _own(rows, existing, key=0):
    return [row for row in rows if row[key] not in existing]


@needs_previous_release
@pytest.mark.parametrize("part", ["leads", "logs", "risks", "open_followups"])
def test_upgrade_keeps_followup_data(upgraded, part):
    """What the module made of its own leads comes through unchanged."""
    before, after = upgraded["before"], upgraded["after"]
    existing = _existing_ids(before)
    key = 1 if part in ("logs", "risks") else 0
    mine_before, mine_after = _own(before[part], existing, key), _own(after[part], existing, key)
    if part == "logs":
        # Imported history is no longer "recorded late" (the last column): checked apart.
        imported = {row[0] for row in before["leads"] if row[3] in ("MIG01", "MIG02")}

        def comparable(rows):
            return [row[:-1] if row[1] in imported else row for row in rows]

        mine_before, mine_after = comparable(mine_before), comparable(mine_after)
    assert mine_after == mine_before


@needs_previous_release
def test_upgrade_gives_imported_history_its_dates(upgraded):
    with cursor(DB) as cr:
        cr.execute(
            "SELECT followup_code, followup_origin, followup_start_date FROM crm_lead "
            "WHERE followup_code IN ('MIG01', 'MIG02') ORDER BY followup_code"
        )
        leads = cr.fetchall()
        cr.execute(
            "SELECT count(*) FROM sales_followup_log log JOIN crm_lead lead "
            "ON lead.id = log.lead_id WHERE lead.followup_code IN ('MIG01', 'MIG02') "
            "AND log.recorded_late"
        )
        late = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM crm_lead WHERE followup_origin = 'import' "
            "AND followup_code NOT IN ('MIG01', 'MIG02')"
        )
        others = cr.fetchone()[0]
    assert [(code, origin) for code, origin, _day in leads] == [
        ("MIG01", "import"),
        ("MIG02", "import"),
    ]
    # Lead date: their first contact (the previous release kept no first-contact column).
    assert [str(day) for _code, _origin, day in leads] == ["2024-03-12", "2024-05-07"]
    assert late == 0, "imported history is not a contact recorded late"
    assert others == 0, "the demo's own leads were created in Odoo"


@needs_previous_release
def test_upgrade_keeps_settings(upgraded):
    before, after = dict(upgraded["before"]["settings"]), dict(upgraded["after"]["settings"])
    assert {key: value for key, value in after.items() if key in before} == before
    # When the previous release was installed: the leads older than that are 'existing'; and
    # from when overdue follow-ups are escalated (the upgrade: old ones do not notify at once).
    assert set(after) - set(before) == {
        "sales_followup.install_date",
        "sales_followup.escalation_since",
    }


@needs_previous_release
def test_upgrade_adopts_leads_the_previous_release_left_untouched(upgraded):
    """The previous release left crm's demo leads 'To Follow Up', without a code, flagged
    'First contact late' and with first-contact follow-ups years overdue; the upgrade brings
    them under the rules as a new install does."""
    before, after = upgraded["before"], upgraded["after"]
    existing = _existing_ids(before)
    assert len(existing) >= 40, "crm's demo leads were there before the previous release"
    leads = {row[0]: row for row in after["leads"] if row[0] in existing}
    # (id, grade, status, code, wakeup, next date, last date, risk level, candidate, stage,
    #  user, active)
    assert all(row[3] for row in leads.values()), "every lead has a code"
    assert len({row[3] for row in leads.values()}) == len(leads), "codes are unique"
    statuses = {row[2] for row in leads.values()}
    assert {"converted", "lost", "in_progress", "to_contact"} <= statuses
    assert all(row[2] == "lost" for row in leads.values() if not row[11]), "archived: lost"
    assert not [row for row in after["risks"] if row[1] in existing and row[7] is None], (
        "no automatic risk on leads whose history is not the salespeople's doing"
    )
    assert all(row[7] == "none" for row in leads.values())
    followups = {row[0]: row for row in after["open_followups"] if row[0] in existing}
    assert followups, "open assigned leads get a follow-up"
    open_assigned = {
        lead_id
        for lead_id, row in leads.items()
        if row[11] and row[10] and row[2] in ("to_contact", "in_progress")
    }
    assert set(followups) == open_assigned
    assert min(row[1] for row in followups.values()) >= after["today"]


@needs_previous_release
def test_upgraded_database_keeps_working(upgraded):
    after = upgraded["after"]
    assert not after["report_view"], "the funnel's view of the release before is dropped"
    result = odoo(DB, command=["shell"], stdin=SHELL_SCRIPT)
    # One funnel row per lead, archived (lost) leads included.
    rows = next(line for line in result.stdout.splitlines() if line.startswith("FUNNEL-ROWS"))
    assert int(rows.split()[1]) == len(after["leads"]), rows
    line = next(line for line in result.stdout.splitlines() if line.startswith("UPGRADE-CHECK"))
    *_, asked, kept = line.split()
    assert kept == asked, line


# Prepares what an uninstall must leave behind (a lead lost with the module's "No response"
# reason, Follow-up activities on leads that are not the module's demo data), then uninstalls.
# The lead lost is an open one (19.0 refuses to lose a lead in a won stage).
UNINSTALL_SCRIPT = """
own = env["ir.model.data"].search(
    [("module", "=", "sales_followup"), ("model", "=", "crm.lead")]).mapped("res_id")
lead = env["crm.lead"].search(
    [("id", "not in", own), ("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
    limit=1)
lead.action_set_lost(lost_reason_id=env.ref("sales_followup.lost_reason_no_response").id)
followup = env.ref("sales_followup.mail_activity_type_followup")
activities = env["mail.activity"].with_context(active_test=False).search(
    [("activity_type_id", "=", followup.id), ("res_id", "not in", own)])
env.cr.commit()
env["ir.module.module"].search([("name", "=", "sales_followup")]).button_immediate_uninstall()
print("UNINSTALL-CHECK", lead.id, ",".join(map(str, activities.ids)))
"""


@pytest.fixture(scope="module")
def with_addons(request):
    """A database with both addons and demo data: the upgraded one where a previous release runs
    on this series, else a fresh install of this checkout (19.0 until a 19.0 release)."""
    if PREVIOUS_RELEASE is not None:
        request.getfixturevalue("upgraded")
        yield DB
        return
    try:
        drop_database(DB)
        odoo(DB, "-i", MODULES, *demo_options(True), "--stop-after-init")
        yield DB
    finally:
        drop_database(DB)


def test_uninstall_leaves_leads_usable(with_addons):
    """Last: uninstalls both addons (from the upgraded database where there is one), without an
    error in the log."""
    result = odoo(DB, command=["shell"], stdin=UNINSTALL_SCRIPT)
    line = next(line for line in result.stdout.splitlines() if line.startswith("UNINSTALL-CHECK"))
    lead_id, activity_ids = line.split()[1], [int(i) for i in line.split()[2].split(",")]
    assert activity_ids, "the database had Follow-up activities on leads outside the demo data"
    with cursor(DB) as cr:
        cr.execute(
            "SELECT name, state FROM ir_module_module WHERE name IN %s",
            [tuple(MODULES.split(","))],
        )
        assert dict(cr.fetchall()) == dict.fromkeys(MODULES.split(","), "uninstalled")
        cr.execute("SELECT to_regclass('sales_followup_log'), to_regclass('sales_followup_risk')")
        assert cr.fetchone() == (None, None)
        cr.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'crm_lead' AND column_name LIKE 'followup%%'"
        )
        assert cr.fetchone()[0] == 0
        # The salespeople's follow-ups stay, as To-Do activities.
        cr.execute(
            "SELECT DISTINCT d.module || '.' || d.name FROM mail_activity a "
            "JOIN ir_model_data d ON d.model = 'mail.activity.type' "
            "AND d.res_id = a.activity_type_id WHERE a.id IN %s",
            [tuple(activity_ids)],
        )
        assert cr.fetchall() == [("mail.mail_activity_data_todo",)]
        cr.execute("SELECT count(*) FROM mail_activity WHERE id IN %s", [tuple(activity_ids)])
        assert cr.fetchone()[0] == len(activity_ids)
        # The lost lead keeps its reason.
        cr.execute(
            "SELECT r.name->>'en_US' FROM crm_lead l "
            "JOIN crm_lost_reason r ON r.id = l.lost_reason_id WHERE l.id = %s",
            [int(lead_id)],
        )
        assert cr.fetchone() == ("No response",)
        cr.execute("SELECT count(*) FROM ir_config_parameter WHERE key LIKE 'sales_followup.%%'")
        assert cr.fetchone()[0] == 0


# The migration scripts, on every series: what Odoo runs of them when a database is upgraded.
MIGRATIONS = sorted(REPO.glob("*/migrations/*"))


@pytest.mark.parametrize("folder", MIGRATIONS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_migration_folder_serves_every_series(folder):
    """A folder without a series (1.6.0) runs on the series the database is on (Odoo puts its own
    series before it) and is left alone by an upgrade to the next series; a folder named
    18.0.1.6.0 would run on 18.0 only. Each is at most the manifest's version (else it never
    runs) and holds only pre-, post- and end- scripts."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", folder.name), folder.name
    current = module_version(_manifest_version(folder.parents[1]))
    assert module_version(folder.name) <= current, (folder.name, current)
    scripts = sorted(path.name for path in folder.iterdir() if path.name != "__pycache__")
    assert scripts, "an empty migration folder"
    for name in scripts:
        assert re.fullmatch(r"(pre|post|end)-[\w-]+\.py", name), name


@pytest.mark.parametrize(
    "script",
    sorted(path for folder in MIGRATIONS for path in folder.glob("*.py")),
    ids=lambda p: f"{p.parts[-3]}/{p.parent.name}/{p.name}",
)
def test_migration_script_runs_only_on_upgrade_and_again(script):
    """``migrate(cr, version)`` does nothing on a new install (no version), and running it again
    does not fail on what it did already: columns are added only if they are missing."""
    text = script.read_text(encoding="utf-8")
    tree = ast.parse(text)
    (migrate,) = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "migrate"
    ]
    assert [arg.arg.lstrip("_") for arg in migrate.args.args] == ["cr", "version"]
    first = migrate.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        first = migrate.body[1]
    assert (
        isinstance(first, ast.If)
        and ast.unparse(first.test) in ("not version", "not _version")
        and [ast.unparse(node) for node in first.body] == ["return"]
    ), f"{script.name}: migrate() starts with 'if not version: return'"
    added = re.findall(r"ADD\s+COLUMN\s+(?!IF\s+NOT\s+EXISTS)\w+", text, re.I)
    assert not added, f"{script.name}: ADD COLUMN IF NOT EXISTS, not {added}"
