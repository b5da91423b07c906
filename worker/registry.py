"""The one place job kinds are tied to their payload models and handlers."""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg_pool import PoolTimeout
from pydantic import BaseModel

from worker.config import Settings
from worker.database import Job, WorkerDatabase

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """What a handler gets besides its payload."""

    job: Job
    settings: Settings
    db: WorkerDatabase
    services: Any
    cpu: Executor | None = None
    # Payload keys dropped from the job once it succeeded (secrets).
    redact: list[str] = field(default_factory=list)

    async def save_progress(self, **progress: Any) -> None:
        """Remember an effect that happened, so a retry of this job skips it. The effect is out
        in the world already: a database that is unreachable for a moment (a restart, a
        failover) is waited for rather than turned into a retry that would repeat it."""
        self.job.progress.update(progress)
        await until_reachable(
            lambda: self.db.save_progress(self.job.id, progress),
            give_up_after=self.settings.progress_patience_seconds,
        )

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound work (rendering) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.cpu, fn, *args)


Handler = Callable[[JobContext, Any], Awaitable[dict[str, Any] | None]]


async def until_reachable(call: Callable[[], Awaitable[T]], give_up_after: float) -> T:
    """Run a database call, retrying while the database cannot be reached (connection errors,
    an exhausted pool), with backoff, for at most give_up_after seconds."""
    deadline = time.monotonic() + give_up_after
    backoff = 0.05
    while True:
        try:
            return await call()
        except (psycopg.OperationalError, PoolTimeout) as error:
            if time.monotonic() + backoff > deadline:
                raise
            log.warning("database unreachable, retrying in %.2fs: %s", backoff, error)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)


@dataclass(frozen=True)
class Registration:
    kind: str
    payload_model: type[BaseModel]
    handler: Handler


class Registry:
    def __init__(self) -> None:
        self._by_kind: dict[str, Registration] = {}

    def register(self, kind: str, payload_model: type[BaseModel]) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            if kind in self._by_kind:
                raise ValueError(f"job kind {kind!r} is registered twice")
            self._by_kind[kind] = Registration(kind, payload_model, handler)
            return handler

        return decorate

    def get(self, kind: str) -> Registration | None:
        return self._by_kind.get(kind)

    def kinds(self, patterns: Iterable[str] = ()) -> list[str]:
        """Registered kinds matching any of the patterns ('email.*'); all when none given."""
        patterns = list(patterns)
        return sorted(
            kind
            for kind in self._by_kind
            if not patterns or any(fnmatch.fnmatchcase(kind, p) for p in patterns)
        )
