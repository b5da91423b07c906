"""Assembles the worker: registry, services, and the HTTP routes beside /healthz and /metrics."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from typing import Any

import psycopg
import stripe
from standardwebhooks import Webhook, WebhookVerificationError

from worker.config import Settings
from worker.queries import query
from worker.registry import Registry
from worker.runner import Worker
from worker.services import build_services

log = logging.getLogger(__name__)

MAX_HOOK_BODY = 1024 * 1024


def resend_events_route(settings: Settings):
    """POST /hooks/resend: Resend's (Svix-signed) email events; bounces and complaints
    suppress the address."""

    def handle(environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        secret = settings.resend_webhook_secret.get_secret_value()
        if not secret:
            return 404, {"error": "Resend events are not configured"}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_HOOK_BODY:
            return 400, {"error": "body too large"}
        body = environ["wsgi.input"].read(length)
        # Svix signs exactly as Standard Webhooks does, under svix-* header names.
        headers = {
            f"webhook-{name}": environ.get(f"HTTP_SVIX_{name.upper()}", "")
            for name in ("id", "timestamp", "signature")
        }
        try:
            event = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as error:
            return 401, {"error": f"signature verification failed: {error}"}
        data = event.get("data") or {}
        recipients = data.get("to") or []
        if isinstance(recipients, str):
            recipients = [recipients]
        detail = json.dumps(data.get("bounce") or data.get("complaint") or {})[:1000]
        suppressed = []
        with psycopg.connect(
            settings.database_url, autocommit=True, prepare_threshold=None
        ) as conn:
            for address in recipients:
                row = conn.execute(
                    query("record_email_event"),
                    {
                        "event_type": event.get("type"),
                        "email": address,
                        "detail": detail,
                        "event_id": headers["webhook-id"],
                    },
                ).fetchone()
                if row and row[0]:
                    suppressed.append(address)
        log.info("email event %s for %s", event.get("type"), recipients)
        return 200, {"ok": True, "suppressed": suppressed}

    return handle


def stripe_events_route(settings: Settings):
    """POST /hooks/stripe: Stripe's events, verified with Stripe's library (signature and
    timestamp tolerance), recorded once by event id and applied to the invoice they name."""

    def handle(environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        secret = settings.stripe_webhook_secret.get_secret_value()
        if not secret:
            return 404, {"error": "Stripe events are not configured"}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_HOOK_BODY:
            return 400, {"error": "body too large"}
        body = environ["wsgi.input"].read(length)
        try:
            event = stripe.Webhook.construct_event(
                body, environ.get("HTTP_STRIPE_SIGNATURE", ""), secret
            )
        except stripe.SignatureVerificationError:
            return 400, {"error": "signature verification failed"}
        except ValueError:
            return 400, {"error": "not a Stripe event"}
        payload = event.to_dict()
        with psycopg.connect(
            settings.database_url, autocommit=True, prepare_threshold=None
        ) as conn:
            outcome = conn.execute(
                query("record_stripe_event"),
                {
                    "event_id": payload.get("id"),
                    "event_type": payload.get("type"),
                    "account": payload.get("account"),
                    "object": json.dumps((payload.get("data") or {}).get("object") or {}),
                },
            ).fetchone()[0]
        log.info("stripe event %s (%s): %s", payload.get("id"), payload.get("type"), outcome)
        return 200, {"received": True, "outcome": outcome}

    return handle


def load_registry(spec: str) -> Registry:
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function or "build_registry")()


def build_worker(settings: Settings, services: Any = None) -> Worker:
    return Worker(
        settings,
        load_registry(settings.registry),
        services or build_services(settings),
        on_http_routes=lambda _worker: {
            "/hooks/resend": resend_events_route(settings),
            "/hooks/stripe": stripe_events_route(settings),
        },
    )


async def run(settings: Settings, once: bool = False) -> int:
    services = build_services(settings)
    try:
        return await build_worker(settings, services).run(once=once)
    finally:
        await services.aclose()


def main_run(settings: Settings, once: bool) -> int:
    return asyncio.run(run(settings, once))
