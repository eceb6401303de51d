"""A PostgreSQL streaming replica on this machine for the load benchmark, and the statistics
that show which server ran what.

    python benchmarks/bench_replica.py ensure [--port 5433] [--name replica]
    python benchmarks/bench_replica.py status | drop [--name replica]
    python benchmarks/bench_replica.py stats --port 5433 --database DB [TABLE ...]

The replica is a second Debian cluster (``pg_createcluster``) next to the primary, whose data
directory is replaced by a ``pg_basebackup -R -X stream`` of the primary taken as the postgres
OS user: ``primary_conninfo`` then connects through the primary's unix socket as role postgres
(peer authentication, the ``local replication`` line of Debian's pg_hba.conf). The base backup
creates a physical replication slot named after the cluster, so that the primary keeps the WAL
the replica has not received yet even when it falls behind a bulk load; ``drop_replica`` drops
it with the cluster (a slot left behind would keep WAL on the primary forever).
``hot_standby_feedback`` keeps VACUUM on the primary from removing rows a report on the replica
still reads, so long report queries are not cancelled.

A replica lags: under a bulk load on the primary (the 1,000,000-lead generation writes WAL
faster than two cores replay it) it fell 2 GB and 15-20 s behind, and a read-only request then
does not see what the request before it wrote (the funnel's downloads then read the dialog just
saved on the primary). ``wait_caught_up`` before measuring; ``replication_status`` shows the lag.

Requires root (or the postgres OS user) on a Debian PostgreSQL installation (postgresql-common),
a primary with ``wal_level = replica`` (the default) and free ``max_wal_senders``.
"""

# A command-line tool: it reports to the terminal.
# pylint: disable=print-used

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

import psycopg2
import psycopg2.extras
from bench_data import log

SOCKET_DIR = "/var/run/postgresql"
PRIMARY_PORT = 5432
# PostgreSQL 15's cumulative statistics (src/backend/utils/activity/pgstat.c): a backend flushes
# its pending counters to shared memory when a transaction ends and it goes idle, but at most
# once per PGSTAT_MIN_INTERVAL (1 s); counters held back by that limit are flushed by a timer
# PGSTAT_IDLE_INTERVAL (10 s) later, and counters of a backend that never goes idle after at
# most PGSTAT_MAX_INTERVAL (60 s).
STATS_IDLE_FLUSH_SECONDS = 10.0
# Settings a hot standby refuses to start with if they are lower than on its primary.
STANDBY_MIN_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
TABLE_COUNTERS = ("seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd")


# Connections and commands


def connect(port=PRIMARY_PORT, dbname="postgres", host=SOCKET_DIR):
    conn = psycopg2.connect(host=host, port=port, dbname=dbname, connect_timeout=5)
    conn.autocommit = True
    return conn


def query(sql, params=None, port=PRIMARY_PORT, dbname="postgres"):
    """Rows (as dicts) of one statement, on a connection of its own (a fresh statistics
    snapshot each time, see ``table_stats``)."""
    conn = connect(port, dbname)
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cr:
            cr.execute(sql, params)
            return [dict(row) for row in cr.fetchall()]
    finally:
        conn.close()


def run(command, as_postgres=False, check=True):
    """Run a command (as the postgres OS user if asked), return its output; raise with its
    output when it fails."""
    if as_postgres and os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    if check and result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{output}")
    return output


def _check_name(name):
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name == "main":
        raise ValueError(f"invalid replica cluster name {name!r}")
    return name


def _version():
    """The primary's major version (the replica must run the same)."""
    return query("SELECT current_setting('server_version_num')::int / 10000 AS v")[0]["v"]


def _clusters(version):
    """The Debian clusters of ``version``, by name (``pg_lsclusters --json``)."""
    clusters = json.loads(run(["pg_lsclusters", "--json"]) or "[]")
    return {c["cluster"]: c for c in clusters if int(c["version"]) == version}


# Replication state


def replication_status(name="replica"):
    """The replica's row of the primary's pg_stat_replication (through its slot): state,
    sent/write/flush/replay lsn, replay lag in bytes (``replay_lag_bytes``, against the
    primary's current WAL position) and in seconds (``replay_lag_seconds``, the time the last
    replayed WAL took to be replayed; None once the replica has been idle and caught up).
    None when the replica is not connected."""
    rows = query(
        """
        SELECT r.pid, r.application_name, r.state, r.sync_state,
               r.sent_lsn::text, r.write_lsn::text, r.flush_lsn::text, r.replay_lsn::text,
               pg_current_wal_lsn()::text AS primary_lsn,
               pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint AS replay_lag_bytes,
               extract(epoch FROM r.replay_lag)::float AS replay_lag_seconds,
               s.xmin::text AS feedback_xmin
          FROM pg_replication_slots s
          JOIN pg_stat_replication r ON r.pid = s.active_pid
         WHERE s.slot_name = %s
        """,
        [_check_name(name)],
    )
    return rows[0] if rows else None


def wait_caught_up(timeout=60, port=5433):
    """Wait until the replica on ``port`` has replayed the primary's current WAL position;
    returns the seconds waited. (Asks the replica itself: the primary's pg_stat_replication
    learns the replay position only with the replica's next status message, up to
    wal_receiver_status_interval = 10 s later when the primary is idle.)"""
    started = time.perf_counter()
    target = query("SELECT pg_current_wal_lsn()::text AS lsn")[0]["lsn"]
    while True:
        behind = query(
            "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())::bigint AS b", [target], port
        )[0]["b"]
        waited = time.perf_counter() - started
        if behind is not None and behind <= 0:
            return waited
        if waited > timeout:
            raise TimeoutError(f"replica on port {port} still {behind} bytes behind {target}")
        time.sleep(0.1)


class CatchingUp(TimeoutError):
    """The replica is connected to the primary but still replaying a backlog of WAL."""


def _start(version, name):
    """pg_ctlcluster start. Its failure is only logged: it gives up after 60 s when the server
    is not accepting connections yet, as a standby replaying a backlog before it is consistent
    may take longer; ``_wait_streaming`` decides."""
    step = time.perf_counter()
    output = run(["pg_ctlcluster", str(version), name, "start"], check=False)
    if output:
        log(f"replica: pg_ctlcluster start: {output.splitlines()[0]}")
    log(f"replica: started {version}/{name} ({time.perf_counter() - step:.1f} s)")


def _wait_streaming(name, port, timeout, connect_timeout=120):
    """Wait until the replica accepts connections in recovery and the primary's
    pg_stat_replication shows it streaming. Raises TimeoutError when it has not been connected
    to the primary for ``connect_timeout`` seconds, CatchingUp when it is connected but still
    behind after ``timeout`` seconds, RuntimeError when the server is no standby. Logs the
    progress every 30 s."""
    started = last_seen = last_log = time.perf_counter()
    while True:
        now = time.perf_counter()
        status = replication_status(name)
        if status:
            last_seen = now
        try:
            in_recovery = query("SELECT pg_is_in_recovery() AS r", port=port)[0]["r"]
            reason = "accepting connections"
        except psycopg2.OperationalError as error:
            in_recovery, reason = None, str(error).strip().splitlines()[-1]
        if in_recovery is False:
            raise RuntimeError(f"the server on port {port} is no standby")
        if in_recovery and status and status["state"] == "streaming":
            return status
        progress = (
            f"{status['state']}, {status['replay_lag_bytes']} bytes behind"
            if status
            else "not connected to the primary"
        )
        if now - last_seen > connect_timeout:
            raise TimeoutError(f"replica on port {port} {progress} ({reason})")
        if now - started > timeout:
            raise CatchingUp(f"replica on port {port} {progress} after {timeout} s ({reason})")
        if now - last_log >= 30:
            log(f"replica: waiting {now - started:.0f} s: {progress} ({reason})")
            last_log = now
        time.sleep(0.5)


# The replica cluster


def drop_replica(name="replica"):
    """Stop and drop the cluster ``name`` (pg_dropcluster --stop), whatever a failed run left of
    it, and its replication slot on the primary."""
    _check_name(name)
    started = time.perf_counter()
    version = _version()
    dropped = []
    if name in _clusters(version):
        run(["pg_dropcluster", "--stop", str(version), name])
        dropped.append(f"cluster {version}/{name}")
    # What pg_lsclusters no longer lists (a configuration directory without postgresql.conf, a
    # data directory without configuration): stopped if a server still runs there, then removed.
    datadir = f"/var/lib/postgresql/{version}/{name}"
    if os.path.exists(os.path.join(datadir, "postmaster.pid")):
        pg_ctl = f"/usr/lib/postgresql/{version}/bin/pg_ctl"
        run([pg_ctl, "stop", "-D", datadir, "-m", "fast"], as_postgres=True, check=False)
    for path in (f"/etc/postgresql/{version}/{name}", datadir):
        if os.path.exists(path):
            shutil.rmtree(path)
            dropped.append(path)
    slot = query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", [name])
    if slot:
        if slot[0]["active_pid"]:
            query("SELECT pg_terminate_backend(%s)", [slot[0]["active_pid"]])
            time.sleep(1)
        query("SELECT pg_drop_replication_slot(%s)", [name])
        dropped.append(f"replication slot {name}")
    if dropped:
        log(f"replica: dropped {', '.join(dropped)} ({time.perf_counter() - started:.1f} s)")


def _replica_info(version, name, port, status, started):
    return {
        "cluster": f"{version}/{name}",
        "port": port,
        "host": SOCKET_DIR,
        "state": status["state"],
        "replay_lag_bytes": status["replay_lag_bytes"],
        "replay_lag_seconds": status["replay_lag_seconds"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _reusable(version, name, port, timeout):
    """The replication status of the existing cluster ``name`` if it is a streaming replica on
    ``port`` (started if it was down), else None."""
    cluster = _clusters(version).get(name)
    if not cluster:
        return None
    if int(cluster["port"]) != port:
        log(f"replica: {version}/{name} is on port {cluster['port']}, not {port}: making it again")
        return None
    if not os.path.exists(os.path.join(cluster["pgdata"], "standby.signal")):
        log(f"replica: {version}/{name} is no standby (a failed run's?): making it again")
        return None
    try:
        if not cluster["running"]:
            _start(version, name)
        return _wait_streaming(name, port, timeout)
    except CatchingUp:
        # Connected and replaying: slow (a bulk load on the primary), not broken.
        raise
    except (RuntimeError, TimeoutError) as error:
        log(f"replica: existing cluster {version}/{name} unusable ({error}), making it again")
        return None


def _make_replica(version, name, port, timeout):
    step = time.perf_counter()
    run(["pg_createcluster", str(version), name, "-p", str(port)])
    cluster = _clusters(version)[name]
    datadir, confdir = cluster["pgdata"], cluster["configdir"]
    log(f"replica: created cluster {version}/{name} ({time.perf_counter() - step:.1f} s)")

    # A hot standby refuses to start when these are lower than on its primary.
    settings = query(
        "SELECT name, setting FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
        [list(STANDBY_MIN_SETTINGS)],
    )
    lines = [
        f"# Standby settings of the benchmarks' replica of the cluster on port {PRIMARY_PORT}.",
        "hot_standby = on",
        "# Report queries are not cancelled by VACUUM on the primary removing rows they read.",
        "hot_standby_feedback = on",
        *(f"{row['name']} = {row['setting']}" for row in settings),
    ]
    conf = os.path.join(confdir, "conf.d", "replica.conf")
    with open(conf, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    shutil.chown(conf, "postgres", "postgres")

    step = time.perf_counter()
    shutil.rmtree(datadir)
    size = query("SELECT pg_size_pretty(sum(pg_database_size(oid))) AS s FROM pg_database")[0]
    log(f"replica: base backup of the primary ({size['s']}) into {datadir}")
    run(
        [
            f"/usr/lib/postgresql/{version}/bin/pg_basebackup",
            *("-h", SOCKET_DIR, "-p", str(PRIMARY_PORT), "-U", "postgres"),
            *("-D", datadir, "-R", "-X", "stream", "-C", "-S", name, "-c", "fast"),
        ],
        as_postgres=True,
    )
    log(f"replica: base backup done ({time.perf_counter() - step:.1f} s)")

    step = time.perf_counter()
    _start(version, name)
    status = _wait_streaming(name, port, timeout)
    log(
        f"replica: {version}/{name} on port {port} {status['state']} "
        f"({time.perf_counter() - step:.1f} s after its start)"
    )
    return status


def ensure_replica(port=5433, name="replica", timeout=900):
    """Make sure the Debian cluster ``name`` runs on ``port`` as a hot-standby streaming replica
    of the primary, and return its cluster, port, host (socket directory), replication state,
    replay lag and the seconds this took.

    An existing cluster on that port that streams (after a start, if it was down) is reused;
    anything else under that name (another port, a broken or half-made cluster from a failed
    run, a leftover slot) is dropped and made again: pg_createcluster for the configuration
    files, a conf.d file for the standby settings, the data directory replaced by a base backup
    of the primary (``pg_basebackup -R -X stream -C -S <name> -c fast``), then a start and a wait
    until the primary's pg_stat_replication shows it streaming. A failure on the way drops what
    was made (above all the slot, which would keep WAL on the primary) before raising; a
    replica that is connected but still catching up after ``timeout`` seconds (a primary
    writing WAL faster than it replays) is kept, and CatchingUp raised."""
    _check_name(name)
    started = time.perf_counter()
    version = _version()
    status = _reusable(version, name, port, timeout)
    if status:
        log(
            f"replica: reusing {version}/{name} on port {port}, {status['state']}, "
            f"{status['replay_lag_bytes']} bytes behind"
        )
        return _replica_info(version, name, port, status, started)
    drop_replica(name)
    for other in _clusters(version).values():
        if int(other["port"]) == port:
            raise RuntimeError(f"port {port} belongs to cluster {version}/{other['cluster']}")
    try:
        status = _make_replica(version, name, port, timeout)
    except CatchingUp:
        raise
    except BaseException:
        log(f"replica: making {version}/{name} failed, dropping what was made")
        drop_replica(name)
        raise
    log(f"replica: ready in {time.perf_counter() - started:.1f} s")
    return _replica_info(version, name, port, status, started)


# Statistics


def table_stats(port, dbname, tables):
    """The cumulative statistics of ``tables`` on the server at ``port``: per table seq_scan,
    seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins and n_tup_upd (pg_stat_user_tables), and
    the database's xact_commit (pg_stat_database), as
    ``{"xact_commit": n, "tables": {table: {counter: n}}}``.

    Each server counts only what ran on it: a replica's counters are its own read queries
    (replaying the primary's WAL counts nothing, so n_tup_ins/n_tup_upd stay 0 there).

    When the counts of other backends show up (PostgreSQL 15): a backend flushes its counters
    to shared memory when a transaction ends and it goes idle, but at most once a second;
    counters held back by that limit are flushed by an idle timer 10 s later
    (PGSTAT_IDLE_INTERVAL), those of a backend busy without a pause after 60 s at the latest,
    those of a transaction still open (idle in transaction) not before it ends. Measured on the
    replica, reading a table from another, long-lived connection: a query after more than a
    second without any showed up at once (0.01 s); the second of two queries 50 ms apart after
    10.0 s; the same after a ``pg_stat_force_next_flush()`` called from another connection
    after 10.0 s too (the function only concerns the calling backend: called by the reading
    backend itself, at once); after terminating the reading backend at once (a backend flushes
    on exit). So the last queries of a burst of requests (a load benchmark's, through an Odoo
    pool's connections) are counted about 10 s after the burst: ``wait_stats_flushed`` waits
    for that. There is no way to flush another backend's counters short of ending it.

    The reading side: within a transaction PostgreSQL serves the statistics from a snapshot
    taken at their first read (stats_fetch_consistency = cache), so each call reads them on a
    new connection to ``dbname``. That connection adds 2 to the database's xact_commit (its
    start-up transaction and its query, counted when it disconnects): a ``stats_delta`` of two
    calls includes the 2 of the first one. The replica's counters start at 0 when it is made
    and survive a clean restart.
    """
    rows = query(
        f"""
        SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())
                   AS xact_commit,
               wanted.relname, {", ".join(f"coalesce(t.{c}, 0) AS {c}" for c in TABLE_COUNTERS)}
          FROM (SELECT unnest(%s::text[]) AS relname) wanted
          LEFT JOIN pg_stat_user_tables t
                 ON t.relname = wanted.relname AND t.schemaname = 'public'
        """,
        [list(tables)],
        port,
        dbname,
    )
    return {
        "xact_commit": rows[0]["xact_commit"] if rows else 0,
        "tables": {row["relname"]: {c: row[c] for c in TABLE_COUNTERS} for row in rows},
    }


def stats_delta(before, after):
    """``after - before`` of two ``table_stats`` of the same server, counter by counter."""
    return {
        "xact_commit": after["xact_commit"] - before["xact_commit"],
        "tables": {
            table: {c: counters[c] - before["tables"].get(table, {}).get(c, 0) for c in counters}
            for table, counters in after["tables"].items()
        },
    }


def describe_delta(delta):
    """A ``stats_delta`` in one line: rows read from the leads and the logs, logs inserted,
    transactions committed."""
    tables = delta["tables"]

    def read(table):
        return tables[table]["seq_tup_read"] + tables[table]["idx_tup_fetch"]

    return (
        f"leads read {read('crm_lead'):>8}, logs read {read('sales_followup_log'):>8}, "
        f"logs inserted {tables['sales_followup_log']['n_tup_ins']:>2}, "
        f"transactions {delta['xact_commit']:>3}"
    )


def wait_stats_flushed(port, dbname, timeout=60):
    """Wait until every other client backend connected to ``dbname`` on the server at ``port``
    has been idle (outside a transaction) for longer than PostgreSQL's idle flush timer, so
    that their counters are in the statistics; returns the seconds waited (about 10 right
    after a burst of queries, 0 when they were idle long enough already). Raises TimeoutError
    when some backend stays busy (the counters are then at most about a second old anyway)."""
    started = time.perf_counter()
    while True:
        busy = query(
            """
            SELECT pid, state, extract(epoch FROM now() - state_change)::float AS idle
              FROM pg_stat_activity
             WHERE datname = %s AND backend_type = 'client backend'
               AND pid <> pg_backend_pid()
               AND (state <> 'idle' OR now() - state_change < %s * interval '1 second')
            """,
            [dbname, STATS_IDLE_FLUSH_SECONDS + 0.5],
            port,
        )
        waited = time.perf_counter() - started
        if not busy:
            return waited
        if waited > timeout:
            raise TimeoutError(f"backends still busy on port {port}: {busy}")
        idle = [row["idle"] for row in busy if row["state"] == "idle"]
        pause = STATS_IDLE_FLUSH_SECONDS + 0.5 - min(idle) if len(idle) == len(busy) else 0.5
        time.sleep(min(max(pause, 0.1), 2))


# Command line


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["ensure", "status", "drop", "stats"])
    parser.add_argument("--name", default="replica")
    parser.add_argument("--port", type=int, default=5433)
    parser.add_argument("--database", default="postgres")
    parser.add_argument("tables", nargs="*")
    args = parser.parse_intermixed_args()
    if args.action == "ensure":
        result = ensure_replica(args.port, args.name)
    elif args.action == "status":
        result = replication_status(args.name)
    elif args.action == "drop":
        result = drop_replica(args.name)
    else:
        result = table_stats(args.port, args.database, args.tables)
    if result is not None:
        print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
