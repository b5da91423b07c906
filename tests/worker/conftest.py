from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from fieldbase_local.mailsink import MailSink
from fieldbase_local.testing import Database
from fieldbase_local.webhook_receiver import WebhookReceiver
from tests.worker import support
from worker.app import build_worker
from worker.config import Settings
from worker.registry import Registry

WORKER_ROLE = "fieldbase_worker"


@pytest.fixture
def db(fresh_db: Database) -> Database:
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute(support.RUNS_TABLE_SQL)
    return fresh_db


@pytest.fixture
def sql(db: Database):
    """A connection as the schema owner (what migrations and SQL callers of queue.* are)."""
    with psycopg.connect(db.dsn(), autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def mail_sink(tmp_path: Path):
    with MailSink(tmp_path / "mail") as sink:
        yield sink


@pytest.fixture
def receiver():
    with WebhookReceiver() as r:
        yield r


@pytest.fixture
def settings(db: Database, tmp_path: Path, mail_sink: MailSink) -> Settings:
    return Settings(
        database_url=db.dsn(WORKER_ROLE),
        worker_id="test-worker",
        http_port=0,
        poll_seconds=0.2,
        lease_seconds=5,
        heartbeat_seconds=1,
        shutdown_grace_seconds=2,
        storage_dir=tmp_path / "storage",
        smtp_port=mail_sink.port,
        webhook_allow_private_targets=True,
        email_from="fieldbase <no-reply@fieldbase.test>",
        app_url="https://app.fieldbase.test",
    )


def enqueue(sql: psycopg.Connection, kind: str, payload: dict[str, Any] | None = None, **kw) -> int:
    args = ", ".join(f"{k} => %({k})s" for k in kw)
    return sql.execute(
        f"select queue.enqueue(%(kind)s, %(payload)s::jsonb{', ' + args if args else ''}) as id",
        {"kind": kind, "payload": json.dumps(payload or {}), **kw},
    ).fetchone()["id"]


def job(sql: psycopg.Connection, job_id: int) -> dict[str, Any]:
    return sql.execute("select * from queue.job_queue where id = %s", (job_id,)).fetchone()


def run_once(settings: Settings, registry: Registry | None = None, **overrides) -> int:
    """Run a worker until nothing is ready; returns how many jobs it processed."""
    settings = settings.model_copy(update=overrides)
    worker = build_worker(settings)
    if registry is not None:
        worker.registry = registry
        worker.kinds = None

    async def go() -> int:
        try:
            return await worker.run(once=True)
        finally:
            await worker.services.aclose()

    return asyncio.run(go())


@pytest.fixture
def run(settings: Settings) -> Callable[..., int]:
    return lambda registry=None, **kw: run_once(settings, registry, **kw)
