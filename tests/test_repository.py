"""Repository-level checks that need no database: manifests, XML, CSV access files."""

import ast
import csv
import re
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
ADDONS = sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
# Test-only addons: installed in ./setup/test's database, never shipped (no wheel, no Apps card).
TEST_ADDONS = sorted(p.parent for p in REPO.glob("test_addons/*/__manifest__.py"))
REQUIRED_KEYS = {"name", "version", "license", "author", "website", "category", "depends", "data"}


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def test_addons_found():
    assert "sales_followup" in {addon.name for addon in ADDONS}


@pytest.mark.parametrize("addon", ADDONS + TEST_ADDONS, ids=lambda p: p.name)
def test_manifest(addon):
    manifest = _manifest(addon)
    assert REQUIRED_KEYS <= manifest.keys(), REQUIRED_KEYS - manifest.keys()
    assert "description" not in manifest
    # One source for every series: Odoo prefixes its own series ("1.7.0" is 18.0.1.7.0 on 18.0
    # and 19.0.1.7.0 on 19.0), so the manifest carries none.
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"]), manifest["version"]
    assert manifest["installable"] is True
    for key in ("data", "demo"):
        for rel in manifest.get(key, []):
            assert (addon / rel).is_file(), f"{addon.name}: {key} file {rel} is missing"


@pytest.mark.parametrize("addon", ADDONS + TEST_ADDONS, ids=lambda p: p.name)
def test_data_files_ordered(addon):
    """security -> data -> wizard -> views -> report -> menus, as the house style says."""
    order = ["security", "data", "wizard", "views", "report"]
    files = _manifest(addon)["data"]
    ranks = []
    for rel in files:
        folder = rel.split("/")[0]
        rank = len(order) if rel.endswith("_menus.xml") else order.index(folder)
        ranks.append(rank)
    assert ranks == sorted(ranks), files


@pytest.mark.parametrize(
    "path", sorted(REPO.glob("*/**/*.xml")), ids=lambda p: str(p.relative_to(REPO))
)
def test_xml_well_formed(path):
    root = etree.parse(str(path)).getroot()
    if "static" in path.relative_to(REPO).parts:
        # OWL templates of the web client: named templates, nothing else.
        assert root.tag == "templates"
        assert len(root) and all(child.get("t-name") for child in root), path
        return
    assert root.tag == "odoo"
    # Odoo 18 views use <list> and expressions, never <tree> or attrs/states.
    assert not root.xpath("//tree"), "use <list>, not <tree>"
    assert not root.xpath("//*[@attrs or @states]"), "use invisible=/readonly= expressions"
    # The web client evaluates these expressions itself, without Python's builtins.
    for attribute in ("invisible", "readonly", "required", "column_invisible"):
        for node in root.xpath(f"//*[@{attribute}]"):
            assert "len(" not in node.get(attribute), f"{attribute}={node.get(attribute)!r}"


@pytest.mark.parametrize(
    "path", sorted(REPO.glob("*/security/ir.model.access.csv")), ids=lambda p: p.parts[-3]
)
def test_access_csv(path):
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        model = row["model_id:id"].removeprefix("model_")
        group = row["group_id:id"].split(".")[-1]
        assert row["id"] == f"access_{model}_{group}", row["id"]
        assert all(
            row[perm] in ("0", "1")
            for perm in ("perm_read", "perm_write", "perm_create", "perm_unlink")
        )


@pytest.mark.parametrize(
    "path", sorted(REPO.glob("*/**/*.py")), ids=lambda p: str(p.relative_to(REPO))
)
def test_python_compiles(path):
    compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_test_addons_found():
    assert "sales_followup_funnel_extra" in {addon.name for addon in TEST_ADDONS}
    assert not {addon.name for addon in TEST_ADDONS} & {addon.name for addon in ADDONS}


@pytest.mark.parametrize("addon", TEST_ADDONS, ids=lambda p: p.name)
def test_test_addon_is_test_only(addon):
    """A test addon extends ours the way another module would, for the tests: it depends on
    our addons, is no application, ships no wheel and has tests (post_install, as ours)."""
    manifest = _manifest(addon)
    ours = {other.name for other in ADDONS}
    assert set(manifest["depends"]) & ours, manifest["depends"]
    assert not manifest.get("application")
    assert manifest["category"] == "Hidden/Tests"
    assert not (addon / "pyproject.toml").exists(), "a test addon is not built as a wheel"
    assert (addon / "README.md").is_file(), "pylint-odoo's missing-readme"
    tests = sorted((addon / "tests").glob("test_*.py"))
    assert tests, "a test addon has tests"
    init = (addon / "tests" / "__init__.py").read_text(encoding="utf-8")
    for test in tests:
        assert f"from . import {test.stem}" in init, test.name
        assert '@tagged("post_install", "-at_install")' in test.read_text(encoding="utf-8")


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_app_listing(addon):
    """The Apps menu card: an icon, a description page whose images all exist, readme fragments."""
    icon = addon / "static/description/icon.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{icon} is not a PNG"
    page = etree.HTML((addon / "static/description/index.html").read_text(encoding="utf-8"))
    images = page.xpath("//img/@src")
    assert images, "index.html shows no screenshot"
    for src in images:
        assert (addon / "static/description" / src).is_file(), f"index.html: {src} is missing"
    for image in _manifest(addon).get("images", []):
        assert (addon / image).is_file(), f"manifest image {image} is missing"
    for fragment in ("DESCRIPTION.md", "USAGE.md", "CONTRIBUTORS.md"):
        assert (addon / "readme" / fragment).read_text(encoding="utf-8").strip(), fragment
    assert len(_manifest(addon)["summary"]) <= 200


def test_addon_readmes_up_to_date():
    """Each addon's README.md is generated from its manifest and readme/ fragments."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(REPO / "setup" / "readme"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for addon in ADDONS:
        assert (addon / "README.md").is_file(), addon.name
