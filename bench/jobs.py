"""The job kinds scripts/bench runs through the real worker: bench.noop (nothing) and
bench.stamp (records when its handler started, for enqueue-to-start latency)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel

from worker.registry import JobContext, Registry


class Empty(BaseModel):
    pass


def build_registry() -> Registry:
    registry = Registry()

    @registry.register("bench.noop", Empty)
    async def noop(ctx: JobContext, payload: Empty) -> dict[str, Any]:
        return {}

    @registry.register("bench.stamp", Empty)
    async def stamp(ctx: JobContext, payload: Empty) -> dict[str, Any]:
        return {"started": time.time()}

    return registry
