"""Assembles the worker: registry and services (its HTTP server has only /healthz and /metrics;
the endpoints that face the internet are worker/inbound.py, a process of their own)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Any

from worker.config import Settings
from worker.registry import Registry
from worker.runner import Worker
from worker.services import build_services

log = logging.getLogger(__name__)


def load_registry(spec: str) -> Registry:
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function or "build_registry")()


def build_worker(settings: Settings, services: Any = None) -> Worker:
    return Worker(
        settings,
        load_registry(settings.registry),
        services or build_services(settings),
    )


async def run(settings: Settings, once: bool = False) -> int:
    services = build_services(settings)
    try:
        return await build_worker(settings, services).run(once=once)
    finally:
        await services.aclose()


def main_run(settings: Settings, once: bool) -> int:
    if settings.event_loop == "uvloop":
        import uvloop

        return uvloop.run(run(settings, once))
    return asyncio.run(run(settings, once))
