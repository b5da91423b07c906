"""The inbound endpoints face the internet: slow and half-open clients hold no thread, are cut
off after the timeout, and never stop /healthz, a signed Stripe event or the jobs. Once they
were served by wsgiref in the worker's own process, a thread per connection and no timeout:
500 half-sent requests held 500 threads, still climbing."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time

import httpx

from fieldbase_local.net import free_port
from tests.worker.conftest import (
    REPO,
    TEST_REGISTRY,
    BackgroundWorker,
    InboundServer,
    configured,
    enqueue,
    wait_until,
)
from tests.worker.test_stripe_events import SECRET, event, invoice, payment_intent, stripe_signature

__all__ = ["invoice"]  # the fixture, imported for use here

HALF_OPEN = 300
SLOW_BODIES = 30


def flood(port: int) -> list[socket.socket]:
    """Connections that never finish their request: headers cut short, or a body that stalls."""
    sockets = []
    for n in range(HALF_OPEN + SLOW_BODIES):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if n < HALF_OPEN:
            s.sendall(b"POST /hooks/stripe HTTP/1.1\r\nHost: x\r\nStripe-Signature: t=1")
        else:
            s.sendall(b"POST /hooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        sockets.append(s)
    return sockets


def closed_by_server(s: socket.socket) -> bool:
    try:
        s.settimeout(0.2)
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_a_flood_of_half_sent_requests_holds_no_thread_and_is_cut_off(sql, settings, invoice):
    invoice_id, reference = invoice
    jobs = [enqueue(sql, "test.noop") for _ in range(40)]
    with (
        InboundServer(settings, stripe_webhook_secret=SECRET, inbound_timeout_seconds=2) as inbound,
        BackgroundWorker(configured(settings, registry=TEST_REGISTRY)),
    ):
        sockets = flood(inbound.settings.inbound_port)
        try:
            health = httpx.get(f"{inbound.url}/healthz", timeout=3)
            body = event("payment_intent.succeeded", payment_intent(reference, 15000))
            paid = httpx.post(
                f"{inbound.url}/hooks/stripe",
                content=body,
                headers={"Stripe-Signature": stripe_signature(body)},
                timeout=3,
            )
            wait_until(
                lambda: (
                    sql.execute(
                        "select count(*) as n from queue.all_jobs"
                        " where id = any(%s) and status = 'succeeded'",
                        (jobs,),
                    ).fetchone()["n"]
                    == len(jobs)
                ),
                timeout=10,
            )
            # The server hangs up on every connection that stayed silent past the timeout.
            wait_until(lambda: all(closed_by_server(s) for s in sockets), timeout=15, every=0.5)
        finally:
            for s in sockets:
                with contextlib.suppress(OSError):
                    s.close()
    assert health.status_code == 200
    assert paid.status_code == 200 and paid.json()["outcome"] == "applied"
    status = sql.execute("select status::text from public.invoices where id = %s", (invoice_id,))
    assert status.fetchone()["status"] == "paid"


def test_oversized_headers_and_bodies_are_refused_before_any_handler(settings):
    with InboundServer(settings, stripe_webhook_secret=SECRET) as inbound:
        huge_header = httpx.post(
            f"{inbound.url}/hooks/stripe",
            content=b"{}",
            headers={"Stripe-Signature": "t=1," + "v1=" + "a" * 40_000},
            timeout=5,
        )
        huge_body = httpx.post(
            f"{inbound.url}/hooks/stripe", content=b"x" * (2 * 1024 * 1024), timeout=5
        )
    assert huge_header.status_code in (400, 431)
    assert huge_body.status_code == 413


def test_the_inbound_endpoints_run_as_a_process_of_their_own(settings):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "FIELDBASE_WORKER_DATABASE_URL": settings.database_url,
        "FIELDBASE_WORKER_INBOUND_HOST": "127.0.0.1",
        "FIELDBASE_WORKER_INBOUND_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "worker", "inbound"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.1)
                return False

        assert wait_until(healthy, timeout=20)
        unconfigured = httpx.post(f"http://127.0.0.1:{port}/hooks/stripe", content=b"{}")
        assert unconfigured.status_code == 404, "no secret: the endpoint is off"
    finally:
        process.terminate()
        process.wait(10)
