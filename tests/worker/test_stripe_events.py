"""Stripe events at the worker's /hooks/stripe: verified with Stripe's library, recorded once by
event id, applied to the invoice the payment intent's metadata names, and only from the Stripe
account its organization connected. The events are signed here as Stripe signs them."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from tests.worker.conftest import InboundServer
from tests.worker.stripe_api import signed

ACME = "a1000000-0000-4000-8000-000000000000"
CITY_DELI = "a3000000-0000-4000-8000-000000000001"
SECRET = "whsec_test_" + "c3RyaXBlLXNpZ25pbmctc2VjcmV0"


def stripe_signature(payload: str, secret: str = SECRET, at: int | None = None) -> str:
    """Stripe-Signature as Stripe sends it, signed with this module's endpoint secret."""
    return signed(payload, secret, at)


def event(kind: str, obj: dict, account: str | None = None, event_id: str | None = None) -> str:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": kind,
        "api_version": "2025-10-29.clover",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
    if account:
        body["account"] = account
    return json.dumps(body)


def payment_intent(reference: str, amount: int, pi: str = "pi_1", currency: str = "usd") -> dict:
    return {
        "id": pi,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "created": int(time.time()),
        "status": "succeeded",
        "metadata": {"fieldbase_payment_reference": reference},
    }


@pytest.fixture
def invoice(sql):
    """A sent invoice of 150.00 to City Deli; returns (id, payment_reference)."""
    row = sql.execute(
        """
        with made as (
          insert into public.invoices (organization_id, customer_id, title)
          values (%s, %s, 'Annual test') returning id
        ), line as (
          insert into public.invoice_lines (organization_id, invoice_id, description,
            unit_price_cents, taxable)
          select %s, id, 'Annual backflow test', 15000, false from made returning invoice_id
        )
        select invoice_id from line
        """,
        (ACME, CITY_DELI, ACME),
    ).fetchone()
    issued = sql.execute(
        "select id, payment_reference::text from private.issue_invoice(%s)", (row["invoice_id"],)
    ).fetchone()
    return issued["id"], issued["payment_reference"]


@pytest.fixture
def hooks(settings):
    with InboundServer(settings, stripe_webhook_secret=SECRET) as inbound:
        url = f"{inbound.url}/hooks/stripe"

        def post(body: str, signature: str | None = None) -> httpx.Response:
            return httpx.post(
                url,
                content=body,
                headers={"Stripe-Signature": signature or stripe_signature(body)},
                timeout=10,
            )

        yield post


def balance(sql, invoice_id) -> tuple[str, int, int]:
    row = sql.execute(
        "select status::text, paid_cents, balance_cents from public.invoices where id = %s",
        (invoice_id,),
    ).fetchone()
    return row["status"], row["paid_cents"], row["balance_cents"]


def test_a_verified_payment_settles_the_invoice_once_however_often_replayed(sql, hooks, invoice):
    invoice_id, reference = invoice
    body = event("payment_intent.succeeded", payment_intent(reference, 6000, "pi_part"))
    first = hooks(body)
    replayed = hooks(body)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert replayed.status_code == 200 and replayed.json()["outcome"] == "duplicate"
    assert balance(sql, invoice_id) == ("partially_paid", 6000, 9000)

    rest = hooks(event("payment_intent.succeeded", payment_intent(reference, 9000, "pi_rest")))
    assert rest.json()["outcome"] == "applied"
    assert balance(sql, invoice_id) == ("paid", 15000, 0)
    payments = sql.execute(
        "select method::text, stripe_payment_intent_id from public.payments"
        " where invoice_id = %s order by amount_cents",
        (invoice_id,),
    ).fetchall()
    assert [(p["method"], p["stripe_payment_intent_id"]) for p in payments] == [
        ("stripe", "pi_part"),
        ("stripe", "pi_rest"),
    ]
    # The same payment intent in a new event (Stripe resends with new ids) credits nothing more.
    again = hooks(event("payment_intent.succeeded", payment_intent(reference, 9000, "pi_rest")))
    assert again.json()["outcome"] == "applied"
    assert balance(sql, invoice_id) == ("paid", 15000, 0)


def test_forged_and_stale_events_are_refused_and_change_nothing(sql, hooks, invoice):
    invoice_id, reference = invoice
    body = event("payment_intent.succeeded", payment_intent(reference, 15000))
    forged = hooks(body, stripe_signature(body, secret="whsec_someone_else"))
    stale = hooks(body, stripe_signature(body, at=int(time.time()) - 3600))
    tampered = hooks(body.replace("15000", "1"), stripe_signature(body))
    assert [r.status_code for r in (forged, stale, tampered)] == [400, 400, 400]
    assert balance(sql, invoice_id) == ("sent", 0, 15000)
    assert sql.execute("select count(*) as n from private.stripe_events").fetchone()["n"] == 0


def test_refunds_in_stripe_reopen_the_balance_once(sql, hooks, invoice):
    invoice_id, reference = invoice
    hooks(event("payment_intent.succeeded", payment_intent(reference, 15000, "pi_full")))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_full",
        "amount": 15000,
        "amount_refunded": 5000,
        "currency": "usd",
    }
    refund = event("charge.refunded", charge)
    assert hooks(refund).json()["outcome"] == "applied"
    assert hooks(refund).json()["outcome"] == "duplicate"
    assert balance(sql, invoice_id) == ("partially_paid", 10000, 5000)
    # amount_refunded is cumulative: a later event for the same charge applies only what is new.
    later = event("charge.refunded", {**charge, "amount_refunded": 7000})
    assert hooks(later).json()["outcome"] == "applied"
    assert balance(sql, invoice_id) == ("partially_paid", 8000, 7000)


def test_events_that_cannot_apply_are_recorded_with_the_reason(sql, hooks, invoice):
    invoice_id, reference = invoice
    sql.execute(
        "insert into public.billing_settings (organization_id, stripe_account_id)"
        " values (%s, 'acct_acme') on conflict (organization_id)"
        " do update set stripe_account_id = excluded.stripe_account_id",
        (ACME,),
    )
    cases = {
        # Another organization's connected account cannot pay Acme's invoice.
        "other_account": event(
            "payment_intent.succeeded", payment_intent(reference, 100, "pi_a"), account="acct_evil"
        ),
        # The platform account either, once Acme has its own.
        "platform": event("payment_intent.succeeded", payment_intent(reference, 100, "pi_b")),
        "overpaid": event(
            "payment_intent.succeeded",
            payment_intent(reference, 20000, "pi_c"),
            account="acct_acme",
        ),
        "currency": event(
            "payment_intent.succeeded",
            payment_intent(reference, 100, "pi_d", currency="eur"),
            account="acct_acme",
        ),
        "unknown": event(
            "payment_intent.succeeded",
            payment_intent(str(uuid.uuid4()), 100, "pi_e"),
            account="acct_acme",
        ),
        "no_reference": event(
            "payment_intent.succeeded",
            {**payment_intent(reference, 100, "pi_f"), "metadata": {"x": "';drop table"}},
            account="acct_acme",
        ),
        "other_type": event("customer.created", {"id": "cus_1"}, account="acct_acme"),
    }
    outcomes = {name: hooks(body).json()["outcome"] for name, body in cases.items()}
    assert outcomes.pop("overpaid").startswith(
        "refused: A payment of 20000 is more than the balance of 15000 on invoice "
    )
    assert outcomes == {
        "other_account": "refused: the event is not from the organization's Stripe account",
        "platform": "refused: the event is not from the organization's Stripe account",
        "currency": "refused: the currency is not the invoice's",
        "unknown": "refused: no such invoice",
        "no_reference": "refused: no fieldbase invoice named",
        "other_type": "ignored",
    }
    assert balance(sql, invoice_id) == ("sent", 0, 15000)
    recorded = sql.execute(
        "select count(*) as n from private.stripe_events where outcome like 'refused:%%'"
    ).fetchone()
    assert recorded["n"] == 6
    good = event(
        "payment_intent.succeeded", payment_intent(reference, 15000, "pi_g"), account="acct_acme"
    )
    assert hooks(good).json()["outcome"] == "applied"
    assert balance(sql, invoice_id) == ("paid", 15000, 0)
