"""Stripe Billing: what tenants pay fieldbase, on the platform's own Stripe account.

`billing.session` answers an owner's request for a Checkout or billing portal session: the
Stripe customer is created once per organization (stored before anything else uses it), and
every call carries an idempotency key, so a retried job repeats nothing in Stripe.
`billing.sync_subscription` reads a subscription from Stripe and applies it: a webhook only says
that something changed, and what Stripe says now is right whatever order the events came in.
`billing.credit` applies a credit staff granted to the customer's balance, once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Annotated, Any

import stripe
from pydantic import BaseModel, ConfigDict, StringConstraints

from worker.errors import PermanentError, RetryLater
from worker.registry import JobContext, Registry

SubscriptionId = Annotated[str, StringConstraints(pattern=r"^sub_[A-Za-z0-9]{1,200}$")]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BillingSession(_Payload):
    session_id: uuid.UUID


class BillingCredit(_Payload):
    credit_id: uuid.UUID


class SyncSubscription(_Payload):
    organization_id: uuid.UUID
    subscription_id: SubscriptionId


def stripe_client(ctx: JobContext) -> stripe.StripeClient:
    key = ctx.settings.stripe_api_key.get_secret_value()
    if not key:
        raise PermanentError("Stripe Billing is not configured (FIELDBASE_WORKER_STRIPE_API_KEY)")
    return stripe.StripeClient(
        key,
        base_addresses={"api": ctx.settings.stripe_api_base},
        http_client=stripe.HTTPXClient(timeout=ctx.settings.stripe_timeout_seconds),
        max_network_retries=0,
    )


def _transient(error: stripe.StripeError) -> bool:
    """Worth retrying: the network, rate limits, Stripe's own errors, idempotency races."""
    return isinstance(
        error, stripe.APIConnectionError | stripe.RateLimitError | stripe.IdempotencyError
    ) or (isinstance(error, stripe.APIError) and (error.http_status or 500) >= 500)


async def _customer(ctx: JobContext, client: stripe.StripeClient, session: dict[str, Any]) -> str:
    if session["stripe_customer_id"]:
        return session["stripe_customer_id"]
    organization_id = session["organization_id"]
    params: dict[str, Any] = {
        "name": session["organization_name"],
        "metadata": {"organization_id": organization_id},
    }
    if session["owner_email"]:
        params["email"] = session["owner_email"]
    created = await client.v1.customers.create_async(
        params, {"idempotency_key": f"fieldbase-customer-{organization_id}"}
    )
    # If another job stored a customer first, that one is the organization's.
    return await ctx.db.fetch_value(
        "record_stripe_customer", organization_id=organization_id, customer_id=created.id
    )


def register(registry: Registry) -> None:
    @registry.register("billing.session", BillingSession)
    async def billing_session(ctx: JobContext, p: BillingSession) -> dict[str, Any]:
        session = await ctx.db.fetch_value("billing_session", session_id=p.session_id)
        if session is None:
            return {"skipped": "the session was answered already or is gone"}
        client = stripe_client(ctx)
        app = ctx.settings.app_url.rstrip("/")
        options = {"idempotency_key": f"fieldbase-billing-session-{p.session_id}"}
        try:
            customer = await _customer(ctx, client, session)
            if session["kind"] == "checkout":
                organization_id = session["organization_id"]
                created = await client.v1.checkout.sessions.create_async(
                    {
                        "mode": "subscription",
                        "customer": customer,
                        "client_reference_id": organization_id,
                        "line_items": [{"price": session["price_id"], "quantity": 1}],
                        "success_url": f"{app}/settings/billing?checkout=done",
                        "cancel_url": f"{app}/settings/billing?checkout=cancelled",
                        "metadata": {"organization_id": organization_id},
                        "subscription_data": {"metadata": {"organization_id": organization_id}},
                    },
                    options,
                )
                expires_at = dt.datetime.fromtimestamp(created.expires_at, dt.UTC)
            else:
                created = await client.v1.billing_portal.sessions.create_async(
                    {"customer": customer, "return_url": f"{app}/settings/billing"}, options
                )
                expires_at = None
        except stripe.StripeError as error:
            message = error.user_message or str(error) or type(error).__name__
            last_try = ctx.job.attempts >= ctx.job.max_attempts
            if _transient(error) and not last_try:
                raise RetryLater(f"Stripe: {message}") from error
            await ctx.db.fetch_value(
                "finish_billing_session",
                session_id=p.session_id,
                url=None,
                expires_at=None,
                error=f"Stripe refused the session: {message}",
            )
            raise PermanentError(f"Stripe refused the session: {message}") from error
        await ctx.db.fetch_value(
            "finish_billing_session",
            session_id=p.session_id,
            url=created.url,
            expires_at=expires_at,
            error=None,
        )
        return {"session": created.id, "customer": customer, "kind": session["kind"]}

    @registry.register("billing.sync_subscription", SyncSubscription)
    async def sync_subscription(ctx: JobContext, p: SyncSubscription) -> dict[str, Any]:
        client = stripe_client(ctx)
        try:
            subscription = await client.v1.subscriptions.retrieve_async(p.subscription_id)
        except stripe.StripeError as error:
            if _transient(error):
                raise RetryLater(f"Stripe: {error}") from error
            raise PermanentError(f"Stripe: {error.user_message or error}") from error
        fetched_at = dt.datetime.now(dt.UTC)
        outcome = await ctx.db.fetch_value(
            "apply_subscription",
            organization_id=p.organization_id,
            subscription=json.dumps(subscription.to_dict()),
            fetched_at=fetched_at,
        )
        return {"subscription": p.subscription_id, "outcome": outcome}

    @registry.register("billing.credit", BillingCredit)
    async def billing_credit(ctx: JobContext, p: BillingCredit) -> dict[str, Any]:
        credit = await ctx.db.fetch_value("billing_credit", credit_id=p.credit_id)
        if credit is None:
            return {"skipped": "the credit was applied already or is gone"}
        client = stripe_client(ctx)
        try:
            transaction = await client.v1.customers.balance_transactions.create_async(
                credit["customer"],
                {
                    # A negative amount is a credit: Stripe takes it off the next invoices.
                    "amount": -credit["amount_cents"],
                    "currency": credit["currency"],
                    "description": f"fieldbase credit: {credit['reason']}"[:350],
                    "metadata": {"fieldbase_credit_id": str(p.credit_id)},
                },
                {"idempotency_key": f"fieldbase-credit-{p.credit_id}"},
            )
        except stripe.StripeError as error:
            if _transient(error):
                raise RetryLater(f"Stripe: {error}") from error
            raise PermanentError(
                f"Stripe refused the credit: {error.user_message or error}"
            ) from error
        await ctx.db.fetch_value(
            "record_billing_credit", credit_id=p.credit_id, transaction_id=transaction.id
        )
        return {"credit": str(p.credit_id), "transaction": transaction.id}
