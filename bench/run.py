"""scripts/bench: fieldbase's numbers on this machine, on its own local cluster (instance
"bench"): RLS cost against the same queries with RLS bypassed, queue throughput and latency,
write costs, and handler rates. Comparisons run side by side, interleaved (A, B, A, B...), and
report the median and the spread (interquartile range).

    scripts/bench                # 1,000 organizations, 1,000,000 work orders: the full run
    scripts/bench --json         # one JSON object of named figures
    scripts/bench --smoke        # a small, quick run (scripts/test runs it, so it cannot rot)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from pydantic import TypeAdapter
from standardwebhooks import Webhook

from bench.generate import generate
from bench.measure import Drain, drain
from bench.soak import Soak
from fieldbase_local import auth, settings, stack
from fieldbase_local.mailsink import MailSink
from fieldbase_local.pgbouncer import Pgbouncer
from fieldbase_local.settings import SCHEMA_OWNER
from fieldbase_local.webhook_receiver import WebhookReceiver
from worker import pdf
from worker.config import Settings
from worker.mail import Email, SmtpBackend
from worker.queries import parse

QUERIES = parse((Path(__file__).parent / "sql" / "bench.sql").read_text())
DASHBOARD = parse((Path(__file__).parent / "sql" / "dashboard.sql").read_text())
DASHBOARD_VIEWS = [
    "platform_revenue",
    "platform_revenue_by_month",
    "platform_signups_by_week",
    "platform_organizations_at_risk",
    "organization_usage",
]
RLS_QUERIES = [name for name in QUERIES if not name.endswith("_bypass")]
# Tables a member query must reach through an index, never a sequential scan.
# The index a member's query must be served by, where a list has one of its own (under RLS the
# status filter cannot be an index condition; a partial index's predicate still applies).
MEMBER_INDEXES = {
    "open_work_orders_first_page": "work_orders_open_idx",
    "open_work_orders_deep_page": "work_orders_open_idx",
    "overdue_invoices": "invoices_overdue_idx",
}
TENANT_TABLES = re.compile(
    r"Seq Scan on (work_orders|customers|sites|assemblies|visits|invoices|estimates|tickets|"
    r"payments|memberships|portal_accounts|organization_kpis)\b"
)


@dataclass(frozen=True)
class Scale:
    organizations: int
    work_orders: int
    rls_rounds: int
    queue_jobs: int
    queue_rounds: int
    latency_samples: int
    audit_rows: int
    handler_samples: int
    soak_jobs: int
    # Organizations in all for the operator's dashboard (lightweight ones added on top).
    dashboard_organizations: int = 10_000
    dashboard_rounds: int = 50
    # Assemblies in the import benchmark's file (with a customer per four, a site per two).
    import_rows: int = 50_000


FULL = Scale(1000, 1000, 1000, 50_000, 3, 200, 100_000, 200, 20_000)
SMOKE = Scale(4, 300, 10, 500, 1, 10, 2_000, 5, 600, 60, 5, import_rows=1_000)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "iqr": q[2] - q[0],
    }


def interleaved(*arms: Callable[[], float], rounds: int) -> list[list[float]]:
    """Time the arms in turn, round by round, so a noisy machine slows all alike."""
    samples: list[list[float]] = [[] for _ in arms]
    for _ in range(rounds):
        for arm, taken in zip(arms, samples, strict=True):
            taken.append(arm())
    return samples


PEERS_DIR = settings.state_root() / "bench-peers"
GRAPHILE_CONFIG = """module.exports = {
  worker: {
    concurrentJobs: 64,
    maxPoolSize: 20,
    pollInterval: 200,
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
  },
};
"""
PROCRASTINATE_APP = """import os
import sys

import procrastinate

app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=os.environ["BENCH_DSN"]))


@app.task(name="noop")
async def noop():
    return None


if __name__ == "__main__":
    with app.open():
        noop.batch_defer(*([{}] * int(sys.argv[1])))
"""


class Peers:
    """The peers, each in its own database on the same server and in its own environment
    under .fieldbase/bench-peers (never the product's): graphile-worker (npm, Node 20) and
    procrastinate (PyPI), with comparable concurrency (64) and their batching on."""

    def __init__(self, inst: settings.Instance, log: Callable[[str], None]):
        self.inst = inst
        self.log = log

    def _database(self, name: str) -> str:
        with psycopg.connect(self.inst.superuser_dsn(), autocommit=True) as conn:
            conn.execute(f"drop database if exists {name} with (force)")
            conn.execute(f"create database {name} owner {settings.SCHEMA_OWNER}")
        return self.inst.dsn(settings.SCHEMA_OWNER, name)

    def graphile_worker(self, jobs: int) -> Drain:
        folder = PEERS_DIR / "graphile"
        (folder / "tasks").mkdir(parents=True, exist_ok=True)
        if not (folder / "node_modules" / ".bin" / "graphile-worker").exists():
            (folder / "package.json").write_text('{"name": "bench-graphile", "private": true}')
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "graphile-worker@0.17.3"],
                cwd=folder,
                check=True,
                capture_output=True,
            )
        (folder / "tasks" / "noop.js").write_text("module.exports = async () => {};\n")
        (folder / "graphile.config.js").write_text(GRAPHILE_CONFIG)
        dsn = self._database("bench_graphile_worker")
        binary = str(folder / "node_modules" / ".bin" / "graphile-worker")
        subprocess.run(
            [binary, "-c", dsn, "--schema-only"], cwd=folder, check=True, capture_output=True
        )
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "select count(graphile_worker.add_job('noop')) from generate_series(1, %s)", (jobs,)
            )
        worker = subprocess.Popen(
            [binary, "-c", dsn], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return drain(
            self.inst, dsn, f"select {jobs} - count(*) from graphile_worker.jobs", jobs, [worker]
        )

    def procrastinate(self, jobs: int) -> Drain:
        folder = PEERS_DIR / "procrastinate"
        python = folder / "venv" / "bin" / "python"
        if not python.exists():
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "procrastinate==3.10.0"],
                check=True,
                capture_output=True,
            )
        (folder / "bench_app.py").write_text(PROCRASTINATE_APP)
        dsn = self._database("bench_procrastinate")
        env = {**os.environ, "BENCH_DSN": dsn, "PYTHONPATH": str(folder)}
        cli = [str(folder / "venv" / "bin" / "procrastinate"), "--app=bench_app.app"]
        subprocess.run([*cli, "schema", "--apply"], env=env, check=True, capture_output=True)
        subprocess.run([str(python), str(folder / "bench_app.py"), str(jobs)], env=env, check=True)
        worker = subprocess.Popen(
            [*cli, "worker", "--concurrency=64"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return drain(
            self.inst,
            dsn,
            "select count(*) from procrastinate_jobs where status = 'succeeded'",
            jobs,
            [worker],
        )


class Bench:
    def __init__(self, scale: Scale, log: Callable[[str], None]):
        self.scale = scale
        self.log = log
        # A smoke run has a cluster of its own: on "bench" it replaced the full run's data, and
        # the next `--reuse` generated a million work orders again.
        self.inst = settings.instance("bench_smoke" if scale is SMOKE else "bench")
        self.db = settings.MAIN_DATABASE
        self.figures: dict[str, Any] = {}
        self.rls_rows: dict[str, list[tuple[str, dict[str, float], dict[str, float], float]]] = {}
        self.notes: list[str] = []

    # --- setup ---------------------------------------------------------------------------------
    def setup(self, reuse: bool = False) -> None:
        stack.ensure_running(self.inst)
        if reuse and self._generated():
            # The data stays; the code under test is today's (db push applies what is new).
            stack.migrate(self.inst, self.db)
            self._pick()
            return
        stack.reset(self.inst, self.db, with_seed=False)
        started = time.monotonic()
        generate(self.inst.dsn(), self.scale.organizations, self.scale.work_orders)
        self.log(
            f"generated {self.scale.organizations * self.scale.work_orders:,} work orders "
            f"in {time.monotonic() - started:.0f} s"
        )
        self._pick(create_portal_user=True)

    def _generated(self) -> bool:
        with psycopg.connect(self.inst.dsn()) as conn:
            found = conn.execute(
                "select count(*) from public.work_orders as w"
                " join public.organizations as o on w.organization_id = o.id"
                " where o.name like %s",
                ("Bench %",),
            ).fetchone()[0]
        return found == self.scale.organizations * self.scale.work_orders

    def _pick(self, create_portal_user: bool = False) -> None:
        with psycopg.connect(self.inst.dsn(), autocommit=True, row_factory=dict_row) as conn:
            pick = conn.execute(
                """
                select o.id as org,
                  (select m.user_id from public.memberships as m
                   where m.organization_id = o.id and m.role = 'owner') as owner,
                  (select m.user_id from public.memberships as m
                   where m.organization_id = o.id and m.role = 'technician'
                   order by m.user_id limit 1) as technician,
                  (select c.id from public.customers as c where c.organization_id = o.id
                   order by c.id limit 1) as customer
                from public.organizations as o where o.name = 'Bench 1'
                """
            ).fetchone()
            pick["day"] = conn.execute(
                "select date_trunc('day', min(starts_at)) + interval '1 day' as day"
                " from public.visits where user_id = %s",
                (pick["technician"],),
            ).fetchone()["day"]
            if not create_portal_user:
                portal = conn.execute(
                    "select customer_id, user_id from public.portal_accounts"
                    " where email = 'contact@bench.test'"
                ).fetchone()
                pick["customer"], pick["portal"] = portal["customer_id"], portal["user_id"]
                self.pick = pick
                return
            # A portal user of the customer, as the portal's invitation would leave it.
            contact = conn.execute(
                "insert into public.customer_contacts (organization_id, customer_id, name, email)"
                " values (%s, %s, 'Bench Contact', 'contact@bench.test') returning id",
                (pick["org"], pick["customer"]),
            ).fetchone()["id"]
            portal_user = self._portal_user(conn)
            conn.execute(
                "insert into public.portal_accounts (organization_id, customer_id, contact_id,"
                " email, user_id, accepted_at)"
                " values (%s, %s, %s, 'contact@bench.test', %s, now())",
                (pick["org"], pick["customer"], contact, portal_user),
            )
            conn.execute("select private.refresh_organization_kpis()")
            # Vacuumed as well as analyzed: otherwise autovacuum takes up the million fresh rows
            # while the first benchmark (RLS) measures, as it did in every full run until now.
            conn.execute("vacuum (analyze)")
        self.pick = {**pick, "portal": portal_user}

    def _portal_user(self, conn: psycopg.Connection) -> Any:
        return conn.execute(
            """
            insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
              email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
            values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
              'authenticated', 'contact@bench.test', '', now(), '{"provider": "email"}',
              '{"full_name": "Bench Contact"}', now(), now())
            returning id
            """
        ).fetchone()["id"]

    # --- RLS -----------------------------------------------------------------------------------
    def rls(self) -> None:
        """Each query as a member and bypassing RLS, interleaved, in the two ways a client runs it.

        Unprepared, every statement is planned, its policies included: the figures the targets were
        set on. PostgREST prepares its statements (db-prepared-statements, on by default), so a
        repeated request shape runs a cached plan: the `rls_prepared_` figures. There both sides
        skip planning and what is left of the member's overhead is the policies' execution. The
        transactions end as PostgREST's do (commit): psycopg forgets its prepared statements on a
        rollback, and before this the prepared figures were never measured.

        Both sides run on one connection and start their transactions alike (a role, then the
        claims, untimed), so only RLS differs. Until 2026-12-07 the bypass ran on a connection of
        its own with nothing before its query: psycopg's BEGIN went into its timed round trip
        (0.10-0.18 ms on the third machine), and each connection's backend kept whatever CPU
        placement it got, 0.03 or 0.11 ms a round trip there for the whole run (in one pinned
        experiment the old way read 0.94 where this one read 1.44). So the bench pins itself and
        the backends to two CPUs: unpinned the ratio moved between 1.27 and 1.38 from run to run,
        pinned apart by 0.01 (pinned together, where a round trip is cheaper, it read 1.44). The
        `rls_two_backends_` figures run the bypass on a second backend that takes turns with the
        member's on one CPU, as a pool's backends do. One to one they read as the single backend
        does (1.31 and 1.32 on the third machine); a member's statement that follows more of
        another process's work costs more (1.45 with two statements of the other backend
        between, measured once).
        """
        params = {k: self.pick[k] for k in ("org", "customer", "technician", "day")}
        actor = {name: self.pick["owner"] for name in RLS_QUERIES}
        actor["technician_schedule"] = self.pick["technician"]
        actor["portal_invoices"] = self.pick["portal"]
        claims = {
            user: json.dumps(auth.user_claims(self.inst, user, self.db))
            for user in set(actor.values())
        }
        plan_failures = []
        # The schema owner may become authenticated (as on Supabase, for the SQL editor) and
        # bypasses RLS itself; the bypass reads the dashboard's materialized view, which no API
        # role may.
        with (
            psycopg.connect(self.inst.dsn()) as conn,
            psycopg.connect(self.inst.dsn()) as second,
            self._place_apart(conn, second),
        ):
            conn.read_only = second.read_only = True

            def become(on: psycopg.Connection, role: str, claims_json: str) -> None:
                on.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                on.execute("select set_config('request.jwt.claims', %s, true)", (claims_json,))

            def timed(
                on: psycopg.Connection, role: str, name: str, query: str, prepare: bool
            ) -> Callable[[], float]:
                claims_json = claims[actor[name]] if role == "authenticated" else "{}"

                def run() -> float:
                    become(on, role, claims_json)
                    # Both sides' timed statement runs in a transaction already begun: the
                    # BEGIN's round trip is never in one side's time only.
                    if on.info.transaction_status != TransactionStatus.INTRANS:
                        raise RuntimeError(
                            "RLS bench: the timed statement would begin a transaction"
                        )
                    started = time.perf_counter()
                    on.execute(query, params, prepare=prepare).fetchall()
                    took = time.perf_counter() - started
                    on.commit()
                    return took * 1000

                return run

            def as_member(name: str, prepare: bool) -> Callable[[], float]:
                return timed(conn, "authenticated", name, QUERIES[name], prepare)

            def as_bypass(on: psycopg.Connection, name: str, prepare: bool) -> Callable[[], float]:
                # A text of its own, so psycopg prepares it apart: one statement prepared for both
                # roles is planned again at every switch (its plan depends on the role).
                query = "/* bypass */ " + QUERIES.get(name + "_bypass", QUERIES[name])
                return timed(on, SCHEMA_OWNER, name, query, prepare)

            passes = (
                ("", False, conn),
                ("_prepared", True, conn),
                ("_two_backends", False, second),
            )
            for suffix, prepare, bypass_on in passes:
                rows, p95s, ratios = [], [], []
                for name in RLS_QUERIES:
                    m, b = interleaved(
                        as_member(name, prepare),
                        as_bypass(bypass_on, name, prepare),
                        rounds=self.scale.rls_rounds,
                    )
                    ms, bs = summary(m), summary(b)
                    ratio = ms["p50"] / bs["p50"] if bs["p50"] else float("inf")
                    rows.append((name, ms, bs, ratio))
                    p95s.append(ms["p95"])
                    ratios.append(ratio)
                    self.figures[f"rls{suffix}_{name}_ratio"] = round(ratio, 3)
                self.rls_rows[suffix] = rows
                self.figures[f"rls{suffix}_overhead_ratio"] = round(statistics.median(ratios), 3)
                self.figures[f"rls{suffix}_p95_ms"] = round(max(p95s), 3)
            for name in RLS_QUERIES:
                become(conn, "authenticated", claims[actor[name]])
                plan = "\n".join(
                    r[0] for r in conn.execute("explain " + QUERIES[name], params).fetchall()
                )
                conn.rollback()
                if TENANT_TABLES.search(plan) or (
                    name in MEMBER_INDEXES and MEMBER_INDEXES[name] not in plan
                ):
                    plan_failures.append(name)
        self.figures["rls_plan_checks"] = plan_failures or "pass"

    @contextlib.contextmanager
    def _place_apart(self, *conns: psycopg.Connection) -> Iterator[None]:
        """While the block runs, this process on one CPU and the connections' backends on
        another, as PostgREST and PostgreSQL run side by side (why: rls()). Unpinned, with a
        note, on one CPU or without the permission."""
        mine = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
        cpus = sorted(mine)
        if len(cpus) < 2:
            self.notes.append("RLS: not pinned (one CPU)")
            yield
            return
        try:
            for conn in conns:
                os.sched_setaffinity(conn.info.backend_pid, {cpus[1]})
            os.sched_setaffinity(0, {cpus[0]})
        except OSError as error:
            self.notes.append(f"RLS: not pinned ({error.strerror})")
            yield
            return
        try:
            yield
        finally:
            os.sched_setaffinity(0, mine)

    # --- queue ---------------------------------------------------------------------------------
    def _worker_env(self, dsn: str) -> dict[str, str]:
        return {
            **os.environ,
            "FIELDBASE_WORKER_DATABASE_URL": dsn,
            "FIELDBASE_WORKER_REGISTRY": "bench.jobs:build_registry",
            "FIELDBASE_WORKER_PER_ORGANIZATION_LIMIT": "0",
            "FIELDBASE_WORKER_HTTP_PORT": "0",
            "FIELDBASE_WORKER_LOG_LEVEL": "WARNING",
            "FIELDBASE_WORKER_POLL_SECONDS": "0.2",
            # As graphile-worker's (GRAPHILE_CONFIG): 64 at a time, up to 500 held and claimed
            # in one statement.
            "FIELDBASE_WORKER_CONCURRENCY": "64",
            "FIELDBASE_WORKER_LOCAL_QUEUE_SIZE": "500",
            "FIELDBASE_WORKER_BATCH_SIZE": "500",
        }

    def _drain(self, jobs: int, workers: int, dsn: str) -> Drain:
        with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
            conn.execute("delete from queue.job_queue where kind like 'bench.%'")
            # The history keeps earlier rounds' jobs, as a project's keeps the day's: deleting
            # them left free space in the day's partition that this round's jobs were written
            # into, which no project's history has (its purge drops whole days).
            started = time.perf_counter()
            conn.execute(
                "select count(queue.enqueue('bench.noop', '{}'::jsonb))"
                " from generate_series(1, %s)",
                (jobs,),
            )
            enqueue_s = time.perf_counter() - started
        self.figures.setdefault("queue_enqueue_jobs_per_s", round(jobs / enqueue_s))
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "worker", "run"],
                cwd=settings.REPO_ROOT,
                env={**self._worker_env(dsn), "FIELDBASE_WORKER_WORKER_ID": f"bench-{n}"},
            )
            for n in range(workers)
        ]
        return drain(
            self.inst,
            self.inst.dsn(),
            # What has left the hot table, as graphile-worker's drain is counted.
            f"select {jobs} - count(*) from queue.job_queue where kind = 'bench.noop'",
            jobs,
            procs,
        )

    def queue(self) -> None:
        """Ours and the peers alternate round by round (ours, graphile-worker, procrastinate,
        ours...), so a noisy machine slows all alike; each ratio is taken within its round."""
        dsn = self.inst.dsn("fieldbase_worker", self.db)
        jobs = self.scale.queue_jobs
        peers = Peers(self.inst, self.log)
        contenders: dict[str, Callable[[], Drain]] = {
            "": lambda: self._drain(jobs, 1, dsn),
            "graphile_worker": lambda: peers.graphile_worker(jobs),
            # procrastinate drains a few hundred jobs a second: a fifth of the jobs keeps its
            # rounds to a minute (its rate does not depend on the backlog's size).
            "procrastinate": lambda: peers.procrastinate(max(jobs // 5, 100)),
        }
        runs: dict[str, list[Drain] | None] = {name: [] for name in contenders}
        for _ in range(self.scale.queue_rounds):
            for name, run in contenders.items():
                if name and runs[name] is None:
                    continue
                try:
                    runs[name].append(run())
                except Exception as error:  # a peer that cannot run is reported, not fatal
                    if not name:
                        raise
                    runs[name] = None
                    self.notes.append(f"{name} did not run: {type(error).__name__}: {error}"[:300])
        ours = runs[""]
        for name, measured in runs.items():
            prefix = f"queue_{name}_" if name else "queue_"
            if not measured:
                self.figures[f"{prefix}jobs_per_s"] = None
                continue
            rates = [m.jobs_per_s for m in measured]
            self.figures[f"{prefix}jobs_per_s"] = round(statistics.median(rates))
            self.figures[f"{prefix}jobs_per_s_spread"] = [round(min(rates)), round(max(rates))]
            for field in ("worker_cpu_us_per_job", "server_cpu_us_per_job", "wal_bytes_per_job"):
                self.figures[f"{prefix}{field}"] = round(
                    statistics.median(getattr(m, field) for m in measured), 1
                )
            if name:
                self.figures[f"queue_vs_{name}"] = round(
                    statistics.median(
                        o.jobs_per_s / p.jobs_per_s for o, p in zip(ours, measured, strict=True)
                    ),
                    2,
                )
        self.figures["queue_jobs_per_s_4_workers"] = round(self._drain(jobs, 4, dsn).jobs_per_s)
        with Pgbouncer(self.inst, {"fieldbase_worker": settings.LOCAL_PASSWORD}) as bouncer:
            pooled = bouncer.dsn("fieldbase_worker", self.db)
            self.figures["queue_jobs_per_s_pooler"] = round(self._drain(jobs, 1, pooled).jobs_per_s)

    def latency(self) -> None:
        dsn = self.inst.dsn("fieldbase_worker", self.db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker", "run"],
            cwd=settings.REPO_ROOT,
            env={**self._worker_env(dsn), "FIELDBASE_WORKER_WORKER_ID": "bench-latency"},
        )
        samples = []
        try:
            with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
                conn.execute("delete from queue.job_queue where kind like 'bench.%'")
                time.sleep(2)  # the worker is up and listening
                for _ in range(self.scale.latency_samples):
                    job_id = conn.execute(
                        "select queue.enqueue('bench.stamp', '{}'::jsonb)"
                    ).fetchone()[0]
                    committed = time.time()
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline:
                        # Polled by primary key while the job is in the hot table; its result
                        # is read once from the history (whose id index is a block range one,
                        # cheap to keep, not to poll every 2 ms).
                        waiting = conn.execute(
                            "select from queue.job_queue where id = %s", (job_id,)
                        ).fetchone()
                        if waiting is None:
                            (result,) = conn.execute(
                                "select result from queue.job_history"
                                " where id = %s and status = 'succeeded'",
                                (job_id,),
                            ).fetchone()
                            samples.append((result["started"] - committed) * 1000)
                            break
                        time.sleep(0.002)
        finally:
            proc.terminate()
            proc.wait(30)
        stats = summary(samples)
        self.figures["queue_latency_p50_ms"] = round(stats["p50"], 2)
        self.figures["queue_latency_p95_ms"] = round(stats["p95"], 2)

    # --- write costs ---------------------------------------------------------------------------
    def writes(self) -> None:
        # The rate limiter first: the audit's rolled-back inserts leave dead rows that
        # autovacuum takes up for the next minute, beside whatever runs then.
        self._pre_request()
        self._audit()

    def _pre_request(self) -> None:
        claims = auth.user_claims(self.inst, self.pick["owner"], self.db)
        with (
            self._budget_for(self.scale.rls_rounds),
            psycopg.connect(self.inst.dsn("authenticator", self.db)) as conn,
        ):

            def request(hook: str | None) -> Callable[[], float]:
                def run() -> float:
                    conn.execute("set local role authenticated")
                    conn.execute(
                        "select set_config('request.jwt.claims', %s, true),"
                        " set_config('request.headers', '{}', true)",
                        (json.dumps(claims),),
                    )
                    started = time.perf_counter()
                    if hook:
                        conn.execute(hook)
                    conn.execute("select 1")
                    took = time.perf_counter() - started
                    conn.rollback()
                    return took * 1000

                return run

            # The limiter, nothing, and a bare statement in its place: what PostgREST's extra
            # round trip for any db-pre-request costs here, which no function body can save.
            arms = (request("select private.check_request()"), request(None), request("select"))
            with_hook, without, bare = interleaved(*arms, rounds=self.scale.rls_rounds)
        self.figures["pre_request_overhead_ms"] = round(
            statistics.median(with_hook) - statistics.median(without), 3
        )
        self.figures["pre_request_round_trip_ms"] = round(
            statistics.median(bare) - statistics.median(without), 3
        )

    def _audit(self) -> None:
        rows = self.scale.audit_rows
        insert = """
            insert into public.work_orders (organization_id, customer_id, site_id, title)
            select %(org)s, s.customer_id, s.id, 'Bulk ' || g
            from generate_series(1, %(rows)s) as g
            cross join lateral (select id, customer_id from public.sites
              where organization_id = %(org)s order by id limit 1) as s
        """
        with psycopg.connect(self.inst.dsn()) as conn:

            def timed(audit: bool) -> Callable[[], float]:
                def run() -> float:
                    if not audit:
                        conn.execute("alter table public.work_orders disable trigger audit_insert")
                    started = time.perf_counter()
                    conn.execute(insert, {"org": self.pick["org"], "rows": rows})
                    took = time.perf_counter() - started
                    conn.rollback()
                    return took

                return run

            on, off = interleaved(timed(True), timed(False), rounds=3)
        self.figures["audit_insert_ratio"] = round(
            statistics.median(on) / statistics.median(off), 3
        )
        # Vacuumed here, so the next step does not run beside autovacuum on them.
        with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
            conn.execute("vacuum (analyze) public.work_orders")
            conn.execute("vacuum (analyze) public.audit_log")

    @contextlib.contextmanager
    def _budget_for(self, requests: int) -> Iterator[None]:
        """Let one signed-in user make this many requests a minute while the block runs (the
        limiter still counts and checks each one, as it does under any budget)."""
        with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
            (budget,) = conn.execute(
                "select requests_per_minute from private.rate_limits where role = 'authenticated'"
            ).fetchone()
            set_budget = (
                "update private.rate_limits set requests_per_minute = %s"
                " where role = 'authenticated'"
            )
            conn.execute(set_budget, (max(budget, 2 * requests),))
            try:
                yield
            finally:
                conn.execute(set_budget, (budget,))

    # --- handlers ------------------------------------------------------------------------------
    def handlers(self) -> None:
        n = self.scale.handler_samples
        document = TypeAdapter(pdf.Document).validate_python(
            {
                "type": "invoice",
                "number": "INV-1",
                "issue_date": "2026-11-20",
                "due_date": "2026-12-20",
                "customer": {"name": "City Deli", "address": ["5 Elm St"]},
                "items": [
                    {"description": f"Backflow test #{i}", "quantity": "1", "unit_price": "95"}
                    for i in range(45)
                ],
                "tax_rate": "0.0625",
            }
        )
        organization = {"name": "Acme", "branding": {}, "currency": "USD"}
        _, pages, _ = pdf.render(document, organization)
        started = time.perf_counter()
        for _ in range(n):
            pdf.render(document, organization)
        self.figures["pdf_invoices_per_s"] = round(n / (time.perf_counter() - started), 1)
        if pages != 2:
            self.notes.append(f"the benchmark invoice has {pages} pages, not 2")

        with MailSink() as sink:
            backend = SmtpBackend(Settings(smtp_port=sink.port, database_url="postgresql://x"))

            async def send_all() -> float:
                started = time.perf_counter()
                for i in range(n):
                    await backend.send(
                        Email(
                            sender="Acme via fieldbase <no-reply@fieldbase.test>",
                            to=f"c{i}@x.test",
                            subject="Invoice",
                            html="<p>Hello</p>",
                            text="Hello",
                            message_id=f"<bench-{i}@fieldbase.test>",
                            idempotency_key=f"bench-{i}",
                        )
                    )
                return time.perf_counter() - started

            took = asyncio.run(send_all())
            sink.wait_for(n)
        self.figures["emails_per_s"] = round(n / took, 1)

        secret = "whsec_" + "YmVuY2gtc2lnbmluZy1zZWNyZXQtMTIzNDU2Nzg="
        with WebhookReceiver() as receiver, httpx.Client() as client:
            receiver.secret = secret
            signer = Webhook(secret)
            started = time.perf_counter()
            for i in range(n):
                body = json.dumps({"type": "invoice.sent", "data": {"n": i}})
                now = dt.datetime.now(dt.UTC)
                client.post(
                    receiver.url + "/hooks",
                    content=body,
                    headers={
                        "webhook-id": f"msg_{i}",
                        "webhook-timestamp": str(int(now.timestamp())),
                        "webhook-signature": signer.sign(f"msg_{i}", now, body),
                        "content-type": "application/json",
                    },
                )
            took = time.perf_counter() - started
            verified = sum(1 for d in receiver.deliveries if d.verified)
        self.figures["webhooks_per_s"] = round(n / took, 1)
        if verified != n:
            self.notes.append(f"only {verified} of {n} webhooks verified at the receiver")

    # --- the operator's dashboard ------------------------------------------------------------
    def dashboard(self) -> None:
        """Each dashboard view as platform staff (aal2, through RLS as PostgREST runs it) on
        dashboard_organizations organizations with two years of snapshots; p95 per view."""
        with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
            staff = conn.execute(DASHBOARD["staff_user"]).fetchone()[0]
            conn.execute(
                "insert into private.platform_staff (user_id, role) values (%s, 'admin')"
                " on conflict (user_id) do nothing",
                (staff,),
            )
            params = {
                "organizations": self.scale.dashboard_organizations,
                # Not the RLS bench's owner: a member of thousands of organizations, that owner's
                # policies would measure another user in the next --reuse run.
                "owner": conn.execute(
                    DASHBOARD["tenants_owner"],
                    {"organization": f"Bench {self.scale.organizations}"},
                ).fetchone()[0],
            }
            for step in ("add_organizations", "add_owners", "add_usage", "add_snapshots"):
                conn.execute(DASHBOARD[step], params)
            conn.execute("analyze")
            total = conn.execute("select count(*) from public.organizations").fetchone()[0]
        claims = auth.user_claims(self.inst, staff, self.db, aal="aal2")
        p95s = {}
        with psycopg.connect(self.inst.dsn("authenticator", self.db)) as api:
            api.read_only = True
            for view in DASHBOARD_VIEWS:
                samples = []
                for _ in range(self.scale.dashboard_rounds):
                    api.execute("set local role authenticated")
                    api.execute(
                        "select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),)
                    )
                    started = time.perf_counter()
                    api.execute(DASHBOARD[view], {"org": self.pick["org"]}).fetchall()
                    samples.append((time.perf_counter() - started) * 1000)
                    api.rollback()
                p95s[view] = summary(samples)["p95"]
                self.figures[f"dashboard_{view}_p95_ms"] = round(p95s[view], 2)
        self.figures["dashboard_organizations"] = total
        self.figures["staff_dashboard_p95_ms"] = round(max(p95s.values()), 2)

    # --- bulk import ---------------------------------------------------------------------------
    def imports(self) -> None:
        """A company's assemblies file (import_rows assemblies with their customers and sites) as
        an owner imports it: start_import as a dry run, then commit_import, run by a real worker
        process; end-to-end rows per second over both, and the worker's peak resident memory."""
        rows = self.scale.import_rows
        stamp = time.strftime("%Y%m%d%H%M%S")
        # An area code per run, so a run's customers match no earlier run's by phone.
        area = 200 + int(stamp[-6:]) % 700
        # Another organization than the one the other benchmarks read, so their data stays as
        # generated.
        with psycopg.connect(self.inst.dsn()) as conn:
            org, owner = conn.execute(
                "select o.id, m.user_id from public.organizations as o"
                " join public.memberships as m on m.organization_id = o.id and m.role = 'owner'"
                " where o.name = 'Bench 2'"
            ).fetchone()
        with tempfile.TemporaryDirectory(prefix="fieldbase-bench-import-") as folder:
            path = f"{org}/imports/bench-{stamp}.csv"
            target = Path(folder) / "documents" / path
            target.parent.mkdir(parents=True)
            with target.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(
                    [
                        "Customer",
                        "Email",
                        "Phone",
                        "Service Address",
                        "City",
                        "Zip",
                        "Type",
                        "Serial #",
                        "Manufacturer",
                        "Size",
                        "Install Date",
                    ]
                )
                for n in range(rows):
                    c = n // 4
                    writer.writerow(
                        [
                            f"Import {stamp} customer {c:06d}",
                            f"c{c:06d}.{stamp}@import.test",
                            f"+1{area}{c % 10_000_000:07d}",
                            f"{100 + (n // 2) % 2} Main Street",
                            "Chicago",
                            f"6{c % 10_000:04d}",
                            ("RP", "DC", "PVB")[n % 3],
                            f"B{stamp}-{n:07d}",
                            "Watts",
                            "1",
                            f"{1 + n % 12}/{1 + n % 28}/2015",
                        ]
                    )
            size_mb = target.stat().st_size / 1024 / 1024
            with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
                conn.execute(
                    "insert into storage.objects (bucket_id, name, owner)"
                    " values ('documents', %s, %s)",
                    (path, owner),
                )
            claims = auth.user_claims(self.inst, owner, self.db, aal="aal2")

            def as_owner(statement: str, *params: Any) -> Any:
                with psycopg.connect(self.inst.dsn("authenticator", self.db)) as api:
                    api.execute("set local role authenticated")
                    api.execute(
                        "select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),)
                    )
                    return api.execute(statement, params).fetchone()[0]

            def wait_for(import_id: Any, status: str) -> float:
                started = time.perf_counter()
                with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
                    while True:
                        found, error = conn.execute(
                            "select status::text, error from public.imports where id = %s",
                            (import_id,),
                        ).fetchone()
                        if found == status:
                            return time.perf_counter() - started
                        if found in ("failed", "cancelled") or worker.poll() is not None:
                            raise RuntimeError(f"the bench import ended {found}: {error}")
                        time.sleep(0.05)

            worker = subprocess.Popen(
                [sys.executable, "-m", "worker", "run"],
                cwd=settings.REPO_ROOT,
                env={
                    **self._worker_env(self.inst.dsn("fieldbase_worker", self.db)),
                    "FIELDBASE_WORKER_REGISTRY": "worker.handlers:build_registry",
                    "FIELDBASE_WORKER_KINDS": '["import.run"]',
                    "FIELDBASE_WORKER_STORAGE_DIR": folder,
                    "FIELDBASE_WORKER_WORKER_ID": "bench-import",
                },
            )
            try:
                import_id = as_owner(
                    "select id from public.start_import(%s, 'assemblies', %s)", org, path
                )
                dry_run_s = wait_for(import_id, "validated")
                as_owner("select id from public.commit_import(%s)", import_id)
                commit_s = wait_for(import_id, "committed")
                peak_kb = int(
                    re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{worker.pid}/status").read_text())[1]
                )
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            with psycopg.connect(self.inst.dsn(), autocommit=True) as conn:
                summary_rows = conn.execute(
                    "select summary -> 'rows' from public.imports where id = %s", (import_id,)
                ).fetchone()[0]
        if summary_rows["valid"] != rows:
            self.notes.append(f"the bench import took {summary_rows['valid']} of {rows} rows")
        self.figures["import_rows"] = rows
        self.figures["import_file_mb"] = round(size_mb, 1)
        self.figures["import_dry_run_s"] = round(dry_run_s, 1)
        self.figures["import_commit_s"] = round(commit_s, 1)
        self.figures["import_rows_per_s"] = round(rows / (dry_run_s + commit_s))
        self.figures["import_worker_peak_mb"] = round(peak_kb / 1024, 1)

    # --- soak ------------------------------------------------------------------------------
    def soak(self) -> None:
        self.figures.update(Soak(self.inst, self.db, self.scale.soak_jobs, self.log).run())
        # The same faults with the emails through Resend's API and its Idempotency-Key: half
        # the jobs, its figures prefixed soak_resend_.
        resend = Soak(
            self.inst,
            self.db,
            max(self.scale.soak_jobs // 2, 100),
            self.log,
            email_backend="resend",
        ).run()
        self.figures.update(
            {"soak_resend_" + k.removeprefix("soak_"): v for k, v in resend.items()}
        )

    # --- output --------------------------------------------------------------------------------
    def table(self) -> str:
        lines = []
        hows = (
            ("", "unprepared"),
            ("_prepared", "prepared, as PostgREST runs them"),
            ("_two_backends", "unprepared, the bypass on a second backend taking turns on one CPU"),
        )
        for suffix, how in hows:
            if suffix not in self.rls_rows:
                continue
            lines.append(f"RLS cost (member vs RLS bypassed, the same SQL, {how}; ms)")
            lines.append(
                f"  {'query':<28} {'member p50':>10} {'p95':>8} {'bypass p50':>10} {'ratio':>6}"
            )
            for name, ms, bs, ratio in self.rls_rows[suffix]:
                lines.append(
                    f"  {name:<28} {ms['p50']:>10.3f} {ms['p95']:>8.3f}"
                    f" {bs['p50']:>10.3f} {ratio:>6.2f}"
                )
            lines.append("")
        # Each query's ratio is in its table's row above.
        per_query = {
            f"rls{suffix}_{row[0]}_ratio" for suffix, rows in self.rls_rows.items() for row in rows
        }
        for key, value in self.figures.items():
            if key not in per_query:
                lines.append(f"  {key:<34} {value}")
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures")
    parser.add_argument("--smoke", action="store_true", help="a small, quick run")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the generated data of the last run if complete"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["rls", "queue", "latency", "writes", "handlers", "dashboard", "imports", "soak"],
        help="run only these benchmarks",
    )
    parser.add_argument(
        "--soak", action="store_true", help="only the soak with faults (a full run includes it)"
    )
    args = parser.parse_args(argv)
    if args.soak:
        args.only = ["soak"]

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    bench = Bench(SMOKE if args.smoke else FULL, log)
    started = time.monotonic()
    step_started = time.monotonic()
    bench.setup(reuse=args.reuse)
    log(f"setup: {time.monotonic() - step_started:.0f} s")
    steps = (
        bench.rls,
        bench.queue,
        bench.latency,
        bench.writes,
        bench.handlers,
        bench.dashboard,
        bench.imports,
        bench.soak,
    )
    for step in steps:
        if args.only and step.__name__ not in args.only:
            continue
        step_started = time.monotonic()
        step()
        log(f"{step.__name__}: {time.monotonic() - step_started:.0f} s")
    bench.figures["machine"] = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}"
    bench.figures["notes"] = bench.notes
    log(f"bench finished in {time.monotonic() - started:.0f} s")
    print(json.dumps(bench.figures) if args.json else bench.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
