"""Odoo as the benchmarks run it: ``odoo-bin`` as an administrator would call it, a server in
production mode (HTTP workers and a cron worker) on a port of its own, its log, and its cron
worker watched."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime

import bench_data
import psycopg2
import requests

from odoo import release


def odoo_command(config, database, *options):
    """The command line of ``odoo-bin -c CONFIG -d DATABASE OPTIONS...`` with this Python."""
    # From a module of Odoo's: 19.0's ``odoo`` is a namespace package, without a file.
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(release.__file__)), "odoo-bin")
    return [sys.executable, odoo_bin, "-c", config, "-d", database, *options]


class Server:
    """Odoo in production mode on its own port, its log in a file."""

    def __init__(self, config, dbname, logfile, port, workers, replica_port=None):
        self.logfile = logfile
        self.url = f"http://127.0.0.1:{port}"
        self.command = odoo_command(
            config,
            dbname,
            "--db-filter",
            f"^{dbname}$",
            "--workers",
            str(workers),
            "--max-cron-threads",
            "1",
            "--http-port",
            str(port),
            "--gevent-port",
            str(port + 1),
            "--logfile",
            logfile,
            "--log-level",
            "info",
            "--limit-time-real",
            "600",
            "--limit-time-cpu",
            "600",
            "--limit-request",
            "100000",
        )
        if replica_port:
            # Both: with the port alone Odoo uses no replica (an empty host is the socket).
            self.command += ["--db_replica_host=", "--db_replica_port", str(replica_port)]
        self.process = None

    def start(self, timeout=180):
        if os.path.exists(self.logfile):
            os.unlink(self.logfile)
        self.process = subprocess.Popen(  # noqa: S603
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        error = None
        while time.time() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the server stopped at start: see {self.logfile}")
            try:
                if requests.get(f"{self.url}/web/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException as exc:
                error = exc  # not listening yet
            time.sleep(1)
        sys.exit(f"the server did not answer within {timeout} s ({error}): see {self.logfile}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_text(self):
        with open(self.logfile, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def cron_worker_pid(self):
        """The pid of the live cron worker (the last one the server started that still runs)."""
        for pid in reversed(re.findall(r"Worker WorkerCron \((\d+)\) alive", self.log_text())):
            if os.path.exists(f"/proc/{pid}"):
                return int(pid)
        return None

    def log_counts(self):
        """What the server's log tells of the run: the serialization failures Odoo retried
        (by code), those it gave up on, the read-only requests retried on the primary, the
        tracebacks and the ERROR/CRITICAL lines."""
        text = self.log_text()
        retried = defaultdict(int)
        # The PostgreSQL error code, or the name of Odoo's error (19.0: "LockError(...)").
        for code in re.findall(r"odoo\.service\.model: (\w+)[^\n]*?, \d+ tries left", text):
            retried[code] += 1
        gave_up = len(re.findall(r"maximum number of tries reached", text))
        fallback = len(re.findall(r"retrying with a read/write cursor", text))
        tracebacks = len(re.findall(r"^Traceback", text, re.MULTILINE))
        errors = re.findall(
            r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) \S+ ([^\n]{0,160})", text, re.MULTILINE
        )
        return {
            "retried": dict(retried),
            "gave_up": gave_up,
            "fallback": fallback,
            "tracebacks": tracebacks,
            "errors": errors,
        }


class CronWatch(threading.Thread):
    """Samples the cron worker's memory, and kills it once in the middle of each of the crons
    ``kill`` ({cron id: name}), once one of their committed batches is done and more are to
    go."""

    def __init__(self, server, dbname, kill):
        super().__init__(daemon=True)
        self.server = server
        self.dbname = dbname
        self.kill = kill
        self.stop_event = threading.Event()
        self.peak = {}
        self.kills = []
        self.started = datetime.utcnow()

    def run(self):
        conn = psycopg2.connect(dbname=self.dbname)
        conn.autocommit = True
        pending = dict(self.kill)
        try:
            while not self.stop_event.wait(0.2):
                pid = self.server.cron_worker_pid()
                if pid:
                    mb = bench_data.rss_mb(pid)
                    if mb:
                        self.peak[pid] = max(self.peak.get(pid, 0), mb)
                if not pending or not pid:
                    continue
                with conn.cursor() as cr:
                    cr.execute(
                        "SELECT cron_id, done, remaining FROM ir_cron_progress "
                        "WHERE cron_id = ANY(%s) AND create_date >= %s AND done > 0 "
                        "AND remaining > 0",
                        [list(pending), self.started],
                    )
                    rows = cr.fetchall()
                if rows:
                    cron_id, done, remaining = rows[0]
                    os.kill(pid, signal.SIGKILL)
                    self.kills.append((pending.pop(cron_id), pid, done, remaining))
                    bench_data.log(
                        f"killed the cron worker {pid} (SIGKILL) in the middle of the "
                        f"{self.kills[-1][0]}: {done} done, {remaining} to go"
                    )
        finally:
            conn.close()


def wait_crons(dbname, crons, since, timeout):
    """Wait until the crons (ids) have finished a run since ``since`` (their last call moved)
    and none is running. Returns the seconds waited, or None on timeout."""
    started = time.time()
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    try:
        while time.time() - started < timeout:
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM ir_cron WHERE id = ANY(%s) AND lastcall >= %s",
                    [list(crons), since],
                )
                finished = cr.fetchone()[0]
                cr.execute(
                    "SELECT count(*) FROM pg_locks lock JOIN pg_class rel "
                    "ON rel.oid = lock.relation WHERE rel.relname = 'ir_cron' "
                    "AND lock.mode = 'RowShareLock' AND lock.database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND lock.pid <> pg_backend_pid()"
                )
                busy = cr.fetchone()[0]
            if finished == len(crons) and not busy:
                return time.time() - started
            time.sleep(1)
    finally:
        conn.close()
    return None
