"""Odoo run the way an administrator runs it, for the repository tests that install, upgrade and
uninstall the addons in a database of their own (``test_install_existing``, ``test_migration``):
``odoo-bin`` with the test configuration, and that database's queries and drop.

Needs PostgreSQL and Odoo's source, which ``./setup/test`` provides (``ODOO_SRC``,
``ODOO_CONF``: the series' test configuration).
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from odoo_series import run_series

REPO = Path(__file__).resolve().parents[1]

psycopg2 = pytest.importorskip("psycopg2")
sql = pytest.importorskip("psycopg2.sql")


def odoo(database, *args, addons_dir=REPO, command=(), stdin=""):
    """``odoo-bin [COMMAND] -c $ODOO_CONF -d DATABASE ARGS...`` with Odoo's addons and
    those of ``addons_dir``, ``stdin`` on its input (for ``command=["shell"]``). Fails the test
    when it exits with an error or logs an ERROR or CRITICAL line; returns the finished process
    (its ``stdout``)."""
    odoo_src = Path(os.environ.get("ODOO_SRC", ""))
    conf = Path(os.environ.get("ODOO_CONF", ""))
    if not (odoo_src / "odoo-bin").is_file() or not conf.is_file():
        pytest.fail(f"{conf} is missing: run the tests with ./setup/test")
    addons_path = f"{odoo_src}/odoo/addons,{odoo_src}/addons,{addons_dir}"
    cmd = [sys.executable, str(odoo_src / "odoo-bin"), *command, "-c", str(conf), "-d", database]
    cmd += ["--addons-path", addons_path, "--log-level=warn", "--no-http", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, input=stdin)
    errors = [
        line for line in result.stderr.splitlines() if " ERROR " in line or " CRITICAL " in line
    ]
    assert result.returncode == 0 and not errors, "\n".join(errors)[:4000] or result.stderr[-4000:]
    return result


def demo_options(wanted):
    """The options of ``odoo-bin -i`` for a new database with demo data (``wanted``) or without:
    18.0 loads it unless told not to, 19.0 only when asked (``--with-demo``)."""
    series = run_series()
    if series and int(series.split(".")[0]) >= 19:
        return ["--with-demo"] if wanted else []
    return [] if wanted else ["--without-demo=all"]


def drop_database(database):
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(
            sql.Composed(
                [
                    sql.SQL("DROP DATABASE IF EXISTS "),
                    sql.Identifier(database),
                    sql.SQL(" WITH (FORCE)"),
                ]
            )
        )
    conn.close()


@contextmanager
def cursor(database):
    """A cursor on ``database``, its connection closed afterwards."""
    conn = psycopg2.connect(dbname=database)
    try:
        with conn.cursor() as cr:
            yield cr
    finally:
        conn.close()


def query(database, sql, params=None):
    """The rows of one query on ``database``."""
    with cursor(database) as cr:
        cr.execute(sql, params)
        return cr.fetchall()
