"""What tenants pay fieldbase, end to end: an owner asks for a checkout, the worker creates the
Stripe customer once and the session through the real `stripe` library (pointed at a loopback
stand-in that answers as Stripe's API does), Stripe's events arrive signed as Stripe signs them,
in order, out of order and twice, and the organization's plan and status follow what Stripe says:
a payment, a failed payment, the grace period, a recovery and a cancellation."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.worker.conftest import InboundServer, configured
from tests.worker.stripe_api import StripeApi, event, send, signed
from tests.worker.support import as_user

BETA = "b1000000-0000-4000-8000-000000000000"
ACME = "a1000000-0000-4000-8000-000000000000"
SECRET = "whsec_test_" + "YmlsbGluZy1zaWduaW5nLXNlY3JldA"
MONTHLY, YEARLY = "price_starter_monthly", "price_starter_yearly"


@pytest.fixture
def stripe_api():
    api = StripeApi({MONTHLY, YEARLY, "price_unknown_to_fieldbase"})
    yield api
    api.close()


@pytest.fixture
def billing(settings, stripe_api, sql):
    sql.execute(
        "update public.plans set stripe_price_monthly = %s, stripe_price_yearly = %s"
        " where id = 'starter'",
        (MONTHLY, YEARLY),
    )
    return configured(
        settings,
        stripe_api_key="sk_test_fieldbase",
        stripe_api_base=stripe_api.url,
        stripe_billing_webhook_secret=SECRET,
    )


def as_owner(db, statement: str, params: tuple = ()):
    """Run a statement as Beta's owner (aal2), as PostgREST would."""
    return as_user(db.dsn(), "bea.owner@beta.test", statement, params)


def organization(sql, org: str = BETA) -> dict:
    return sql.execute(
        "select plan_id, status::text, billing_interval, stripe_customer_id,"
        " stripe_subscription_id, past_due_since, suspended_for, current_period_end"
        " from public.organizations where id = %s",
        (org,),
    ).fetchone()


def suspended_after(sql, days: int) -> str:
    """How many organizations the billing schedule suspends when run `days` from now."""
    return sql.execute(
        "select private.run_billing_schedule(now() + make_interval(days => %s))"
        " ->> 'suspended' as n",
        (days,),
    ).fetchone()["n"]


def notices(mail_sink) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the sink received."""
    return [(message["To"], message["Subject"]) for message in mail_sink.messages]


def test_checkout_payment_failure_grace_recovery_and_cancellation(
    db, sql, billing, stripe_api, run, mail_sink
):
    # The owner asks for a checkout; the worker answers with Stripe's URL.
    session_id = as_owner(
        db, "select id from public.start_subscription_checkout(%s, 'starter', 'month')", (BETA,)
    )[0]
    run(**billing.model_dump())
    session = sql.execute(
        "select * from public.billing_sessions where id = %s", (session_id,)
    ).fetchone()
    assert session["status"] == "ready", session
    assert session["url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert session["expires_at"] is not None
    customer = organization(sql)["stripe_customer_id"]
    assert customer in stripe_api.customers
    created = stripe_api.requests_to("/v1/checkout/sessions")[0]
    assert created["params"]["client_reference_id"] == BETA
    assert created["params"]["line_items"] == [{"price": MONTHLY, "quantity": "1"}]
    assert created["params"]["customer"] == customer
    assert all(r["idempotency_key"] for r in stripe_api.requests if r["method"] == "POST")

    # A second checkout (the owner closed the tab) reuses the customer: never created twice.
    as_owner(
        db, "select id from public.start_subscription_checkout(%s, 'starter', 'year')", (BETA,)
    )
    run(**billing.model_dump())
    assert len(stripe_api.requests_to("/v1/customers")) == 1
    assert len(stripe_api.customers) == 1

    with InboundServer(billing) as inbound:
        # The customer pays. Stripe sends subscription.created before checkout.session.completed
        # here, and the checkout event twice.
        checkout = stripe_api.complete_checkout(created_session_id(stripe_api, MONTHLY))
        subscription = stripe_api.subscriptions[checkout["subscription"]]
        created_event = event("customer.subscription.created", subscription)
        assert send(inbound.url, created_event, SECRET).json()["outcome"].startswith("applied")
        completed = event("checkout.session.completed", checkout)
        assert send(inbound.url, completed, SECRET).status_code == 200
        assert send(inbound.url, completed, SECRET).json()["outcome"] == "duplicate"
        run(**billing.model_dump())
        state = organization(sql)
        assert (state["plan_id"], state["status"], state["billing_interval"]) == (
            "starter",
            "active",
            "month",
        )
        assert state["stripe_subscription_id"] == subscription["id"]
        assert state["current_period_end"] is not None

        # A payment fails: past due, the owners are told once, even when Stripe retries.
        stripe_api.set_subscription(subscription["id"], status="past_due")
        failed = event(
            "invoice.payment_failed", stripe_api.invoice(subscription["id"], 4900, "open")
        )
        send(inbound.url, failed, SECRET)
        assert send(inbound.url, failed, SECRET).json()["outcome"] == "duplicate"
        run(**billing.model_dump())
        state = organization(sql)
        assert state["status"] == "past_due" and state["past_due_since"] is not None
        # Still working during the grace period.
        sql.execute("select private.assert_organization_writable(%s)", (BETA,))

        # The grace period (14 days on Starter) passes unpaid: suspended for non-payment.
        assert [suspended_after(sql, days) for days in (13, 15, 16)] == ["0", "1", "0"]
        state = organization(sql)
        assert (state["status"], state["suspended_for"]) == ("suspended", "non_payment")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="suspended"):
            sql.execute("select private.assert_organization_writable(%s)", (BETA,))
        # An old event arriving late changes nothing: the sync reads Stripe (still past_due).
        send(
            inbound.url,
            event("customer.subscription.updated", {**subscription, "status": "active"}),
            SECRET,
        )
        run(**billing.model_dump())
        assert organization(sql)["status"] == "suspended"

        # The payment goes through: active again, and the owners are told.
        stripe_api.set_subscription(subscription["id"], status="active")
        send(
            inbound.url,
            event("invoice.paid", stripe_api.invoice(subscription["id"], 4900, "paid")),
            SECRET,
        )
        run(**billing.model_dump())
        state = organization(sql)
        assert (state["status"], state["suspended_for"], state["past_due_since"]) == (
            "active",
            None,
            None,
        )

        # A replay of the failure (an old event, a new delivery id) does not suspend it again.
        send(
            inbound.url,
            event("customer.subscription.updated", {**subscription, "status": "past_due"}),
            SECRET,
        )
        run(**billing.model_dump())
        assert organization(sql)["status"] == "active"

        # Cancelled in the portal at period end, then ended by Stripe.
        stripe_api.set_subscription(subscription["id"], cancel_at_period_end=True)
        send(inbound.url, event("customer.subscription.updated", subscription), SECRET)
        run(**billing.model_dump())
        assert organization(sql)["status"] == "active"
        stripe_api.set_subscription(subscription["id"], status="canceled")
        send(inbound.url, event("customer.subscription.deleted", subscription), SECRET)
        run(**billing.model_dump())
        assert organization(sql)["status"] == "cancelled"

    subjects = [subject for to, subject in notices(mail_sink) if to == "bea.owner@beta.test"]
    assert subjects.count("You are subscribed to fieldbase Starter") == 1
    assert subjects.count("Your fieldbase payment failed") == 1
    assert subjects.count("Beta Heating & Air is suspended for non-payment") == 1
    assert subjects.count("Beta Heating & Air is active again") == 1
    assert subjects.count("Your fieldbase subscription is cancelled") == 1
    feed = [
        row["verb"]
        for row in sql.execute(
            "select verb from public.activity where organization_id = %s and verb like 'billing.%%'"
            " order by id",
            (BETA,),
        )
    ]
    assert (
        feed.count("billing.status_changed") == 5
    )  # active, past_due, suspended, active, cancelled
    audited = sql.execute(
        "select count(*) as n from public.audit_log where organization_id = %s"
        " and table_name = 'organizations' and new_values ? 'status'",
        (BETA,),
    ).fetchone()["n"]
    assert audited >= 5


def created_session_id(stripe_api: StripeApi, price: str) -> str:
    return next(s["id"] for s in stripe_api.checkout_sessions.values() if s["price"] == price)


def test_a_bad_signature_is_400_and_writes_nothing(db, sql, billing, stripe_api):
    with InboundServer(billing) as inbound:
        payload = event("invoice.paid", {"customer": "cus_x"})
        forged = send(inbound.url, payload, SECRET, signature=signed(payload, "whsec_other"))
        stale = send(inbound.url, payload, SECRET, signature=signed(payload, SECRET, at=1))
        assert (forged.status_code, stale.status_code) == (400, 400)
    assert sql.execute("select count(*) as n from private.billing_events").fetchone()["n"] == 0


def test_unknown_customers_and_prices_are_recorded_for_staff_and_change_nothing(
    db, sql, billing, stripe_api, run
):
    sql.execute(
        "update public.organizations set stripe_customer_id = 'cus_acme' where id = %s", (ACME,)
    )
    stripe_api.customers["cus_acme"] = {"id": "cus_acme"}
    before = organization(sql, ACME)
    odd = stripe_api.subscription("cus_acme", "price_unknown_to_fieldbase", "active")
    with InboundServer(billing) as inbound:
        stranger = stripe_api.subscription("cus_stranger", MONTHLY, "active")
        outcome = send(inbound.url, event("customer.subscription.created", stranger), SECRET).json()
        assert outcome["outcome"] == "refused: unknown customer"
        send(inbound.url, event("customer.subscription.created", odd), SECRET)
        # A checkout naming an organization whose customer is another one is refused.
        forged = {
            "id": "cs_test_forged",
            "object": "checkout.session",
            "mode": "subscription",
            "customer": "cus_other",
            "client_reference_id": ACME,
            "subscription": odd["id"],
        }
        refused = send(inbound.url, event("checkout.session.completed", forged), SECRET).json()
        assert refused["outcome"] == "refused: the customer is not the organization's"
    run(**billing.model_dump())
    assert organization(sql, ACME) == before
    problems = [r["problem"] for r in sql.execute("select problem from private.billing_problems")]
    assert problems == ["Unknown Stripe price price_unknown_to_fieldbase"]
    outcomes = {r["outcome"] for r in sql.execute("select outcome from private.billing_events")}
    assert "refused: unknown customer" in outcomes


def test_stripe_refusing_a_session_fails_it_with_the_reason(db, sql, billing, stripe_api, run):
    stripe_api.prices.discard(MONTHLY)  # the price was archived in Stripe
    session_id = as_owner(
        db, "select id from public.start_subscription_checkout(%s, 'starter', 'month')", (BETA,)
    )[0]
    run(**billing.model_dump())
    session = sql.execute(
        "select * from public.billing_sessions where id = %s", (session_id,)
    ).fetchone()
    assert session["status"] == "failed"
    assert "No such price" in session["error"]
    job = sql.execute(
        "select status, last_error from queue.all_jobs where kind = 'billing.session'"
    ).fetchone()
    assert job["status"] == "dead" and "No such price" in job["last_error"]


def test_a_portal_session_for_the_stored_customer(db, sql, billing, stripe_api, run):
    stripe_api.customers["cus_beta"] = {"id": "cus_beta"}
    sql.execute(
        "update public.organizations set stripe_customer_id = 'cus_beta' where id = %s", (BETA,)
    )
    session_id = as_owner(db, "select id from public.open_billing_portal(%s)", (BETA,))[0]
    run(**billing.model_dump())
    session = sql.execute(
        "select * from public.billing_sessions where id = %s", (session_id,)
    ).fetchone()
    assert session["status"] == "ready"
    assert session["url"].startswith("https://billing.stripe.com/p/session/")
    portal = stripe_api.requests_to("/v1/billing_portal/sessions")[0]
    assert portal["params"] == {
        "customer": "cus_beta",
        "return_url": "https://app.fieldbase.test/settings/billing",
    }
    assert stripe_api.requests_to("/v1/customers") == []
    assert uuid.UUID(str(session_id))


def as_staff(db, statement: str, params: tuple = ()):
    """Run a statement as billing staff in an aal2 session."""
    with psycopg.connect(db.dsn()) as conn:
        uid = conn.execute(
            "insert into auth.users (instance_id, id, aud, role, email, encrypted_password,"
            " email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
            " values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',"
            " 'authenticated', 'billing@fieldbase.test', '', now(), '{}', '{}', now(), now())"
            " returning id"
        ).fetchone()[0]
        conn.execute(
            "insert into private.platform_staff (user_id, role) values (%s, 'billing')", (uid,)
        )
        claims = {"sub": str(uid), "role": "authenticated", "aal": "aal2"}
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        conn.execute("set local role authenticated")
        row = conn.execute(statement, params).fetchone()
        conn.commit()
        return row


def test_a_credit_staff_grant_reaches_the_stripe_balance_once(db, sql, billing, stripe_api, run):
    stripe_api.customers["cus_beta"] = {"id": "cus_beta"}
    sql.execute(
        "update public.organizations set stripe_customer_id = 'cus_beta' where id = %s", (BETA,)
    )
    credit_id = as_staff(
        db, "select public.grant_billing_credit(%s, 2500, 'Outage on 3 December')", (BETA,)
    )[0]
    run(**billing.model_dump())
    (posted,) = stripe_api.requests_to("/v1/customers/cus_beta/balance_transactions")
    assert posted["params"]["amount"] == "-2500"
    assert posted["idempotency_key"] == f"fieldbase-credit-{credit_id}"
    assert stripe_api.customers["cus_beta"]["balance"] == -2500
    applied = sql.execute(
        "select stripe_transaction_id, applied_at from private.billing_credits where id = %s",
        (credit_id,),
    ).fetchone()
    assert applied["stripe_transaction_id"].startswith("cbtxn_") and applied["applied_at"]
    # The same job again (a retry after a lost answer) applies nothing twice.
    sql.execute(
        "select queue.enqueue('billing.credit', %s::jsonb)",
        (json.dumps({"credit_id": str(credit_id)}),),
    )
    run(**billing.model_dump())
    assert stripe_api.customers["cus_beta"]["balance"] == -2500
