"""Each concern in a room of its own, checked on the source (no database):

- no Python or JavaScript file of the addons over 600 lines, crm_lead.py under 450;
- one ``create`` and one ``write`` override per model in each addon;
- the Follow-up activities are written by the follow-up engine only (no other ``mail.activity``
  create, no SQL insert into ``mail_activity``);
- the settings are read by the settings reader only (no other ``ir.config_parameter`` read of
  a ``sales_followup.`` key);
- no ``sudo()`` to get past the module's own guard of the follow-up state: the module writes it
  through ``system_env`` (record rules keep applying to the user's own writes);
- what Odoo 18.0 and 19.0 name differently is named in ``sales_followup/compat.py`` only: no
  other file of the addons (tests included) asks for the series or uses a name one of the two
  series lacks.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ADDONS = sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
MAX_LINES = 600
CRM_LEAD_MAX_LINES = 450
ENGINE = REPO / "sales_followup" / "models" / "sales_followup_engine.py"
SETTINGS = REPO / "sales_followup" / "models" / "sales_followup_settings.py"


def _sources(addon, suffixes=(".py",), tests=True):
    for path in sorted(addon.rglob("*")):
        if path.suffix not in suffixes or "migrations" in path.parts:
            continue
        if not tests and "tests" in path.relative_to(addon).parts:
            continue
        yield path


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_no_crowded_file(addon):
    long = {
        str(path.relative_to(REPO)): count
        for path in _sources(addon, (".py", ".js"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"files over {MAX_LINES} lines: {long}"


def test_crm_lead_py_holds_the_lead_only():
    path = REPO / "sales_followup" / "models" / "crm_lead.py"
    assert len(path.read_text(encoding="utf-8").splitlines()) < CRM_LEAD_MAX_LINES


def _model_classes(path):
    """(model name, class node) of the Odoo model classes of a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        names = {}
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name) and target.id in ("_name", "_inherit"):
                    names[target.id] = stmt.value
        value = names.get("_name") or names.get("_inherit")
        if isinstance(value, ast.Constant):
            yield value.value, node
        elif isinstance(value, ast.List | ast.Tuple) and value.elts:
            yield value.elts[-1].value, node


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_one_create_and_one_write_per_model(addon):
    overrides = Counter()
    for path in _sources(addon, tests=False):
        for model, node in _model_classes(path):
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name in ("create", "write"):
                    overrides[model, stmt.name] += 1
    assert overrides, "no model found"
    twice = {key: count for key, count in overrides.items() if count > 1}
    assert not twice, f"overridden more than once: {twice}"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_followups_written_by_the_engine_only(addon):
    raw = re.compile(
        r"INSERT\s+INTO\s+mail_activity\b|\[\"mail\.activity\"\][^\n]*\.create\(|"
        r"\bActivity\.create\(",
        re.IGNORECASE,
    )
    found = [
        str(path.relative_to(REPO))
        for path in _sources(addon, tests=False)
        if path != ENGINE and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"mail.activity written outside the follow-up engine: {found}"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_settings_read_by_the_reader_only(addon):
    raw = re.compile(r"get_param\(\s*f?[\"']sales_followup\.|key\s*=\s*'sales_followup\.")
    found = [
        str(path.relative_to(REPO))
        for path in _sources(addon, tests=False)
        if path != SETTINGS and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"follow-up settings read outside sales.followup.settings: {found}"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_follow_up_state_written_through_its_doors(addon):
    """A ``sudo().write`` of a field the guard keeps would skip the record rules for nothing."""
    from_states = (REPO / "sales_followup" / "tools" / "lead_states.py").read_text(encoding="utf-8")
    guarded = set(re.findall(r'"(followup_\w+)"', from_states.split("FOLLOWUP_SYSTEM_FIELDS")[1]))
    guarded |= {"followup_start_date"}
    pattern = re.compile(r"sudo\(\)\s*\.write\(\s*\{([^}]*)\}", re.DOTALL)
    found = []
    for path in _sources(addon, tests=False):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            written = set(re.findall(r'"(\w+)"\s*:', match.group(1)))
            if written and written <= guarded:
                found.append(f"{path.relative_to(REPO)}: {sorted(written)}")
    assert not found, f"sudo() only to pass the follow-up state guard: {found}"


COMPAT = REPO / "sales_followup" / "compat.py"
# Names that exist in one series only (18.0 or 19.0), as they would be written in our code.
SERIES_NAMES = {
    "the series asked for": r"\b(version_info|major_version|serie)\b|release\.version",
    "18.0's domain tools (19.0: odoo.fields.Domain)": r"odoo\.osv|\bexpression\.(AND|OR)\b",
    "18.0's constraints (19.0: models.Constraint)": r"_sql_constraints",
    "a user's groups (18.0 groups_id, 19.0 group_ids)": r"\bgroups_id\b|\.group_ids\b",
    "a group's users (18.0 users, 19.0 user_ids)": r"\]\.users\b|\.all_user_ids\b",
    "the lead's mobile (gone in 19.0)": r"\b(lead|partner|record|data)\.mobile\b|name=\"mobile\"",
    "18.0's read_group (deprecated in 19.0)": r"\.read_group\(|web_read_group\(",
    "18.0's snooze (19.0: reschedule)": r"action_snooze\(|action_reschedule_\w+\(",
    "18.0's call_kw (19.0: odoo.service.model)": r"from odoo\.api import call_kw",
    "18.0's _where_calc (gone in 19.0)": r"_where_calc\(",
    "a stage's team (18.0 team_id, 19.0 team_ids)": r"(?<!\w)stage\.team_ids?\b",
}


@pytest.mark.parametrize(
    "addon",
    ADDONS + sorted(p.parent for p in (REPO / "test_addons").glob("*/__manifest__.py")),
    ids=lambda p: p.name,
)
def test_series_names_in_compat_only(addon):
    found = []
    for path in _sources(addon, (".py", ".js", ".xml")):
        if path == COMPAT:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0] if path.suffix == ".py" else line
            for what, pattern in SERIES_NAMES.items():
                if re.search(pattern, code):
                    found.append(f"{path.relative_to(REPO)}:{number}: {what}: {line.strip()}")
    assert not found, "name it in compat.py:\n" + "\n".join(found)
