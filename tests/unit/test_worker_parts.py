"""Small parts of the worker, without a database."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from worker import app, netguard, queries
from worker.config import Settings
from worker.handlers import build_registry
from worker.handlers.documents import storage_path
from worker.handlers.webhooks import pinned
from worker.mail import retry_after_seconds
from worker.ratelimit import RateLimiter
from worker.registry import Registry
from worker.storage import LocalStorage


def test_named_queries_parse_and_every_name_is_unique():
    parsed = queries.parse("-- name: a\nselect 1;\n\n-- name: b\nselect 2;\n")
    assert parsed == {"a": "select 1", "b": "select 2"}
    with pytest.raises(ValueError, match="defined twice"):
        queries.parse("-- name: a\nselect 1;\n-- name: a\nselect 2;\n")
    assert {"claim", "complete", "fail", "heartbeat", "release"} <= set(queries.all_queries())
    with pytest.raises(KeyError, match="no query named"):
        queries.query("nope")


def test_registry_matches_kind_patterns_and_refuses_duplicates():
    registry = build_registry()
    assert registry.kinds(["pdf.*"]) == ["pdf.render"]
    assert "webhook.deliver" in registry.kinds()
    empty = Registry()

    class P(BaseModel):
        pass

    empty.register("a.b", P)(lambda ctx, p: None)
    with pytest.raises(ValueError, match="registered twice"):
        empty.register("a.b", P)(lambda ctx, p: None)


def test_rate_limiter_spaces_out_acquisitions_per_key():
    async def go() -> float:
        limiter = RateLimiter(rate=20, burst=1)
        started = time.monotonic()
        for _ in range(5):
            await limiter.acquire("endpoint-a")
        await limiter.acquire("endpoint-b")  # another key is not held back
        return time.monotonic() - started

    assert 0.18 <= asyncio.run(go()) < 1


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "30"})) == 30
    assert retry_after_seconds(httpx.Response(503)) is None
    dated = httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(dated) == 0


def test_requests_are_pinned_to_the_checked_address():
    target = netguard.Target(
        "https://hooks.example.com:8443/in?x=1", "hooks.example.com", "93.184.216.34"
    )
    url, headers, extensions = pinned(target)
    assert url == "https://93.184.216.34:8443/in?x=1"
    assert headers == {"host": "hooks.example.com:8443"}
    assert extensions == {"sni_hostname": "hooks.example.com"}
    v6 = pinned(netguard.Target("http://h.example/", "h.example", "2606:4700::1"))
    assert v6[0] == "http://[2606:4700::1]/"


def test_urls_that_are_not_plain_http_are_refused():
    for url in ("file:///etc/passwd", "http://user:pw@example.com/", "gopher://example.com"):
        with pytest.raises(netguard.RefusedTarget):
            asyncio.run(netguard.resolve(url, allow_private=True))


def test_storage_paths_stay_inside_the_organization(tmp_path):
    assert storage_path("org", "invoice", "INV/../1 2") == "org/invoice/INV-..-1-2.pdf"
    storage = LocalStorage(tmp_path)
    for bad in ("../x.pdf", "/etc/passwd", "org//x.pdf", "org/../x"):
        with pytest.raises(ValueError, match="invalid storage path"):
            asyncio.run(storage.put(bad, b"x", "application/pdf"))


def test_settings_are_checked():
    with pytest.raises(ValueError, match="heartbeat_seconds must be shorter"):
        Settings(lease_seconds=5, heartbeat_seconds=10)
    with pytest.raises(ValueError, match="reap_seconds must be shorter"):
        Settings(lease_seconds=5, heartbeat_seconds=1, reap_seconds=5)
    with pytest.raises(ValueError, match="needs FIELDBASE_WORKER_RESEND_API_KEY"):
        Settings(email_backend="resend")
    assert Settings(listen_url="off").effective_listen_url is None


def test_production_refuses_the_local_defaults():
    with pytest.raises(
        ValidationError,
        match="FIELDBASE_WORKER_APP_URL and FIELDBASE_WORKER_EMAIL_FROM and "
        "FIELDBASE_WORKER_PUBLIC_URL and FIELDBASE_WORKER_UNSUBSCRIBE_SECRET",
    ):
        Settings(environment="production")
    public = {
        "app_url": "https://app.example.com",
        "email_from": "Co <no-reply@example.com>",
        "public_url": "https://hooks.example.com",
        "unsubscribe_secret": "a-long-random-secret",
    }
    with pytest.raises(ValidationError, match="FIELDBASE_WORKER_UNSUBSCRIBE_SECRET"):
        # A short secret would let anyone forge unsubscribe links.
        Settings(environment="production", **{**public, "unsubscribe_secret": "short"})
    with pytest.raises(ValidationError, match="private addresses"):
        Settings(environment="production", webhook_allow_private_targets=True, **public)
    ready = Settings(environment="production", **public)
    assert ready.environment == "production"


@pytest.mark.parametrize(
    ("setting", "loop_module"), [({}, "uvloop"), ({"event_loop": "asyncio"}, "asyncio")]
)
def test_the_worker_runs_on_the_event_loop_it_is_set_to(monkeypatch, setting, loop_module):
    async def report_the_loop(settings: Settings, once: bool) -> str:
        return type(asyncio.get_running_loop()).__module__

    monkeypatch.setattr(app, "run", report_the_loop)
    assert app.main_run(Settings(**setting), once=True).split(".")[0] == loop_module
    with pytest.raises(ValidationError, match="event_loop"):
        Settings(event_loop="trio")


def test_the_example_env_file_names_only_real_settings():
    example = Path(__file__).resolve().parents[2] / "worker" / "worker.env.example"
    names = [
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    fields = {f"FIELDBASE_WORKER_{name.upper()}" for name in Settings.model_fields}
    assert names and set(names) <= fields, set(names) - fields


def test_rendering_a_pdf_logs_nothing_at_info():
    import io
    import logging

    from pydantic import TypeAdapter

    from worker import logs, pdf

    stream = io.StringIO()
    logs.configure("INFO", stream)
    try:
        document = TypeAdapter(pdf.Document).validate_python(
            {
                "type": "estimate",
                "number": "EST-1",
                "issue_date": "2026-11-02",
                "valid_until": "2026-12-02",
                "customer": {"name": "Ünïcode Çustomer"},
                "items": [{"description": "Valve ½″", "quantity": "1", "unit_price": "640"}],
            }
        )
        pdf.render(document, {"name": "Acme", "branding": {}, "currency": "USD"})
    finally:
        logging.getLogger().handlers[:] = []
    assert stream.getvalue() == ""
