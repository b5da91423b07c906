"""Every job kind the worker runs, registered in one registry."""

from __future__ import annotations

from worker.registry import Registry


def build_registry() -> Registry:
    from worker.handlers import documents, email, exports, webhooks

    registry = Registry()
    for module in (email, documents, webhooks, exports):
        module.register(registry)
    return registry
