"""The lint configuration fits the repository.

Lint itself (ruff and pylint-odoo) runs through pre-commit, in the first stage of ./setup/test;
these checks keep its configuration installable from the package index alone and in line with
the manifests.
"""

import ast
import configparser
import re
from pathlib import Path

import pytest
import yaml
from odoo_series import served_series

REPO = Path(__file__).resolve().parents[1]
ADDONS = sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
TEST_ADDONS = sorted(p.parent for p in REPO.glob("test_addons/*/__manifest__.py"))


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def _hooks():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return config["repos"]


def _pylintrc():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / ".pylintrc-mandatory", encoding="utf-8")
    return parser


def _values(text):
    return {value.strip() for value in text.replace("\n", ",").split(",") if value.strip()}


def test_hooks_build_from_the_package_index():
    """Local hooks with pinned PyPI packages: no hook repository to clone, same tools for all."""
    hooks = [hook for repo in _hooks() for hook in repo["hooks"]]
    assert {hook["id"] for hook in hooks} >= {"ruff", "ruff-format", "pylint-odoo"}
    for repo in _hooks():
        assert repo["repo"] == "local", repo["repo"]
    for hook in hooks:
        assert hook["language"] == "python", hook["id"]
        assert hook["additional_dependencies"], hook["id"]
        for requirement in hook["additional_dependencies"]:
            assert "==" in requirement, f"{hook['id']}: pin {requirement}"


def test_hooks_only_check():
    """./setup/test runs the hooks in a working tree: they report, they never rewrite files."""
    for repo in _hooks():
        for hook in repo["hooks"]:
            entry = hook["entry"].split()
            if entry[:2] == ["ruff", "check"]:
                assert "--no-fix" in entry
            if entry[:2] == ["ruff", "format"]:
                assert "--check" in entry
            if entry[0] == "pylint":
                assert "--rcfile=.pylintrc-mandatory" in entry


def test_pylint_checks_every_addon():
    """pylint-odoo runs on the files of every addon, the test-only ones included."""
    (hook,) = [hook for repo in _hooks() for hook in repo["hooks"] if hook["id"] == "pylint-odoo"]
    for addon in ADDONS + TEST_ADDONS:
        path = str((addon / "__init__.py").relative_to(REPO))
        assert re.search(hook["files"], path), f"{path} is not linted"


@pytest.mark.parametrize("addon", ADDONS + TEST_ADDONS, ids=lambda p: p.name)
def test_pylintrc_fits_manifest(addon):
    manifest = _manifest(addon)
    odoolint = _pylintrc()["ODOOLINT"]
    authors = _values(odoolint["manifest-required-authors"])
    assert authors & _values(manifest["author"]), manifest["author"]
    assert manifest["license"] in _values(odoolint["license-allowed"])
    # One source for every series: the manifest names none, and the lint knows exactly the
    # series the project serves (those ./setup/lib.sh sets up).
    assert re.fullmatch(odoolint["manifest-version-format"].strip(), manifest["version"])
    assert not re.fullmatch(odoolint["manifest-version-format"].strip(), "18.0.1.7.0")
    assert _values(odoolint["valid-odoo-versions"]) == set(served_series())


def test_pylintrc_mandatory_checks():
    rc = _pylintrc()
    assert rc["MASTER"]["load-plugins"].strip() == "pylint_odoo"
    assert rc["MESSAGES CONTROL"]["disable"].strip() == "all"
    enabled = _values(rc["MESSAGES CONTROL"]["enable"])
    assert {
        "manifest-required-author",
        "license-allowed",
        "translation-required",
        "sql-injection",
        "invalid-commit",
        "method-required-super",
        "missing-return",
    } <= enabled
