from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
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
from worker.runner import Worker

WORKER_ROLE = "fieldbase_worker"
# The job kinds of tests/worker/support.py (test.noop, test.record, test.sleep, test.fail).
TEST_REGISTRY = "tests.worker.support:build_registry"
REPO = Path(__file__).resolve().parents[2]


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
        reap_seconds=0.5,
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
    return sql.execute("select * from queue.all_jobs where id = %s", (job_id,)).fetchone()


def configured(settings: Settings, **overrides: Any) -> Settings:
    """The settings with some values changed, validated as the environment would be."""
    return Settings.model_validate({**settings.model_dump(), **overrides})


async def run_to_end(worker: Worker, once: bool = False) -> int:
    try:
        return await worker.run(once=once)
    finally:
        await worker.services.aclose()


@pytest.fixture
def run(settings: Settings) -> Callable[..., int]:
    """Run a worker until nothing is ready; returns how many jobs it processed."""
    return lambda **overrides: asyncio.run(
        run_to_end(build_worker(configured(settings, **overrides)), once=True)
    )


# --- workers in a subprocess or a background thread -------------------------------------------


def wait_until(predicate: Callable[[], Any], timeout: float = 15, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(every)


class WorkerProcess:
    """`python -m worker run` in its own process, configured by environment variables."""

    def __init__(self, settings: Settings, log_path: Path, **overrides: Any):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        # Secrets as themselves: a JSON dump masks them ("**********").
        secrets = {
            name: value.get_secret_value()
            for name, value in settings.model_dump().items()
            if hasattr(value, "get_secret_value")
        }
        values = {**settings.model_dump(mode="json"), **secrets, **overrides}
        for key, value in values.items():
            if value is None:
                continue
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            env[f"FIELDBASE_WORKER_{key.upper()}"] = (
                json.dumps(value) if isinstance(value, list | dict) else str(value)
            )
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worker", "run"],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._log.close()


class BackgroundWorker:
    """A Worker running its asyncio loop in a thread until stop()."""

    def __init__(self, settings: Settings):
        self.worker = build_worker(settings)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(run_to_end(self.worker))
        except BaseException as error:  # surfaced by stop()
            self.error = error

    def __enter__(self) -> BackgroundWorker:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.loop.call_soon_threadsafe(self.worker.request_stop)
        self.thread.join(30)
        assert not self.thread.is_alive(), "the worker did not stop"
        if self.error:
            raise self.error


class InboundServer:
    """worker/inbound.py's waitress server on a free loopback port, in a background thread."""

    def __init__(self, settings: Settings, **overrides: Any):
        from fieldbase_local.net import free_port
        from worker.inbound import Inbound, create_server

        port = overrides.pop("inbound_port", None) or free_port()
        # Twilio signs the URL it calls: by default the server is reached where it listens.
        overrides.setdefault("public_url", f"http://127.0.0.1:{port}")
        self.settings = configured(
            settings, inbound_host="127.0.0.1", inbound_port=port, **overrides
        )
        self.app = Inbound(self.settings)
        self.server = create_server(self.settings, self.app)
        self.url = f"http://127.0.0.1:{self.settings.inbound_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> InboundServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.close()
        self.app.pool.close()
        self.thread.join(10)
