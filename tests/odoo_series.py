"""The Odoo series: those the project serves, and the one a run of the repository checks uses.

One source serves every series ``./setup/lib.sh`` sets up (its pinned Odoo sources): the
manifests carry a version without a series and Odoo prefixes its own (``1.7.0`` is 18.0.1.7.0 on
18.0). ``./setup/test`` runs the repository checks once per series, with that series' Odoo
(``ODOO_SRC``).
"""

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def version_key(version):
    """``"18.0"``, ``"1.7.0"`` → a tuple that sorts as the versions do."""
    return tuple(int(part) for part in version.split("."))


def served_series():
    """The series the project serves, oldest first: those ``./setup/lib.sh`` pins a source of."""
    text = (REPO / "setup" / "lib.sh").read_text(encoding="utf-8")
    block = re.search(r"^declare -A ODOO_ARCHIVES=\((.*?)^\)", text, re.M | re.S)
    assert block, "setup/lib.sh pins no Odoo source (ODOO_ARCHIVES)"
    return sorted(re.findall(r"\[(\d+\.\d+)\]=", block.group(1)), key=version_key)


def run_series():
    """The series of this run's Odoo (``"18.0"``): the release of ``$ODOO_SRC``; None when the
    checks run without one (outside ``./setup/test``)."""
    release = Path(os.environ.get("ODOO_SRC", "")) / "odoo" / "release.py"
    if not release.is_file():
        return None
    match = re.search(r"^version_info = \((\d+), (\d+),", release.read_text(encoding="utf-8"), re.M)
    assert match, f"{release}: no version_info"
    return f"{match[1]}.{match[2]}"


def full_version(version, series):
    """The version Odoo ``series`` gives a module whose manifest says ``version``: its own series
    first, unless the version names one already (the releases before 1.7.0: 18.0.1.1.0)."""
    return version if version.count(".") > 2 else f"{series}.{version}"


def module_version(version):
    """The module's own part of a version, without the series: 18.0.1.1.0 and 1.1.0 → (1, 1, 0)."""
    parts = version_key(version)
    return parts[2:] if len(parts) > 3 else parts
