"""The soak with faults (scripts/bench --soak): mixed jobs (emails to the loopback SMTP sink,
signed webhooks to the loopback receiver) drained by three worker processes while one worker
after another is killed with SIGKILL at random moments and the database is restarted once in
immediate mode (a crash: recovery replays the WAL). Effects are counted where they land, by
Message-ID at the sink and webhook-id at the receiver, so a job done twice in effect shows.

A duplicated effect is put down to its cause: the job was taken back from a worker this soak
killed (its errors name that worker's expired lease) after the far end had accepted the effect
and before the worker recorded it: the window plain SMTP cannot close (a server has the
message once it read the final dot) and a webhook receiver closes by deduplicating on
webhook-id. Anything else is a bug and must be 0. With email_backend="resend" the emails go to
a loopback Resend (fieldbase_local.resend_sink) that honours the Idempotency-Key each job sends,
and duplicated emails must be 0 too."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg

from fieldbase_local import cluster, settings
from fieldbase_local.mailsink import MailSink
from fieldbase_local.resend_sink import ResendSink
from fieldbase_local.webhook_receiver import WebhookReceiver

SECRET = "whsec_" + "c29hay1zaWduaW5nLXNlY3JldC0xMjM0NTY3ODkwYWI="
LEASE_SECONDS = 10
REAP_SECONDS = 0.5
SETTLED = "status in ('succeeded', 'dead')"


class Soak:
    def __init__(
        self,
        inst: settings.Instance,
        database: str,
        jobs: int,
        log: Callable[[str], None],
        workers: int = 3,
        seed: int = 2026,
        email_backend: str = "smtp",
    ):
        self.inst = inst
        self.database = database
        self.jobs = jobs
        self.log = log
        self.workers = workers
        self.rng = random.Random(seed)  # noqa: S311 - when to kill, not a secret
        self.procs: dict[int, tuple[str, subprocess.Popen]] = {}
        self.generation = 0
        self.recoveries: list[float] = []
        self.kills = 0
        self.killed: set[str] = set()
        self.email_backend = email_backend
        self.resend: ResendSink | None = None
        self.restarted = False
        self.done = threading.Event()

    # --- setup ----------------------------------------------------------------------------
    def _enqueue(self, conn: psycopg.Connection, receiver: WebhookReceiver) -> int:
        for table in ("queue.job_queue", "queue.job_history"):
            conn.execute(
                f"delete from {table} where kind in ('email.trial_expiring', 'webhook.deliver')"
            )
        organizations = [
            r[0]
            for r in conn.execute(
                "select id from public.organizations where status = 'active' order by id limit 10"
            )
        ]
        if not organizations:
            raise RuntimeError("the soak needs active organizations: run the generator first")
        conn.execute("delete from public.webhook_endpoints where description = 'soak'")
        for organization in organizations:
            (endpoint,) = conn.execute(
                "insert into public.webhook_endpoints (organization_id, url, description)"
                " values (%s, %s, 'soak') returning id",
                (organization, receiver.url + "/soak"),
            ).fetchone()
            conn.execute(
                "insert into private.webhook_secrets (endpoint_id, secret) values (%s, %s)",
                (endpoint, SECRET),
            )
        emails = self.jobs // 2
        conn.execute(
            "select count(queue.enqueue('email.trial_expiring', jsonb_build_object("
            " 'to', 'soak' || g || '@x.test', 'name', 'Soak ' || g,"
            " 'trial_ends_at', '2026-12-05T00:00:00+00:00')))"
            " from generate_series(1, %s) as g",
            (emails,),
        )
        per_organization = (self.jobs - emails) // len(organizations)
        conn.execute(
            "select count(private.emit_webhook_event(o, 'soak.ping', jsonb_build_object('n', g)))"
            " from unnest(%s::uuid[]) as o cross join generate_series(1, %s) as g",
            (organizations, per_organization),
        )
        (total,) = conn.execute(
            "select count(*) from queue.job_queue"
            " where kind in ('email.trial_expiring', 'webhook.deliver')"
        ).fetchone()
        return total

    def _start_worker(self, slot: int, sink: MailSink) -> None:
        self.generation += 1
        worker_id = f"soak-{slot}-{self.generation}"
        env = {
            **os.environ,
            "FIELDBASE_WORKER_DATABASE_URL": self.inst.dsn("fieldbase_worker", self.database),
            "FIELDBASE_WORKER_WORKER_ID": worker_id,
            "FIELDBASE_WORKER_HTTP_PORT": "0",
            "FIELDBASE_WORKER_LOG_LEVEL": "ERROR",
            "FIELDBASE_WORKER_POLL_SECONDS": "0.2",
            "FIELDBASE_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
            "FIELDBASE_WORKER_HEARTBEAT_SECONDS": "2",
            "FIELDBASE_WORKER_REAP_SECONDS": str(REAP_SECONDS),
            "FIELDBASE_WORKER_SMTP_PORT": str(sink.port),
            "FIELDBASE_WORKER_EMAIL_RATE_PER_SECOND": "1000",
            "FIELDBASE_WORKER_WEBHOOK_ENDPOINT_RATE_PER_SECOND": "1000",
            "FIELDBASE_WORKER_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "FIELDBASE_WORKER_PER_ORGANIZATION_LIMIT": "16",
        }
        if self.resend is not None:
            env["FIELDBASE_WORKER_EMAIL_BACKEND"] = "resend"
            env["FIELDBASE_WORKER_RESEND_API_KEY"] = self.resend.api_key
            env["FIELDBASE_WORKER_RESEND_API_URL"] = self.resend.url
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker", "run"],
            cwd=settings.REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs[slot] = (worker_id, proc)

    # --- faults ---------------------------------------------------------------------------
    def _query(self, sql: str, params: Any = None) -> list[tuple]:
        """As the schema owner, riding out the restart."""
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self.inst.dsn(dbname=self.database), autocommit=True) as conn:
                    return conn.execute(sql, params).fetchall()
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _kill_one(self, sink: MailSink) -> None:
        slot = self.rng.randrange(self.workers)
        worker_id, proc = self.procs[slot]
        held = [
            r[0]
            for r in self._query(
                "select id from queue.job_queue where status = 'running' and lease_owner = %s",
                (worker_id,),
            )
        ]
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(10)
        self.kills += 1
        self.killed.add(worker_id)
        self._start_worker(slot, sink)
        if not held:
            return
        # Recovered when every job the killed worker held has run again (or is done).
        while not self.done.is_set():
            (stuck,) = self._query(
                "select count(*) from queue.job_queue"
                " where id = any(%s) and lease_owner = %s and status = 'running'",
                (held, worker_id),
            )[0]
            if stuck == 0:
                self.recoveries.append(time.monotonic() - killed_at)
                return
            time.sleep(0.1)

    def _faults(self, sink: MailSink, total: int) -> None:
        """Kills at random moments, one at a time; the restart once about a third through."""
        while not self.done.wait(self.rng.uniform(1.5, 5)):
            (settled,) = self._query(f"select count(*) from queue.job_history where {SETTLED}")[0]
            if not self.restarted and settled > total / 3:
                self.restarted = True
                self.log("soak: restarting the database (immediate)")
                cluster.restart(self.inst, "immediate")
                continue
            self._kill_one(sink)

    # --- the run --------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        with (
            MailSink() as sink,
            ResendSink() as resend,
            WebhookReceiver(SECRET) as receiver,
            psycopg.connect(self.inst.dsn(dbname=self.database), autocommit=True) as conn,
        ):
            if self.email_backend == "resend":
                self.resend = resend
            total = self._enqueue(conn, receiver)
            started = time.monotonic()
            for slot in range(self.workers):
                self._start_worker(slot, sink)
            faults = threading.Thread(target=self._faults, args=(sink, total), daemon=True)
            faults.start()
            try:
                deadline = time.monotonic() + 900
                while time.monotonic() < deadline:
                    (settled,) = self._query(
                        "select count(*) from queue.job_history"
                        f" where kind in ('email.trial_expiring', 'webhook.deliver') and {SETTLED}"
                    )[0]
                    if settled >= total and self.restarted and self.kills:
                        break
                    time.sleep(0.5)
            finally:
                self.done.set()
                faults.join(120)
                for _, proc in self.procs.values():
                    proc.terminate()
                for _, proc in self.procs.values():
                    proc.wait(30)
            took = time.monotonic() - started
            time.sleep(1)  # a late duplicate, were there one, lands now
            return self._figures(sink, receiver, total, took)

    def _figures(
        self, sink: MailSink, receiver: WebhookReceiver, total: int, took: float
    ) -> dict[str, Any]:
        rows = self._query(
            "select id, kind, status::text, payload ->> 'message_id', errors from queue.all_jobs"
            " where kind in ('email.trial_expiring', 'webhook.deliver')"
        )
        statuses = Counter(status for _, _, status, _, _ in rows)
        if self.resend is not None:
            message_ids = [
                str(m.get("headers", {}).get("Message-ID")) for m in self.resend.delivered
            ]
        else:
            message_ids = [str(m["Message-ID"]) for m in sink.messages]
        emails = Counter(message_ids)
        # An effect is a delivery the receiver verified: a body cut off by a kill is not one.
        webhooks = Counter(d.headers.get("webhook-id") for d in receiver.deliveries if d.verified)
        email_jobs = {m.removeprefix("<job-").split("@", 1)[0] for m in emails}
        sent = {
            job_id
            for job_id, kind, _, message_id, _ in rows
            if (kind == "webhook.deliver" and message_id in webhooks)
            or (kind == "email.trial_expiring" and str(job_id) in email_jobs)
        }
        # Lost: never settled, or settled as succeeded with no effect where it should land.
        lost = (total - statuses["succeeded"] - statuses["dead"]) + sum(
            1 for j, _, status, _, _ in rows if status == "succeeded" and j not in sent
        )
        by_webhook_id = {message_id: job_id for job_id, _, _, message_id, _ in rows}
        errors = {job_id: job_errors or [] for job_id, _, _, _, job_errors in rows}

        def cause(job_id: int | None) -> str:
            taken_back = {
                e.get("error", "").removeprefix("Lease expired: worker ").split(" ", 1)[0]
                for e in errors.get(job_id, [])
                if e.get("error", "").startswith("Lease expired: worker ")
            }
            return "kill_window" if taken_back & self.killed else "other"

        duplicated = Counter()
        for message_id, n in emails.items():
            if n > 1:
                job_id = int(message_id.removeprefix("<job-").split("@", 1)[0])
                duplicated["email_" + cause(job_id)] += n - 1
        for webhook_id, n in webhooks.items():
            if n > 1:
                duplicated["webhook_" + cause(by_webhook_id.get(webhook_id))] += n - 1
        duplicated_emails = duplicated["email_kill_window"] + duplicated["email_other"]
        duplicated_webhooks = duplicated["webhook_kill_window"] + duplicated["webhook_other"]
        return {
            "soak_jobs": total,
            "soak_seconds": round(took, 1),
            "soak_kills": self.kills,
            "soak_database_restarts": int(self.restarted),
            "soak_jobs_lost": lost,
            "soak_jobs_duplicated_effects": duplicated_emails + duplicated_webhooks,
            "soak_duplicated_emails": duplicated_emails,
            "soak_duplicated_webhooks": duplicated_webhooks,
            # A kill between the far end's acceptance and the record (plain SMTP and HTTP
            # cannot close it); anything else must be 0.
            "soak_duplicated_in_kill_window": duplicated["email_kill_window"]
            + duplicated["webhook_kill_window"],
            "soak_duplicated_other": duplicated["email_other"] + duplicated["webhook_other"],
            "soak_email_backend": self.email_backend,
            "soak_recovery_s": round(max(self.recoveries), 1) if self.recoveries else None,
            "soak_jobs_wrongly_dead": statuses["dead"],
            "soak_lease_seconds": LEASE_SECONDS,
            "soak_reap_seconds": REAP_SECONDS,
            "soak_unverified_webhooks": sum(1 for d in receiver.deliveries if not d.verified),
            "soak_unverified_webhook_errors": sorted(
                {d.error or "" for d in receiver.deliveries if not d.verified}
            ),
            "soak_webhooks_cut_off": receiver.cut_off,
            # Requests the loopback Resend answered from its Idempotency-Key store (None on SMTP);
            # soak_resend_replays_absorbed in a full run's Resend soak.
            "soak_replays_absorbed": self.resend.replayed if self.resend else None,
        }
