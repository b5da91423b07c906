"""Every job kind the worker runs, registered in one registry."""

from __future__ import annotations

from worker.registry import Registry


def build_registry() -> Registry:
    from worker.handlers import (
        billing,
        documents,
        email,
        exports,
        imports,
        messages,
        organizations_leaving,
        webhooks,
    )

    registry = Registry()
    for module in (
        email,
        documents,
        webhooks,
        exports,
        billing,
        organizations_leaving,
        imports,
        messages,
    ):
        module.register(registry)
    return registry
