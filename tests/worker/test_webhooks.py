"""Webhooks end to end: endpoints made through the API, deliveries signed, sent to a real
receiver on loopback that verifies them, retried on the Standard Webhooks schedule."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import httpx
import pytest
from standardwebhooks import Webhook

from fieldbase_local import auth
from fieldbase_local.postgrest import PostgrestError, route
from fieldbase_local.webhook_receiver import Reply
from tests.worker.conftest import InboundServer, job
from tests.worker.support import QuietHandler, serve
from worker import netguard
from worker.netguard import is_public

ACME = "a1000000-0000-4000-8000-000000000000"
ACME_OWNER = "a0000000-0000-4000-8000-000000000001"
ACME_ADMIN = "a0000000-0000-4000-8000-000000000002"
ACME_TECH = "a0000000-0000-4000-8000-000000000004"


def call(db, user, statement, params=None):
    api = db.postgrest()
    bearer = auth.mint_access_token(db.inst, user, db.name)
    with api.request(bearer, *route(statement)) as req:
        return req.execute(statement, params).fetchall()


@pytest.fixture
def endpoint(db, receiver):
    """An endpoint an Acme admin added for the receiver; the receiver knows its secret."""
    ((endpoint_id, secret),) = call(
        db,
        ACME_ADMIN,
        "select * from public.create_webhook_endpoint(%s, %s)",
        (ACME, receiver.url + "/hooks"),
    )
    assert secret.startswith("whsec_")
    receiver.secret = secret
    return endpoint_id


def send_test(db, endpoint_id) -> tuple[str, int]:
    ((message_id,),) = call(db, ACME_ADMIN, "select public.send_test_webhook(%s)", (endpoint_id,))
    with db.connect() as conn:
        (job_id,) = conn.execute(
            "select id from queue.all_jobs where payload ->> 'message_id' = %s", (message_id,)
        ).fetchone()
    return message_id, job_id


def deliveries(sql, endpoint_id):
    return sql.execute(
        "select * from public.webhook_deliveries where endpoint_id = %s order by id", (endpoint_id,)
    ).fetchall()


def test_a_delivery_is_signed_and_verified_by_the_receiver(db, sql, run, receiver, endpoint):
    message_id, job_id = send_test(db, endpoint)
    assert run() == 1
    [delivery] = receiver.wait_for(1)
    assert delivery.verified, delivery.error
    assert delivery.path == "/hooks"
    assert delivery.headers["webhook-id"] == message_id
    assert delivery.payload["type"] == "webhook.test"
    assert delivery.payload["data"] == {"message": "This is a test event from fieldbase."}
    assert job(sql, job_id)["status"] == "succeeded"
    [logged] = deliveries(sql, endpoint)
    assert logged["succeeded"] and logged["status_code"] == 200 and logged["attempt"] == 1
    assert logged["response_excerpt"] == '{"ok":true}' and logged["latency_ms"] >= 0
    # Owners and admins read the log through the API; technicians do not see it.
    assert len(call(db, ACME_OWNER, "select * from public.webhook_deliveries")) == 1
    assert call(db, ACME_TECH, "select * from public.webhook_deliveries") == []


def test_failures_retry_on_the_schedule_with_the_same_webhook_id(db, sql, run, receiver, endpoint):
    receiver.replies = [Reply(500, body="database is down")]
    message_id, job_id = send_test(db, endpoint)
    before = dt.datetime.now(dt.UTC)
    run()
    row = job(sql, job_id)
    assert row["status"] == "retrying" and "answered 500" in row["last_error"]
    delay = (row["run_at"] - before).total_seconds()
    assert 4.5 <= delay <= 6, f"second attempt after about 5 s (Standard Webhooks), got {delay}"
    sql.execute("update queue.job_queue set run_at = now() where id = %s", (job_id,))
    run()
    assert job(sql, job_id)["status"] == "succeeded"
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message_id
    assert first.verified and second.verified
    log = deliveries(sql, endpoint)
    assert [(d["attempt"], d["status_code"], d["succeeded"]) for d in log] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert log[0]["response_excerpt"] == "database is down"
    endpoint_row = sql.execute(
        "select failing_since from public.webhook_endpoints where id = %s", (endpoint,)
    ).fetchone()
    assert endpoint_row["failing_since"] is None, "a success clears the failure streak"


def test_retry_after_is_honoured(db, sql, run, receiver, endpoint):
    receiver.replies = [Reply(429, headers={"Retry-After": "120"})]
    _, job_id = send_test(db, endpoint)
    before = dt.datetime.now(dt.UTC)
    run()
    row = job(sql, job_id)
    assert row["status"] == "retrying"
    assert (row["run_at"] - before).total_seconds() >= 120


def test_redirects_are_not_followed(db, sql, run, receiver, endpoint):
    receiver.replies = [Reply(302, headers={"Location": "http://169.254.169.254/latest"})]
    _, job_id = send_test(db, endpoint)
    run()
    assert job(sql, job_id)["status"] == "retrying"
    assert len(receiver.deliveries) == 1


def test_gone_switches_the_endpoint_off_and_tells_the_admins(db, sql, run, receiver, endpoint):
    receiver.replies = [Reply(410)]
    _, job_id = send_test(db, endpoint)
    run()
    assert job(sql, job_id)["status"] == "dead"
    row = sql.execute(
        "select active, disabled_reason from public.webhook_endpoints where id = %s", (endpoint,)
    ).fetchone()
    assert row == {"active": False, "disabled_reason": "The endpoint answered 410 Gone"}
    notified = sql.execute(
        "select user_id::text from public.notifications where kind = 'webhook.endpoint_disabled' "
        "order by user_id"
    ).fetchall()
    assert [n["user_id"] for n in notified] == [ACME_OWNER, ACME_ADMIN]
    # Events for a switched-off endpoint are not queued; switching it back on resumes them.
    with pytest.raises(PostgrestError) as switched_off:
        send_test(db, endpoint)
    assert switched_off.value.status == 409
    call(
        db,
        ACME_ADMIN,
        "update public.webhook_endpoints set active = true where id = %s returning id",
        (endpoint,),
    )
    row = sql.execute(
        "select active, disabled_reason from public.webhook_endpoints where id = %s", (endpoint,)
    ).fetchone()
    assert row == {"active": True, "disabled_reason": None}


def test_an_endpoint_failing_for_too_long_is_switched_off(db, sql, run, receiver, endpoint):
    sql.execute(
        "update public.webhook_endpoints set failing_since = now() - interval '6 days' "
        "where id = %s",
        (endpoint,),
    )
    receiver.default = Reply(503)
    _, job_id = send_test(db, endpoint)
    run()
    assert job(sql, job_id)["status"] == "dead"
    reason = sql.execute(
        "select disabled_reason from public.webhook_endpoints where id = %s", (endpoint,)
    ).fetchone()["disabled_reason"]
    assert reason.startswith("Every delivery failed since")


def test_private_targets_are_refused_unless_allowed(db, sql, run, receiver, endpoint):
    _, job_id = send_test(db, endpoint)
    run(webhook_allow_private_targets=False)
    row = job(sql, job_id)
    assert row["status"] == "dead"
    assert "is not an address on the public internet" in row["last_error"]
    assert receiver.deliveries == []
    [logged] = deliveries(sql, endpoint)
    assert not logged["succeeded"] and logged["status_code"] is None
    assert logged["error"].startswith("Refused")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not a bind
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::127.0.0.1", False),
        ("::ffff:0:7f00:1", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("64:ff9b::808:808", True),
        ("2002:7f00:1::1", False),
        ("fec0::1", False),
        ("224.0.0.1", False),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_address_classification(address, public):
    assert is_public(address) is public


def test_a_refusal_does_not_tell_the_tenant_what_an_internal_name_resolves_to():
    with pytest.raises(netguard.RefusedTarget) as refused:
        asyncio.run(netguard.resolve("http://localhost:9/hook", allow_private=False))
    message = str(refused.value)
    assert "localhost is not an address on the public internet" in message
    assert "127.0.0.1" not in message and "::1" not in message


def test_signing_secrets_are_shown_once_and_never_readable(db, endpoint):
    columns = call(db, ACME_ADMIN, "select * from public.webhook_endpoints")
    assert len(columns) == 1 and not any(
        isinstance(v, str) and v.startswith("whsec_") for v in columns[0]
    )
    with pytest.raises(PostgrestError) as refused:
        call(db, ACME_ADMIN, "select * from private.webhook_secrets")
    assert refused.value.status == 403
    ((rotated,),) = call(db, ACME_ADMIN, "select public.rotate_webhook_secret(%s)", (endpoint,))
    assert rotated.startswith("whsec_")
    with pytest.raises(PostgrestError) as hidden:
        call(db, ACME_TECH, "select public.rotate_webhook_secret(%s)", (endpoint,))
    assert hidden.value.status == 404
    with pytest.raises(PostgrestError) as denied:
        call(
            db,
            ACME_TECH,
            "select * from public.create_webhook_endpoint(%s, 'https://x.test')",
            (ACME,),
        )
    assert denied.value.status == 403


def test_resend_bounce_events_suppress_the_address(sql, settings):
    secret = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="
    event = json.dumps(
        {
            "type": "email.bounced",
            "created_at": "2026-11-21T10:00:00Z",
            "data": {
                "email_id": "re_1",
                "to": ["Gone@Example.test"],
                "bounce": {"type": "Permanent"},
            },
        }
    )
    now = dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign("msg_resend_1", now, event)
    headers = {
        "svix-id": "msg_resend_1",
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": signature,
    }
    with InboundServer(settings, resend_webhook_secret=secret) as inbound:
        url = f"{inbound.url}/hooks/resend"
        forged = httpx.post(
            url, content=event, headers={**headers, "svix-signature": "v1,Zm9yZ2Vk"}
        )
        accepted = httpx.post(url, content=event, headers=headers)
    assert forged.status_code == 401
    assert accepted.status_code == 200 and accepted.json()["suppressed"] == ["Gone@Example.test"]
    row = sql.execute("select * from private.email_suppressions").fetchone()
    assert row["email"] == "gone@example.test" and row["reason"] == "bounce"
    assert row["event_id"] == "msg_resend_1"


def _reachable(url: str) -> bool:
    try:
        httpx.get(url.rsplit("/", 2)[0] + "/healthz", timeout=1)
        return True
    except httpx.HTTPError:
        time.sleep(0.05)
        return False


class HostileReceiver(QuietHandler):
    """Answers 200, then either drips its body a byte at a time or floods it without end."""

    mode = "drip"
    sent = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        if self.mode == "drip":
            self.send_header("content-length", "1000000")
        self.end_headers()
        chunk = b"x" * (1 if self.mode == "drip" else 1024 * 1024)
        try:
            for _ in range(300):  # 300 MB flooded, or 60 s dripped, at most
                self.wfile.write(chunk)
                self.wfile.flush()
                type(self).sent += len(chunk)
                if self.mode == "drip":
                    time.sleep(0.2)
        except OSError:
            pass  # the worker hung up, as it should


def hostile_endpoint(db, mode):
    handler = type("Hostile", (HostileReceiver,), {"mode": mode, "sent": 0})
    server, url = serve(handler)
    ((endpoint_id, _secret),) = call(
        db, ACME_ADMIN, "select * from public.create_webhook_endpoint(%s, %s)", (ACME, url)
    )
    return server, handler, endpoint_id


def test_a_receiver_that_drips_its_answer_loses_the_slot_at_the_deadline(db, sql, run):
    server, _handler, endpoint_id = hostile_endpoint(db, "drip")
    try:
        _, job_id = send_test(db, endpoint_id)
        started = time.monotonic()
        run(webhook_timeout_seconds=1)
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
    assert elapsed < 5, "the deadline covers the whole exchange, not each read"
    row = job(sql, job_id)
    assert row["status"] == "retrying"
    assert "No complete answer within 1 seconds" in row["last_error"]
    [logged] = deliveries(sql, endpoint_id)
    assert not logged["succeeded"] and logged["error"] == "No complete answer within 1 seconds"


def test_a_receiver_that_floods_its_answer_is_cut_off_after_a_bounded_read(db, sql, run):
    server, handler, endpoint_id = hostile_endpoint(db, "flood")
    try:
        _, job_id = send_test(db, endpoint_id)
        run()
    finally:
        server.shutdown()
    assert job(sql, job_id)["status"] == "succeeded"
    [logged] = deliveries(sql, endpoint_id)
    assert logged["status_code"] == 200 and len(logged["response_excerpt"]) == 1000
    # The worker hung up after its cap: the receiver got nowhere near its 300 MB out.
    assert handler.sent < 32 * 1024 * 1024, handler.sent
