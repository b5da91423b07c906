"""The queue's redesign (hot table, history, running counters) applied to a live database with
jobs in flight, as `supabase db push` applies it to a project whose workers keep running: the
jobs queued, running, retrying, finished and dead before it are all where they belong after it,
and the running ones finish under the leases they were claimed with."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from fieldbase_local import settings, supabase_cli

REDESIGN = "20261207085332_queue_hot_path.sql"
ORGANIZATION = "0a000000-0000-4000-8000-000000000001"


def project_before_the_redesign(tmp_path: Path) -> Path:
    supabase_dir = tmp_path / "supabase"
    (supabase_dir / "migrations").mkdir(parents=True)
    shutil.copy(settings.SUPABASE_DIR / "config.toml", supabase_dir / "config.toml")
    for migration in sorted((settings.SUPABASE_DIR / "migrations").glob("*.sql")):
        if migration.name >= REDESIGN:
            break
        shutil.copy(migration, supabase_dir / "migrations" / migration.name)
    return tmp_path


def test_jobs_in_flight_before_the_redesign_finish_after_it(bootstrapped_db, tmp_path):
    supabase_cli.push(bootstrapped_db.dsn(), workdir=project_before_the_redesign(tmp_path))
    with psycopg.connect(bootstrapped_db.dsn(), autocommit=True) as conn:
        conn.execute(
            "insert into public.organizations (id, name, slug) values (%s, 'Acme', 'acme')",
            (ORGANIZATION,),
        )

        def enqueue(kind: str, organization: str | None = None, key: str | None = None) -> int:
            return conn.execute(
                "select queue.enqueue(%s, %s, %s, %s)", (kind, Jsonb({"n": 1}), organization, key)
            ).fetchone()[0]

        succeeded = enqueue("email.done")
        dead = enqueue("email.dead")
        running = enqueue("email.running", ORGANIZATION)
        retrying = enqueue("email.retrying", ORGANIZATION)
        queued = enqueue("email.waiting", key="invoice:1")
        for job_id in (succeeded, dead, running, retrying):
            conn.execute(
                "update queue.job_queue set status = 'running', attempts = 1,"
                " lease_owner = 'old-worker', lease_expires_at = now() + interval '5 minutes',"
                " started_at = now() where id = %s",
                (job_id,),
            )
        conn.execute(
            "select queue.complete('old-worker', %s)", (Jsonb([{"id": succeeded, "result": {}}]),)
        )
        conn.execute(
            "select queue.fail('old-worker', %s)",
            (Jsonb([{"id": dead, "error": "refused", "permanent": True}]),),
        )
        conn.execute(
            "select queue.fail('old-worker', %s)", (Jsonb([{"id": retrying, "error": "busy"}]),)
        )
        last_id = conn.execute("select max(id) from queue.job_queue").fetchone()[0]

    # The redesign, with everything above in the table.
    output = supabase_cli.push(bootstrapped_db.dsn())
    assert f"Applying migration {REDESIGN}" in output

    with psycopg.connect(bootstrapped_db.dsn(), autocommit=True) as conn:
        statuses = dict(conn.execute("select id, status::text from queue.job_queue").fetchall())
        assert statuses == {running: "running", retrying: "retrying", queued: "queued"}
        history = dict(conn.execute("select id, status::text from queue.job_history").fetchall())
        assert history == {succeeded: "succeeded", dead: "dead"}
        # The organization's running job is counted for its cap.
        assert conn.execute(
            "select running from queue.organization_running_jobs where organization_id = %s",
            (ORGANIZATION,),
        ).fetchone() == (1,)

        # The worker that held the running job before finishes it after, under its lease.
        completed = conn.execute(
            "select queue.complete('old-worker', %s)", (Jsonb([{"id": running, "result": {}}]),)
        ).fetchall()
        assert completed == [(running,)]
        assert conn.execute(
            "select status::text from queue.job_history where id = %s", (running,)
        ).fetchone() == ("succeeded",)
        assert conn.execute(
            "select running from queue.organization_running_jobs where organization_id = %s",
            (ORGANIZATION,),
        ).fetchone() == (0,)

        # The waiting job is claimed as before, and still dedupes its key.
        assert conn.execute(
            "select queue.enqueue('email.waiting', '{}'::jsonb, null, 'invoice:1')"
        ).fetchone() == (queued,)
        claimed = [
            r[0]
            for r in conn.execute("select id from queue.claim('new-worker', null, 10)").fetchall()
        ]
        assert queued in claimed

        # The dead job is retried from the history; new ids continue past the old ones.
        assert conn.execute("select queue.retry_dead(%s)", (dead,)).fetchone() == (True,)
        assert conn.execute(
            "select status::text from queue.job_queue where id = %s", (dead,)
        ).fetchone() == ("queued",)
        assert enqueue_after(conn) > last_id


def enqueue_after(conn: psycopg.Connection) -> int:
    return conn.execute("select queue.enqueue('email.later', '{}'::jsonb)").fetchone()[0]
