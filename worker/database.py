"""The worker's database API (WorkerDatabase), typed, over a psycopg async pool.

Safe behind a transaction-mode pooler: autocommit calls, no prepared statements, no session
state. Handlers get the same object (as ctx.db) for the few queries they need.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import args_row, dict_row
from psycopg.types.json import Jsonb, set_json_loads
from psycopg_pool import AsyncConnectionPool
from psycopg_pool.base import AttemptWithBackoff

from worker.queries import query


@dataclass(slots=True)
class Job:
    """A claimed job, as queue.claim returns it. A plain class, not a model: psycopg has
    already typed every column, and validating them again cost a fifth of the worker's time
    per job in the drain benchmark. The payload is validated once, by its handler's model."""

    id: int
    organization_id: uuid.UUID | None
    kind: str
    payload: dict[str, Any]
    priority: int
    run_at: dt.datetime
    attempts: int
    max_attempts: int
    progress: dict[str, Any]
    created_at: dt.datetime
    started_at: dt.datetime | None


@dataclass(slots=True)
class Outcome:
    """What became of one run: success with a result, or a failure to record."""

    job_id: int
    kind: str
    succeeded: bool
    result: dict[str, Any] | None = None
    # Payload keys to drop once the job succeeded (secrets such as invitation tokens).
    redact: list[str] = field(default_factory=list)
    error: str | None = None
    permanent: bool = False
    # Whether this was the last attempt (permanent, or attempts used up); for metrics and logs.
    dead: bool = False
    retry_in: float | None = None


# psycopg_pool waits 1 s, then 2, 4... between attempts to replace a lost connection: after a
# sub-second database restart that idled workers for up to 9 s. Start at 0.1 s instead (this
# process's pools only; the attempts still back off while the database stays down).
AttemptWithBackoff.INITIAL_DELAY = 0.1


def _loads(data: bytes) -> Any:
    # json and jsonb arrive as UTF-8 bytes: decoded first, json.loads does not sniff their
    # encoding; an empty object (most jobs' progress) needs no parser. Two loads a job were a
    # tenth of the worker's time in a drain of quick jobs.
    return {} if data == b"{}" else json.loads(data.decode())


async def _configure(conn: AsyncConnection) -> None:
    set_json_loads(_loads, conn)


def make_pool(conninfo: str, size: int, name: str = "fieldbase-worker") -> AsyncConnectionPool:
    # prepare_threshold=None: no server-side prepared statements (transaction-mode poolers).
    return AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=size,
        kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row},
        check=AsyncConnectionPool.check_connection,
        configure=_configure,
        open=False,
        name=name,
        # Keep trying to replace lost connections (a restart, a failover) rather than give up.
        reconnect_timeout=300,
    )


class WorkerDatabase:
    """The worker's whole database API: the queue functions it calls (claim, heartbeat, finish,
    release...) and the few named queries handlers use, handed to them as ctx.db."""

    def __init__(self, pool: AsyncConnectionPool, worker_id: str):
        self.pool = pool
        self.worker_id = worker_id

    async def fetch(self, name: str, **params: Any) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(query(name), params)
            return await cur.fetchall()

    async def stream(self, name: str, **params: Any) -> AsyncIterator[dict[str, Any]]:
        """Rows one at a time, as the server sends them (nothing held beyond the current row).
        Leaving the loop early cancels the rest of the query."""
        async with self.pool.connection() as conn:
            cur = conn.cursor()
            async for row in cur.stream(query(name), params):
                yield row

    async def fetch_value(self, name: str, **params: Any) -> Any:
        rows = await self.fetch(name, **params)
        return next(iter(rows[0].values())) if rows else None

    # --- the worker's loop ------------------------------------------------------------------
    async def claim(
        self,
        kinds: Sequence[str] | None,
        batch_size: int,
        lease_seconds: float,
        per_org_limit: int | None,
    ) -> list[Job]:
        """Lease up to batch_size ready jobs of these kinds (None: every kind)."""
        params = {
            "worker_id": self.worker_id,
            "kinds": None if kinds is None else list(kinds),
            "batch_size": batch_size,
            "lease_seconds": lease_seconds,
            "per_organization_limit": per_org_limit or None,
        }
        async with self.pool.connection() as conn:
            # Columns in Job's order, straight into Job (no dict a row).
            cur = conn.cursor(row_factory=args_row(Job))
            await cur.execute(query("claim"), params)
            return await cur.fetchall()

    async def heartbeat(self, job_ids: Sequence[int], lease_seconds: float) -> set[int]:
        rows = await self.fetch(
            "heartbeat",
            worker_id=self.worker_id,
            job_ids=list(job_ids),
            lease_seconds=lease_seconds,
        )
        return {row["job_id"] for row in rows}

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Record a batch of outcomes: one call for the successes, one for the failures."""
        done = [
            {"id": o.job_id, "result": o.result, "redact": o.redact}
            for o in outcomes
            if o.succeeded
        ]
        failed = [
            {"id": o.job_id, "error": o.error, "permanent": o.permanent, "retry_in": o.retry_in}
            for o in outcomes
            if not o.succeeded
        ]
        if done:
            await self.fetch("complete", worker_id=self.worker_id, completions=Jsonb(done))
        if failed:
            await self.fetch("fail", worker_id=self.worker_id, failures=Jsonb(failed))

    async def reap_expired_leases(self) -> int:
        """Take back the jobs of workers that stopped heartbeating (any worker's)."""
        return await self.fetch_value("reap_expired_leases") or 0

    async def release(self, job_ids: Sequence[int]) -> set[int]:
        rows = await self.fetch("release", worker_id=self.worker_id, job_ids=list(job_ids))
        return {row["job_id"] for row in rows}

    async def save_progress(self, job_id: int, progress: dict[str, Any]) -> bool:
        return bool(
            await self.fetch_value(
                "save_progress", worker_id=self.worker_id, job_id=job_id, progress=Jsonb(progress)
            )
        )

    async def depth(self) -> list[dict[str, Any]]:
        return await self.fetch("depth")

    async def ready_backlog(
        self, kinds: Sequence[str] | None, per_org_limit: int | None
    ) -> dict[str, Any] | None:
        """Ready jobs, those a claim may take, running jobs, and the oldest ready run_at."""
        rows = await self.fetch(
            "ready_backlog",
            kinds=None if kinds is None else list(kinds),
            per_organization_limit=per_org_limit or None,
        )
        return rows[0] if rows else None

    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        organization_id: uuid.UUID | str | None = None,
        dedupe_key: str | None = None,
        run_at: dt.datetime | None = None,
        priority: int | None = None,
        max_attempts: int | None = None,
    ) -> int:
        return await self.fetch_value(
            "enqueue",
            kind=kind,
            payload=Jsonb(payload),
            organization_id=organization_id,
            dedupe_key=dedupe_key,
            run_at=run_at,
            priority=priority,
            max_attempts=max_attempts,
        )
