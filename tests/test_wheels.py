"""Both addons build as wheels (whool) with the right metadata and every file they ship.

The wheels are built the way ./setup/wheels builds them, offline, with the whool of this
environment. whool packages the files git tracks, so the file list is checked against
`git ls-files`: data, security, views, i18n, static files and readme included, not just Python.
"""

import ast
import email.parser
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ADDONS = sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
TEST_ADDONS = sorted(p.parent for p in REPO.glob("test_addons/*/__manifest__.py"))


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def _series(addon):
    return ".".join(_manifest(addon)["version"].split(".")[:2])


def _tracked_files(addon):
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", "."],
        cwd=addon,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {path for path in out.split("\0") if path}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """{addon name: path of its wheel}, both built in one pip call."""
    wheel_dir = tmp_path_factory.mktemp("wheels")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
            "--wheel-dir",
            str(wheel_dir),
            *(str(addon) for addon in ADDONS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    built = {}
    for path in wheel_dir.glob("*.whl"):
        match = re.fullmatch(r"odoo_addon_(\w+?)-([^-]+)-py3-none-any\.whl", path.name)
        assert match, f"unexpected wheel name {path.name}"
        built[match.group(1)] = path
    assert set(built) == {addon.name for addon in ADDONS}, sorted(built)
    return built


def _metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))


def _addon_files(wheel, addon):
    prefix = f"odoo/addons/{addon.name}/"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    outside = [n for n in names if not n.startswith(prefix) and ".dist-info/" not in n]
    assert not outside, f"files outside {prefix}: {outside}"
    return {n.removeprefix(prefix) for n in names if n.startswith(prefix)}


def test_test_addons_are_not_shipped(wheels):
    """The test-only addons (test_addons/) are not built: no wheel, no pyproject.toml."""
    assert TEST_ADDONS
    for addon in TEST_ADDONS:
        assert addon.name not in wheels
        assert not (addon / "pyproject.toml").exists(), addon.name


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_pyproject_uses_whool(addon):
    pyproject = tomllib.loads((addon / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == "whool.buildapi"
    assert pyproject["build-system"]["requires"] == ["whool"]


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_wheel_metadata(wheels, addon):
    manifest = _manifest(addon)
    series = _series(addon)
    metadata = _metadata(wheels[addon.name])

    assert metadata["Name"] == f"odoo-addon-{addon.name}"
    # The manifest's version, plus a ".N" when N commits touched the addon since it was set.
    assert re.fullmatch(re.escape(manifest["version"]) + r"(\.\d+|\.dev1)?", metadata["Version"])
    assert wheels[addon.name].name == (
        f"odoo_addon_{addon.name}-{metadata['Version']}-py3-none-any.whl"
    )
    assert metadata["License"] == manifest["license"]
    assert metadata["Author"] == manifest["author"]
    assert metadata["Home-page"] == manifest["website"]
    assert f"Framework :: Odoo :: {series}" in metadata.get_all("Classifier")

    # Odoo of the same series, the addons of this repository it depends on (Odoo's own addons
    # come with Odoo), and the Python packages of external_dependencies.
    expected = {f"odoo=={series}.*"}
    expected |= {
        f"odoo-addon-{depend}=={series}.*"
        for depend in manifest["depends"]
        if (REPO / depend / "__manifest__.py").is_file()
    }
    expected |= set(manifest.get("external_dependencies", {}).get("python", []))
    assert set(metadata.get_all("Requires-Dist")) == expected


def test_expected_requirements(wheels):
    """The concrete requirements, as an installer of these wheels sees them."""
    followup = _metadata(wheels["sales_followup"]).get_all("Requires-Dist")
    reports = _metadata(wheels["sales_followup_reports"]).get_all("Requires-Dist")
    assert sorted(followup) == ["odoo==18.0.*", "xlrd"]
    assert sorted(reports) == ["odoo-addon-sales_followup==18.0.*", "odoo==18.0.*"]


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_wheel_files(wheels, addon):
    files = _addon_files(wheels[addon.name], addon)
    tracked = _tracked_files(addon)

    # Every file git tracks in the addon, and nothing else (no bytecode, no stray files);
    # pyproject.toml only describes the build.
    assert files == tracked - {"pyproject.toml"}

    manifest = _manifest(addon)
    required = {"__manifest__.py", "__init__.py", "readme/DESCRIPTION.md"}
    required |= set(manifest["data"]) | set(manifest.get("demo", []))
    assert required <= files, sorted(required - files)
    assert any(name.endswith("security/ir.model.access.csv") for name in files)
    assert any(name.endswith(".xml") for name in files)
    if any(name.startswith("i18n/") for name in tracked):
        assert any(re.fullmatch(r"i18n/[^/]+\.pot?", name) for name in files)
    if "static/description/icon.png" in tracked:
        assert "static/description/icon.png" in files
