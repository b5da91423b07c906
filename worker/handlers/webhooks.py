"""webhook.deliver: one signed delivery of one event to one endpoint (Standard Webhooks).

webhook-id is the event's message id, the same on every retry, so receivers can drop repeats;
the signature and timestamp are made at each attempt. Only 2xx counts as delivered; 410 Gone
switches the endpoint off; Retry-After is honoured; every attempt is logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field
from standardwebhooks import Webhook

from worker import netguard
from worker.errors import PermanentError, RetryLater
from worker.mail import retry_after_seconds
from worker.registry import JobContext, Registry, until_reachable

EXCERPT_CHARS = 1000
# A receiver's answer is read up to this many bytes, then the connection is dropped: only the
# status and an excerpt matter, and a huge (or endless) body must not fill the worker's memory.
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What a receiver answered, as far as the worker read it."""

    status_code: int
    headers: dict[str, str]
    excerpt: str


async def post_bounded(
    http: httpx.AsyncClient,
    url: str,
    body: str,
    headers: dict[str, str],
    extensions,
    deadline: float,
) -> Answer:
    """POST and read the answer within one total deadline, keeping at most MAX_RESPONSE_BYTES.

    httpx's timeout is per network operation, so a receiver dripping one byte a second would
    hold a worker slot for ever; asyncio.timeout bounds the whole exchange instead. The body is
    streamed raw (identity encoding asked for), so a compressed bomb is never inflated.
    """
    async with asyncio.timeout(deadline):
        async with http.stream(
            "POST",
            url,
            content=body,
            headers={**headers, "accept-encoding": "identity"},
            timeout=deadline,
            extensions=extensions,
        ) as response:
            received = bytearray()
            async for chunk in response.aiter_raw():
                received += chunk[: MAX_RESPONSE_BYTES - len(received)]
                if len(received) >= MAX_RESPONSE_BYTES:
                    break
    excerpt = bytes(received).decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    return Answer(
        status_code=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        excerpt=excerpt,
    )


class WebhookDelivery(BaseModel):
    # The contract with the SQL that queues it: a key this model does not know is an error.
    model_config = ConfigDict(extra="forbid")
    endpoint_id: uuid.UUID
    message_id: str = Field(pattern=r"^msg_[A-Za-z0-9]+$")
    event_type: str = Field(min_length=1)
    timestamp: dt.datetime
    data: dict[str, Any]


def signed_request(secret: str, message_id: str, body: str, now: dt.datetime) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
    }


def pinned(target: netguard.Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL rewritten to the checked address, with Host and TLS server name kept."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    netloc = address + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.hostname + (f":{parts.port}" if parts.port else "")
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return url, {"host": host_header}, extensions


def register(registry: Registry) -> None:
    @registry.register("webhook.deliver", WebhookDelivery)
    async def deliver(ctx: JobContext, p: WebhookDelivery) -> dict[str, Any]:
        if ctx.job.progress.get("delivered"):
            return ctx.job.progress["delivered"]
        rows = await ctx.db.fetch("webhook_target", endpoint_id=p.endpoint_id)
        if not rows:
            return {"skipped": "the endpoint was deleted"}
        target = rows[0]
        if not target["active"]:
            return {"skipped": "the endpoint is switched off"}

        async def record(
            succeeded: bool,
            status_code: int | None = None,
            latency_ms: int | None = None,
            excerpt: str | None = None,
            error: str | None = None,
        ) -> bool:
            return await ctx.db.fetch_value(
                "record_webhook_attempt",
                endpoint_id=p.endpoint_id,
                message_id=p.message_id,
                event_type=p.event_type,
                job_id=ctx.job.id,
                attempt=ctx.job.attempts,
                succeeded=succeeded,
                status_code=status_code,
                latency_ms=latency_ms,
                response_excerpt=excerpt,
                error=error,
                disable_after_seconds=ctx.settings.webhook_disable_after_hours * 3600,
            )

        try:
            resolved = await netguard.resolve(
                target["url"], ctx.settings.webhook_allow_private_targets
            )
        except netguard.RefusedTarget as refused:
            await record(False, error=str(refused))
            raise

        body = json.dumps(
            {"type": p.event_type, "timestamp": p.timestamp.isoformat(), "data": p.data},
            separators=(",", ":"),
            sort_keys=True,
        )
        headers = signed_request(target["secret"], p.message_id, body, dt.datetime.now(dt.UTC))
        url, host, extensions = pinned(resolved)
        await ctx.services.webhook_limiter.acquire(str(p.endpoint_id))
        started = time.monotonic()
        deadline = ctx.settings.webhook_timeout_seconds
        try:
            response = await post_bounded(
                ctx.services.http, url, body, {**headers, **host}, extensions, deadline
            )
        except (httpx.HTTPError, TimeoutError) as error:
            latency = int((time.monotonic() - started) * 1000)
            if isinstance(error, TimeoutError):
                message = f"No complete answer within {deadline:g} seconds"
            else:
                message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            await record(False, latency_ms=latency, error=message)
            raise RetryLater(f"Delivery to {target['url']} failed: {message}") from None
        latency = int((time.monotonic() - started) * 1000)
        excerpt = response.excerpt
        succeeded = 200 <= response.status_code < 300
        outcome = {"status_code": response.status_code, "latency_ms": latency, "url": target["url"]}
        if succeeded:
            # Delivered: remember it first (waiting out a database that is briefly away), so
            # nothing after this point can turn into a second delivery.
            await ctx.save_progress(delivered=outcome)
            await until_reachable(
                lambda: record(True, response.status_code, latency, excerpt),
                give_up_after=ctx.settings.progress_patience_seconds,
            )
            return outcome
        still_active = await record(False, response.status_code, latency, excerpt)
        if response.status_code == 410 or not still_active:
            raise PermanentError(
                f"{target['url']} answered {response.status_code}; the endpoint is switched off"
            )
        retry_in = retry_after_seconds(response) if response.status_code in (429, 503) else None
        raise RetryLater(f"{target['url']} answered {response.status_code}", retry_in=retry_in)
