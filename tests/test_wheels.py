"""Both addons build as wheels (whool), one per Odoo series, with the right metadata and every file
they ship, and each installs into its own series.

The wheels are built by ./setup/wheels itself, offline, with the whool of this environment, for
every series the project serves (the build needs no Odoo). One source serves them all: the
manifest's version carries no series, the wheel's version is <series>.<manifest version>[.N] and
its requirements pin that series. whool packages the files git tracks, so the file list is
checked against `git ls-files`: data, security, views, i18n, static files and readme included,
not just Python.
"""

import ast
import email.parser
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from odoo_series import run_series, served_series

REPO = Path(__file__).resolve().parents[1]
ADDONS = sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
TEST_ADDONS = sorted(p.parent for p in REPO.glob("test_addons/*/__manifest__.py"))
SERIES = served_series()
WHEEL_NAME = re.compile(r"odoo_addon_(\w+?)-((\d+\.\d+)\.[^-]+)-py3-none-any\.whl")


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


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
def this_series():
    """The series of this run's Odoo (./setup/test runs the checks once per series)."""
    series = run_series()
    if series is None:
        pytest.fail("ODOO_SRC is not set: run the tests with ./setup/test")
    return series


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory):
    """The folder ./setup/wheels built every series' wheels into, in one call."""
    wheel_dir = tmp_path_factory.mktemp("wheels")
    result = subprocess.run(
        ["bash", str(REPO / "setup" / "wheels"), *SERIES],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SALES_FOLLOWUP_DIST": str(wheel_dir)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return wheel_dir


@pytest.fixture(scope="module")
def wheels(wheel_dir):
    """{(series, addon name): path of its wheel}."""
    built = {}
    for path in wheel_dir.glob("*.whl"):
        match = WHEEL_NAME.fullmatch(path.name)
        assert match, f"unexpected wheel name {path.name}"
        assert (match.group(3), match.group(1)) not in built, path.name
        built[match.group(3), match.group(1)] = path
    assert set(built) == {(series, addon.name) for series in SERIES for addon in ADDONS}, sorted(
        built
    )
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


def test_series_served():
    """The wheels are built for the series the project serves: 18.0 and 19.0."""
    assert SERIES == ["18.0", "19.0"]


def test_test_addons_are_not_shipped(wheels):
    """The test-only addons (test_addons/) are not built: no wheel, no pyproject.toml."""
    assert TEST_ADDONS
    for addon in TEST_ADDONS:
        assert addon.name not in {name for _series, name in wheels}
        assert not (addon / "pyproject.toml").exists(), addon.name


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_pyproject_uses_whool(addon):
    pyproject = tomllib.loads((addon / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == "whool.buildapi"
    assert pyproject["build-system"]["requires"] == ["whool"]
    # The series is the build's (./setup/wheels gives each its own), never the source's.
    whool = pyproject.get("tool", {}).get("whool", {})
    assert not {"odoo_series_override", "odoo_version_override"} & whool.keys()


@pytest.mark.parametrize("series", SERIES)
@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_wheel_metadata(wheels, addon, series):
    manifest = _manifest(addon)
    metadata = _metadata(wheels[series, addon.name])

    assert metadata["Name"] == f"odoo-addon-{addon.name}"
    # The series, the manifest's version, plus a ".N" when N commits touched the addon since the
    # version was set (".dev1" when it is not committed yet).
    version = re.escape(f"{series}.{manifest['version']}")
    assert re.fullmatch(version + r"(\.\d+|\.dev1)?", metadata["Version"])
    assert wheels[series, addon.name].name == (
        f"odoo_addon_{addon.name}-{metadata['Version']}-py3-none-any.whl"
    )
    assert metadata["License"] == manifest["license"]
    assert metadata["Author"] == manifest["author"]
    assert metadata["Home-page"] == manifest["website"]
    odoo_series = {
        classifier.rsplit(" :: ", 1)[1]
        for classifier in metadata.get_all("Classifier")
        if re.fullmatch(r"Framework :: Odoo :: \d+\.\d+", classifier)
    }
    assert odoo_series == {series}

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


@pytest.mark.parametrize("series", SERIES)
def test_expected_requirements(wheels, series):
    """The concrete requirements, as an installer of these wheels sees them."""
    followup = _metadata(wheels[series, "sales_followup"]).get_all("Requires-Dist")
    reports = _metadata(wheels[series, "sales_followup_reports"]).get_all("Requires-Dist")
    assert sorted(followup) == [f"odoo=={series}.*", "xlrd"]
    assert sorted(reports) == [f"odoo-addon-sales_followup=={series}.*", f"odoo=={series}.*"]


@pytest.mark.parametrize("series", SERIES)
@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_wheel_files(wheels, addon, series):
    wheel = wheels[series, addon.name]
    files = _addon_files(wheel, addon)
    tracked = _tracked_files(addon)

    # Every file git tracks in the addon, and nothing else (no bytecode, no stray files);
    # pyproject.toml only describes the build.
    assert files == tracked - {"pyproject.toml"}
    # The same source for every series: the manifest ships as it is (no series written in).
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read(f"odoo/addons/{addon.name}/__manifest__.py")
    assert shipped == (addon / "__manifest__.py").read_bytes()

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


def _odoo_distribution(folder, version):
    """A wheel that only says "odoo <version>": what pip sees of an Odoo installed as a package."""
    name = f"odoo-{version}.dist-info"
    path = folder / f"odoo-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            f"{name}/METADATA", f"Metadata-Version: 2.1\nName: odoo\nVersion: {version}\n"
        )
        archive.writestr(
            f"{name}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{name}/RECORD", f"{name}/METADATA,,\n{name}/WHEEL,,\n{name}/RECORD,,\n")
    return path


def test_wheels_resolve_within_this_series(wheel_dir, wheels, this_series, tmp_path):
    """Offered every series' wheels, pip installs the reports addon for an Odoo of this series
    with this series' wheels of both addons (the other series' are newer, and refused)."""
    index = tmp_path / "index"
    index.mkdir()
    for path in wheel_dir.glob("*.whl"):
        (index / path.name).symlink_to(path)
    _odoo_distribution(index, this_series)
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-index",
            "--find-links",
            str(index),
            "--disable-pip-version-check",
            "--quiet",
            "--report",
            str(report),
            "odoo-addon-sales_followup_reports",
            f"odoo=={this_series}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = {
        item["metadata"]["name"]: item["metadata"]["version"]
        for item in json.loads(report.read_text(encoding="utf-8"))["install"]
    }
    assert installed.pop("odoo") == this_series
    expected = {
        f"odoo-addon-{addon}": _metadata(wheels[this_series, addon])["Version"]
        for addon in ("sales_followup", "sales_followup_reports")
    }
    # xlrd comes from this environment, where it is installed already.
    assert installed == expected


# What Odoo makes of the addons it finds: where, at which version, whether it would install them.
ODOO_READS_MANIFESTS = """
import json, sys
from odoo.modules.module import get_manifest, get_module_path
read = {}
for name in sys.argv[1:]:
    manifest = get_manifest(name)
    read[name] = [get_module_path(name), manifest["version"], manifest["installable"]]
print(json.dumps(read))
"""


def test_wheels_install_into_this_series(wheels, this_series, tmp_path):
    """Installed beside Odoo (in a folder of their own on the Python path here, Odoo being a
    source tree), this series' wheels land in odoo/addons/, where this series' Odoo finds the
    addons whatever its addons path says, installable, at its own series' version."""
    site = tmp_path / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
            "--target",
            str(site),
            *(str(wheels[this_series, addon.name]) for addon in ADDONS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [sys.executable, "-c", ODOO_READS_MANIFESTS, *(addon.name for addon in ADDONS)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read == {
        addon.name: [
            str(site / "odoo" / "addons" / addon.name),
            f"{this_series}.{_manifest(addon)['version']}",
            True,
        ]
        for addon in ADDONS
    }
