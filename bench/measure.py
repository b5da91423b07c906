"""What a queue drain costs, measured the same way for fieldbase and its peers: jobs per second
from the first job done to the last (start-up left out), and over the same window the CPU the
worker processes and the database server spent and the WAL written, per job. CPU comes from
/proc: the server's live processes (single-threaded) from their scheduler run time, its exited
backends from the postmaster's reaped-children counters, the workers from their threads' scheduler
run time."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from fieldbase_local import settings

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    # Fields after the command name, which may itself hold spaces or parentheses.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu_s(pid: int) -> float:
    """A worker's time on a CPU, all its threads, kept in nanoseconds (stat's 10 ms ticks gave
    a short smoke drain 0). The workers' threads live as long as they do."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += _run_time_s(task)
        except (OSError, ValueError):
            continue  # ended since the listing
    return total


def _run_time_s(proc: Path) -> float:
    """A single-threaded process's (or one thread's, /proc/PID/task/TID) time on a CPU, kept in
    nanoseconds (stat's ticks are 10 ms: a short drain's backends can show none)."""
    return int((proc / "schedstat").read_text().split()[0]) / 1e9


def server_cpu_s(inst: settings.Instance) -> float:
    """The postmaster, every backend it has reaped, and every process it still runs."""
    postmaster = int((inst.pgdata / "postmaster.pid").read_text().split()[0])
    fields = _stat(postmaster)
    reaped = int(fields[13]) + int(fields[14])  # cutime, cstime
    total = _run_time_s(Path(f"/proc/{postmaster}")) + reaped / TICKS
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int(_stat(int(entry.name))[1]) == postmaster:
                total += _run_time_s(entry)
        except (OSError, ValueError):
            continue  # gone since the listing
    return total


@dataclass
class Usage:
    at: float
    done: int
    worker_cpu_s: float
    server_cpu_s: float
    wal_bytes: int


@dataclass(frozen=True)
class Drain:
    jobs_per_s: float
    worker_cpu_us_per_job: float
    server_cpu_us_per_job: float
    wal_bytes_per_job: float


def drain(
    inst: settings.Instance,
    dsn: str,
    done_sql: str,
    jobs: int,
    procs: list[subprocess.Popen],
    every: float = 0.05,
    timeout: float = 600,
) -> Drain:
    """Polls done_sql until it reaches jobs; stops the worker processes either way."""

    def usage(conn: psycopg.Connection, done: int) -> Usage:
        return Usage(
            time.perf_counter(),
            done,
            sum(process_cpu_s(p.pid) for p in procs),
            server_cpu_s(inst),
            int(conn.execute("select pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()[0]),
        )

    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            begin = usage(conn, 0)
            first: Usage | None = None
            deadline = time.monotonic() + timeout
            done = 0
            while time.monotonic() < deadline:
                done = conn.execute(done_sql).fetchone()[0]
                if first is None and done > 0:
                    first = usage(conn, done)
                if done >= jobs:
                    last = usage(conn, done)
                    break
                time.sleep(every)
            else:
                raise RuntimeError(f"only {done} of {jobs} jobs done in time")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    assert first is not None
    if last.done - first.done < jobs / 2:  # most done between two polls: count from the start
        first = begin
    counted = last.done - first.done
    return Drain(
        counted / (last.at - first.at),
        (last.worker_cpu_s - first.worker_cpu_s) * 1e6 / counted,
        (last.server_cpu_s - first.server_cpu_s) * 1e6 / counted,
        (last.wal_bytes - first.wal_bytes) / counted,
    )
