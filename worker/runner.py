"""The worker loop: claim in batches, run handlers concurrently, heartbeat, finish in batches.

One asyncio task claims, one listens for NOTIFY, one heartbeats, one records outcomes. A lost
database connection pauses claiming and is retried with backoff; outcomes wait in memory until
they are recorded, and jobs whose outcome never makes it come back when their lease expires.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from pydantic import ValidationError

from worker import logs
from worker.config import Settings
from worker.database import Job, Outcome, WorkerDatabase, make_pool
from worker.errors import PermanentError, RetryLater
from worker.observability import HttpServer, Liveness, Metrics
from worker.registry import JobContext, Registry

log = logging.getLogger("worker")

NOTIFY_CHANNEL = "fieldbase_jobs"


def describe_validation_error(error: ValidationError) -> str:
    """'Invalid payload: to: Field required; total: Input should be a valid decimal'."""
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in error.errors()
    ]
    return "Invalid payload: " + "; ".join(problems)


class Worker:
    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        services: Any = None,
    ):
        self.settings = settings
        self.registry = registry
        self.services = services
        self.kinds = registry.kinds(settings.kinds) if settings.kinds else None
        self.metrics = Metrics()
        self.liveness = Liveness(stale_after=max(30.0, settings.lease_seconds * 2))
        self.pool = make_pool(settings.database_url, settings.pool_size)
        self.queue = WorkerDatabase(self.pool, settings.worker_id)
        self.cpu = ThreadPoolExecutor(settings.cpu_threads, thread_name_prefix="worker-cpu")
        self.http: HttpServer | None = None
        self._inflight: dict[int, asyncio.Task] = {}
        # Read when /metrics is scraped, not kept up per job.
        self.metrics.in_flight.set_function(lambda: len(self._inflight))
        self._jobs: dict[int, Job] = {}
        # Claimed, not started yet (the local queue), in claim order.
        self._waiting: collections.deque[Job] = collections.deque()
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self._unrecorded = 0
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.processed = 0
        # Since when this worker's claims, with room for more jobs, have found nothing.
        self._empty_claims_since: float | None = None
        self._stall_reported = False

    # --- lifecycle --------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Stop claiming; running jobs get shutdown_grace_seconds to finish."""
        if not self._stop.is_set():
            log.info("stopping: no new claims, draining %d running job(s)", len(self._inflight))
        self._stop.set()
        self.liveness.stopping = True
        self._wake.set()

    async def run(self, once: bool = False) -> int:
        """Run until stopped (or, with once, until nothing is ready). Returns jobs processed."""
        loop = asyncio.get_running_loop()
        # Blocking I/O (SMTP, storage) runs in the default executor: sized to the jobs in
        # flight, or Python's default (CPU count + 4) would hold a slow mail server's sends to
        # a handful at a time.
        loop.set_default_executor(
            ThreadPoolExecutor(self.settings.concurrency + 4, thread_name_prefix="worker-io")
        )
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.request_stop)
        await self.pool.open(wait=False)
        if self.settings.http_port and not once:
            self.http = HttpServer(
                self.settings.http_host,
                self.settings.http_port,
                self.metrics,
                self.liveness.report,
            )
            self.http.start()
        helpers = [
            asyncio.create_task(self._record_outcomes(), name="outcomes"),
            asyncio.create_task(self._heartbeat(), name="heartbeat"),
            asyncio.create_task(self._reap(), name="reap"),
        ]
        if not once:
            helpers.append(asyncio.create_task(self._listen(), name="listen"))
            helpers.append(asyncio.create_task(self._watch_depth(), name="depth"))
            helpers.append(asyncio.create_task(self._watch_stall(), name="stall"))
        log.info(
            "worker %s started (kinds: %s, concurrency %d)",
            self.settings.worker_id,
            ", ".join(self.kinds) if self.kinds else "all registered",
            self.settings.concurrency,
        )
        try:
            await self._claim_loop(once)
            await self._drain()
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self._flush_remaining()
            if self.http:
                self.http.stop()
            await self.pool.close()
            self.cpu.shutdown(wait=False, cancel_futures=True)
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(sig)
        log.info("worker %s stopped after %d job(s)", self.settings.worker_id, self.processed)
        return self.processed

    # --- claiming ---------------------------------------------------------------------------
    async def _claim_loop(self, once: bool) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            self.liveness.loop_at = time.monotonic()
            free = (
                self.settings.concurrency
                + self.settings.local_queue_size
                - len(self._inflight)
                - len(self._waiting)
            )
            # With once, stop only after a claim that began with nothing running found nothing:
            # a job finishing during the claim may have queued another (a PDF's email).
            idle_before_claim = not self._inflight and not self._waiting
            room = min(self.settings.batch_size, free)
            top_up = min(self.settings.batch_size, self.settings.local_queue_size) // 2
            if self._waiting and room < top_up:
                # The local queue is more than half full: top it up later, in one claim.
                room = 0
            jobs: list[Job] = []
            self._wake.clear()
            if room > 0:
                try:
                    jobs = await self.queue.claim(
                        self.kinds,
                        room,
                        self.settings.lease_seconds,
                        self.settings.per_organization_limit,
                    )
                    self.liveness.database_at = time.monotonic()
                    self.liveness.database_error = None
                    backoff = 0.1
                except psycopg.Error as error:
                    self.liveness.database_error = str(error).strip()
                    log.warning("claim failed, retrying in %.1fs: %s", backoff, error)
                    await self._sleep_or_stop(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                self._note_claim(found=bool(jobs))
                self._count_claimed(jobs)
                self._waiting.extend(jobs)
                self._start_waiting()
                if len(jobs) == room:
                    # More may be ready right now. Let the jobs just started run first: the
                    # quick ones free their slots, and the next claim takes a full batch rather
                    # than the few slots left (half the claims were of a dozen jobs).
                    await asyncio.sleep(0)
                    continue
            if once and not jobs and not self._inflight and not self._waiting and idle_before_claim:
                return
            await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        """Until NOTIFY, a freed slot, a stop request, or the poll interval."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)

    async def _sleep_or_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    def _count_claimed(self, jobs: list[Job]) -> None:
        # Counted per claim, not per job: a drain of quick jobs spent a tenth of the worker's
        # time in per-job counter updates.
        for kind, claimed in collections.Counter(job.kind for job in jobs).items():
            self.metrics.kind(kind).claimed.inc(claimed)

    def _start_waiting(self) -> None:
        while self._waiting and len(self._inflight) < self.settings.concurrency:
            self._start(self._waiting.popleft())

    def _start(self, job: Job) -> None:
        if job.started_at:
            self.metrics.kind(job.kind).start_latency.observe(
                max(0.0, (job.started_at - job.run_at).total_seconds())
            )
        self._jobs[job.id] = job
        task = asyncio.create_task(self._run_job(job), name=f"job-{job.id}")
        self._inflight[job.id] = task
        task.add_done_callback(lambda _t, job_id=job.id: self._job_done(job_id))

    def _job_done(self, job_id: int) -> None:
        self._inflight.pop(job_id, None)
        self._jobs.pop(job_id, None)
        if not self._stop.is_set():
            self._start_waiting()
        self._wake.set()

    # --- running one job --------------------------------------------------------------------
    async def _run_job(self, job: Job) -> None:
        logs.job_fields.set((job.id, job.kind, job.organization_id))
        started = time.monotonic()
        try:
            outcome = await self._execute(job)
        except Exception as error:  # never let one job take the worker down
            log.exception("job %d (%s) could not be run", job.id, job.kind)
            outcome = self._failure(job, f"Worker error: {type(error).__name__}: {error}")
        self.metrics.kind(job.kind).duration.observe(time.monotonic() - started)
        self._unrecorded += 1
        self._outcomes.put_nowait(outcome)

    async def _execute(self, job: Job) -> Outcome:
        registration = self.registry.get(job.kind)
        if registration is None:
            return self._failure(job, f"No handler for job kind {job.kind!r}", permanent=True)
        try:
            payload = registration.payload_model.model_validate(job.payload)
        except ValidationError as error:
            return self._failure(job, describe_validation_error(error), permanent=True)
        ctx = JobContext(
            job=job,
            settings=self.settings,
            db=self.queue,
            services=self.services,
            cpu=self.cpu,
        )
        try:
            result = await registration.handler(ctx, payload)
        except PermanentError as error:
            return self._failure(job, str(error), permanent=True)
        except RetryLater as error:
            return self._failure(job, str(error), retry_in=error.retry_in)
        except ValidationError as error:
            return self._failure(job, describe_validation_error(error), permanent=True)
        except Exception as error:
            log.exception("job %d (%s) raised", job.id, job.kind)
            return self._failure(job, f"{type(error).__name__}: {error}")
        # The queue table and the metrics record it: an INFO line per job cost a fifth of the
        # throughput (JSON formatting), so success logs at DEBUG; failures warn.
        log.debug("job %d (%s) succeeded", job.id, job.kind)
        return Outcome(
            job_id=job.id, kind=job.kind, succeeded=True, result=result or {}, redact=ctx.redact
        )

    def _failure(
        self, job: Job, error: str, permanent: bool = False, retry_in: float | None = None
    ) -> Outcome:
        dead = permanent or job.attempts >= job.max_attempts
        log.warning(
            "job %d (%s) failed on attempt %d/%d (%s): %s",
            job.id,
            job.kind,
            job.attempts,
            job.max_attempts,
            "dead" if dead else "will retry",
            error,
        )
        return Outcome(
            job_id=job.id,
            kind=job.kind,
            succeeded=False,
            error=error,
            permanent=permanent,
            dead=dead,
            retry_in=retry_in,
        )

    # --- recording outcomes -----------------------------------------------------------------
    async def _record_outcomes(self) -> None:
        """Record outcomes in batches: whatever piled up while the last batch was written."""
        while True:
            batch = [await self._outcomes.get()]
            while not self._outcomes.empty() and len(batch) < 500:
                batch.append(self._outcomes.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[Outcome]) -> None:
        backoff = 0.1
        while True:
            try:
                await self.queue.finish(batch)
                break
            except psycopg.Error as error:
                log.warning("recording %d outcome(s) failed, retrying: %s", len(batch), error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        self._unrecorded -= len(batch)
        self.processed += len(batch)
        counts = collections.Counter(
            (o.kind, "succeeded" if o.succeeded else "dead" if o.dead else "retried") for o in batch
        )
        for (kind, result), n in counts.items():
            getattr(self.metrics.kind(kind), result).inc(n)

    async def _flush_remaining(self) -> None:
        batch = []
        while not self._outcomes.empty():
            batch.append(self._outcomes.get_nowait())
        if batch:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._write(batch), timeout=10)

    # --- heartbeats, shutdown ---------------------------------------------------------------
    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            running = [*self._inflight, *(job.id for job in self._waiting)]
            if not running:
                continue
            try:
                held = await self.queue.heartbeat(running, self.settings.lease_seconds)
            except psycopg.Error as error:
                log.warning("heartbeat failed: %s", error)
                continue
            lost = set(running) - held
            if lost:
                # Held jobs cancelled or reaped while they waited are not started.
                self._waiting = collections.deque(j for j in self._waiting if j.id not in lost)
            for job_id in lost:
                task = self._inflight.get(job_id)
                if task and not task.done():
                    log.warning("job %d was cancelled or reaped; stopping its handler", job_id)
                    task.cancel()

    async def _reap(self) -> None:
        # Claims do not reap (the lease columns are not indexed, so claims stay HOT updates):
        # each worker takes back crashed workers' jobs on its own, shorter, period.
        while True:
            await asyncio.sleep(self.settings.reap_seconds)
            try:
                reaped = await self.queue.reap_expired_leases()
            except psycopg.Error as error:
                log.warning("reaping expired leases failed: %s", error)
                continue
            if reaped:
                log.warning("took back %d job(s) whose worker stopped heartbeating", reaped)
                self._wake.set()

    async def _drain(self) -> None:
        """Give back the jobs held but not started, let running jobs finish within the grace
        period, then give the rest back."""
        if self._waiting:
            unstarted = [job.id for job in self._waiting]
            self._waiting.clear()
            try:
                released = await self.queue.release(unstarted)
                log.info("released %d job(s) claimed but not started", len(released))
            except psycopg.Error as error:
                log.warning("release failed (the lease will expire instead): %s", error)
        if self._inflight:
            _done, pending = await asyncio.wait(
                list(self._inflight.values()), timeout=self.settings.shutdown_grace_seconds
            )
            if pending:
                unfinished = [job_id for job_id, t in self._inflight.items() if t in pending]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                try:
                    released = await self.queue.release(unfinished)
                    log.info("released %d unfinished job(s) %s", len(released), sorted(released))
                except psycopg.Error as error:
                    log.warning("release failed (the lease will expire instead): %s", error)
        # Wait for the recorder to write what finished.
        deadline = time.monotonic() + 10
        while self._unrecorded > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    # --- LISTEN/NOTIFY ----------------------------------------------------------------------
    async def _listen(self) -> None:
        url = self.settings.effective_listen_url
        if not url:
            log.info("LISTEN is off; polling every %.1fs", self.settings.poll_seconds)
            return
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"listen {NOTIFY_CHANNEL}")
                    backoff = 0.5
                    self._wake.set()  # something may have been queued while we were away
                    async for notice in conn.notifies():
                        if self.kinds is None or notice.payload in self.kinds:
                            self._wake.set()
            except psycopg.Error as error:
                log.warning("LISTEN connection lost, reconnecting in %.1fs: %s", backoff, error)
                await asyncio.sleep(backoff + random.random() * backoff)  # noqa: S311
                backoff = min(backoff * 2, 30.0)

    # --- stalls -----------------------------------------------------------------------------
    def _note_claim(self, found: bool) -> None:
        if found:
            if self._stall_reported:
                log.info("claims take jobs again")
            self._empty_claims_since = None
            self._stall_reported = False
        elif self._empty_claims_since is None:
            self._empty_claims_since = time.monotonic()

    async def check_stall(self) -> dict[str, Any] | None:
        """Once claims have found nothing for a lease while jobs this worker could take are
        ready, log it once as an error with the counts (and return them). A stall is a bug or a
        stuck lock, never a tenant's backlog: jobs held back by their organization's limits do
        not count."""
        since = self._empty_claims_since
        if since is None or self._stall_reported:
            return None
        if time.monotonic() - since < self.settings.lease_seconds:
            return None
        backlog = await self.queue.ready_backlog(self.kinds, self.settings.per_organization_limit)
        if not backlog or not backlog["claimable"]:
            return None
        self._stall_reported = True
        log.error(
            "claims have found nothing for %.0fs while %d job(s) are ready (%d claimable, "
            "%d running, the oldest ready since %s)",
            time.monotonic() - since,
            backlog["ready"],
            backlog["claimable"],
            backlog["running"],
            backlog["oldest_ready_at"],
        )
        return backlog

    async def _watch_stall(self) -> None:
        interval = max(1.0, min(15.0, self.settings.lease_seconds / 2))
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(psycopg.Error):
                await self.check_stall()

    async def _watch_depth(self) -> None:
        while True:
            with contextlib.suppress(psycopg.Error):
                self.metrics.set_depth(await self.queue.depth())
            await asyncio.sleep(15)
