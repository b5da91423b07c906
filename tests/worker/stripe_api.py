"""A stand-in for Stripe's API on loopback, for the calls fieldbase's billing makes through the
real `stripe` library: create a customer, a Checkout Session and a billing portal session, and
retrieve a subscription. It answers with Stripe's documented objects and errors, replays the
first answer for a repeated Idempotency-Key (and refuses a key reused with other parameters, as
Stripe does), and records every request. What Stripe does on its side (a customer pays, a
payment fails, a subscription is cancelled) the tests do through its methods, then send the
events Stripe would send, signed as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.worker.support import QuietHandler, serve

API_VERSION = "2026-10-28.endive"


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (line_items[0][price]=x) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for position, part in enumerate(parts):
            last = position == len(parts) - 1
            empty: Any = None if last else ([] if parts[position + 1].isdigit() else {})
            if isinstance(node, list):
                index = int(part)
                node.extend([None] * (index + 1 - len(node)))
                if last:
                    node[index] = value
                else:
                    node[index] = node[index] if node[index] is not None else empty
                    node = node[index]
            elif last:
                node[part] = value
            else:
                node = node.setdefault(part, empty)
    return root


def signed(payload: str, secret: str, at: int | None = None) -> str:
    """Stripe-Signature as Stripe sends it: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:24]


class StripeApi:
    def __init__(self, prices: set[str]):
        self.prices = set(prices)
        self.customers: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self._replies: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        api = self

        class Handler(QuietHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path = urlsplit(self.path).path
                key = self.headers.get("idempotency-key")
                with api._lock:
                    api.requests.append(
                        {
                            "method": method,
                            "path": path,
                            "params": unflatten(parse_qsl(body)),
                            "idempotency_key": key,
                            "authorization": self.headers.get("authorization"),
                        }
                    )
                    if not (self.headers.get("authorization") or "").startswith("Bearer sk_"):
                        status, reply = (
                            401,
                            api.error("invalid_request_error", "Invalid API Key provided", None),
                        )
                    elif key and key in api._replies and method == "POST":
                        first_body, status, reply = api._replies[key]
                        if first_body != body:
                            status, reply = (
                                400,
                                api.error(
                                    "idempotency_error",
                                    "Keys for idempotent requests can only be used with the same "
                                    "parameters they were first used with.",
                                    None,
                                ),
                            )
                    else:
                        status, reply = api.route(method, path, unflatten(parse_qsl(body)))
                        if key and method == "POST":
                            api._replies[key] = (body, status, reply)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", _id("req_"))
                if key:
                    self.send_header("idempotency-key", key)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self._answer("POST")

            def do_GET(self) -> None:
                self._answer("GET")

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- Stripe's answers ------------------------------------------------------------------
    @staticmethod
    def error(kind: str, message: str, param: str | None, code: str | None = None) -> dict:
        error = {"type": kind, "message": message}
        if param:
            error["param"] = param
        if code:
            error["code"] = code
        return {"error": error}

    def route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/customers":
            customer = {
                "id": _id("cus_"),
                "object": "customer",
                "created": int(time.time()),
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata", {}),
                "livemode": False,
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "POST" and path == "/v1/checkout/sessions":
            customer = params.get("customer")
            if customer not in self.customers:
                return 400, self.error(
                    "invalid_request_error",
                    f"No such customer: '{customer}'",
                    "customer",
                    "resource_missing",
                )
            price = (params.get("line_items") or [{}])[0].get("price")
            if price not in self.prices:
                return 400, self.error(
                    "invalid_request_error",
                    f"No such price: '{price}'",
                    "line_items[0][price]",
                    "resource_missing",
                )
            session_id = _id("cs_test_")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "status": "open",
                "customer": customer,
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "subscription": None,
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "expires_at": int(time.time()) + 24 * 3600,
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "price": price,
                "livemode": False,
            }
            self.checkout_sessions[session_id] = session
            return 200, {k: v for k, v in session.items() if k != "price"}
        if method == "POST" and path == "/v1/billing_portal/sessions":
            customer = params.get("customer")
            if customer not in self.customers:
                return 400, self.error(
                    "invalid_request_error",
                    f"No such customer: '{customer}'",
                    "customer",
                    "resource_missing",
                )
            portal_id = _id("bps_")
            return 200, {
                "id": portal_id,
                "object": "billing_portal.session",
                "customer": customer,
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.com/p/session/test_{portal_id}",
                "created": int(time.time()),
                "livemode": False,
            }
        if (
            method == "POST"
            and path.startswith("/v1/customers/")
            and path.endswith("/balance_transactions")
        ):
            customer = path.split("/")[3]
            if customer not in self.customers:
                return 404, self.error(
                    "invalid_request_error",
                    f"No such customer: '{customer}'",
                    "id",
                    "resource_missing",
                )
            amount = int(params.get("amount", 0))
            balance = self.customers[customer].get("balance", 0) + amount
            self.customers[customer]["balance"] = balance
            return 200, {
                "id": _id("cbtxn_"),
                "object": "customer_balance_transaction",
                "amount": amount,
                "currency": params.get("currency"),
                "customer": customer,
                "description": params.get("description"),
                "ending_balance": balance,
                "type": "adjustment",
                "livemode": False,
            }
        if method == "GET" and path.startswith("/v1/subscriptions/"):
            subscription = self.subscriptions.get(path.rsplit("/", 1)[1])
            if subscription is None:
                return 404, self.error(
                    "invalid_request_error",
                    f"No such subscription: '{path.rsplit('/', 1)[1]}'",
                    "id",
                    "resource_missing",
                )
            return 200, subscription
        return 404, self.error("invalid_request_error", f"Unrecognized request URL ({path})", None)

    # --- what happens on Stripe's side ------------------------------------------------------
    def complete_checkout(self, session_id: str) -> dict[str, Any]:
        """The customer pays: the session completes and an active subscription exists."""
        session = self.checkout_sessions[session_id]
        subscription = self.subscription(session["customer"], session["price"], "active")
        session.update(status="complete", subscription=subscription["id"])
        return {k: v for k, v in session.items() if k != "price"}

    def subscription(self, customer: str, price: str, status: str) -> dict[str, Any]:
        now = int(time.time())
        subscription_id = _id("sub_")
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": False,
            "created": now,
            "latest_invoice": None,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": _id("si_"),
                        "object": "subscription_item",
                        "price": {"id": price, "object": "price"},
                        "quantity": 1,
                        "current_period_start": now,
                        "current_period_end": now + 30 * 86400,
                    }
                ],
            },
            "livemode": False,
        }
        self.subscriptions[subscription_id] = subscription
        return subscription

    def set_subscription(self, subscription_id: str, **changes: Any) -> dict[str, Any]:
        self.subscriptions[subscription_id].update(changes)
        return self.subscriptions[subscription_id]

    def invoice(self, subscription_id: str, amount: int, status: str) -> dict[str, Any]:
        subscription = self.subscriptions[subscription_id]
        return {
            "id": _id("in_"),
            "object": "invoice",
            "customer": subscription["customer"],
            "amount_due": amount,
            "amount_paid": amount if status == "paid" else 0,
            "currency": "usd",
            "status": status,
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription_id},
            },
            "livemode": False,
        }

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]


def event(
    kind: str, obj: dict[str, Any], event_id: str | None = None, created: int | None = None
) -> str:
    return json.dumps(
        {
            "id": event_id or _id("evt_"),
            "object": "event",
            "type": kind,
            "api_version": API_VERSION,
            "created": created or int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def send(url: str, payload: str, secret: str, signature: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{url}/hooks/stripe-billing",
        content=payload,
        headers={
            "content-type": "application/json",
            "stripe-signature": signature or signed(payload, secret),
        },
        timeout=10,
    )
