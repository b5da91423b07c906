"""Handlers and helpers for worker tests: job kinds that record, sleep and fail on demand."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from pydantic import BaseModel

from worker.errors import PermanentError
from worker.registry import JobContext, Registry

# Executions are recorded here (created by the tests, insertable by the worker role).
RUNS_TABLE_SQL = """
create table public.test_runs (
  job_id bigint not null,
  worker text not null,
  attempt integer not null,
  started_at timestamptz not null,
  finished_at timestamptz not null default clock_timestamp()
);
alter table public.test_runs enable row level security;
create policy "the worker records runs" on public.test_runs for insert to fieldbase_worker
with check (true);
grant insert on public.test_runs to fieldbase_worker;
"""


class Empty(BaseModel):
    pass


class Sleep(BaseModel):
    seconds: float = 0


class Rendezvous(BaseModel):
    name: str


# Barriers test.blocking_io jobs wait at, in threads (set up by the test that enqueues them).
BARRIERS: dict[str, threading.Barrier] = {}


class Fail(BaseModel):
    message: str = "boom"
    permanent: bool = False


def build_registry() -> Registry:
    registry = Registry()

    @registry.register("test.noop", Empty)
    async def noop(ctx: JobContext, payload: Empty) -> dict[str, Any]:
        return {"ok": True}

    @registry.register("test.record", Sleep)
    async def record(ctx: JobContext, payload: Sleep) -> dict[str, Any]:
        started = await _now(ctx)
        await asyncio.sleep(payload.seconds)
        async with ctx.db.pool.connection() as conn:
            await conn.execute(
                "insert into public.test_runs (job_id, worker, attempt, started_at) "
                "values (%s, %s, %s, %s)",
                (ctx.job.id, ctx.settings.worker_id, ctx.job.attempts, started),
            )
        return {"pid": os.getpid()}

    @registry.register("test.sleep", Sleep)
    async def sleep(ctx: JobContext, payload: Sleep) -> dict[str, Any]:
        await asyncio.sleep(payload.seconds)
        return {"slept": payload.seconds}

    @registry.register("test.blocking_io", Rendezvous)
    async def blocking_io(ctx: JobContext, payload: Rendezvous) -> dict[str, Any]:
        # Blocking I/O as the handlers do it (SMTP, storage): in the loop's default executor.
        await asyncio.to_thread(BARRIERS[payload.name].wait)
        return {"met": payload.name}

    @registry.register("test.fail", Fail)
    async def fail(ctx: JobContext, payload: Fail) -> dict[str, Any]:
        if payload.permanent:
            raise PermanentError(payload.message)
        raise RuntimeError(payload.message)

    return registry


async def _now(ctx: JobContext):
    async with ctx.db.pool.connection() as conn:
        cur = await conn.execute("select clock_timestamp() as now")
        return (await cur.fetchone())["now"]


# --- stand-ins on loopback for HTTP services that cannot run here (Resend, Storage API) --------


class QuietHandler(BaseHTTPRequestHandler):
    def reply(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def serve(handler: type[QuietHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Serve handler on a free loopback port in a thread; returns the server and its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def as_user(dsn: str, email_address: str, statement: str, params: tuple = ()) -> Any:
    """Run a statement as a signed-in user in an aal2 session, as PostgREST would; commits and
    returns the first row."""
    with psycopg.connect(dsn) as conn:
        uid = conn.execute(
            "select id from auth.users where email = %s", (email_address,)
        ).fetchone()[0]
        claims = {"sub": str(uid), "role": "authenticated", "aal": "aal2"}
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        conn.execute("set local role authenticated")
        row = conn.execute(statement, params).fetchone()
        conn.commit()
        return row


def reopen_job(sql: psycopg.Connection, job_id: int, status: str = "retrying") -> None:
    """Put a finished job back in the hot table, due now, with its attempts and progress: what a
    worker that died after the effect and before recording it leaves behind."""
    sql.execute(
        """
        with finished as (delete from queue.job_history where id = %(id)s returning *)
        insert into queue.job_queue (
          id, organization_id, kind, priority, run_at, max_attempts, created_at, dedupe_key,
          payload, progress, errors, last_error, status, attempts
        )
        overriding system value
        select id, organization_id, kind, priority, now(), max_attempts, created_at, dedupe_key,
          payload, progress, errors, last_error, %(status)s, attempts
        from finished
        """,
        {"id": job_id, "status": status},
    )
