"""The worker's inbound endpoints, the part that faces the internet (Stripe, Resend, Twilio and
people's mail programs must reach them): POST /hooks/stripe (tenants' connected accounts: invoice
payments), POST /hooks/stripe-billing (the platform's account: subscriptions), POST
/hooks/resend, POST /hooks/twilio/messages (texts to the organizations' numbers), POST
/hooks/twilio/status (delivery status callbacks), GET and POST /unsubscribe (the one-click
unsubscribe of non-essential email, RFC 8058), and GET /healthz for the load balancer.

`python -m worker inbound` serves them in a process of their own, so a flood on the public port
never touches job processing. waitress reads each request whole, in its event loop, before one
of a few threads sees it: a half-sent request holds no thread, a connection silent for
`inbound_timeout_seconds` is closed, headers and bodies are capped, and so is the number of
open connections. Database calls go through one small pool, not a connection per request.
"""

from __future__ import annotations

import html
import json
import logging
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import stripe
import waitress
from psycopg_pool import ConnectionPool
from standardwebhooks import Webhook, WebhookVerificationError
from twilio.request_validator import RequestValidator
from waitress.server import BaseWSGIServer

from worker import unsubscribe
from worker.config import Settings
from worker.observability import json_response
from worker.queries import query

log = logging.getLogger(__name__)

MAX_HOOK_BODY = 1024 * 1024
MAX_HEADERS = 16 * 1024
# Twilio's MessageStatus values as the communications log keeps them (the rest are steps on the
# way: accepted, scheduled, sending, receiving, read).
TWILIO_STATUSES = {
    "queued": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
# Resend's email events as the communications log keeps them.
RESEND_STATUSES = {
    "email.sent": "sent",
    "email.delivered": "delivered",
    "email.bounced": "bounced",
    "email.failed": "failed",
}
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class Inbound:
    """The WSGI application: the two event receivers and a health check."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.pool = ConnectionPool(
            settings.database_url,
            min_size=1,
            max_size=settings.inbound_threads,
            kwargs={"autocommit": True, "prepare_threshold": None},
            open=False,
            name="fieldbase-inbound",
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        routes = {
            "/hooks/stripe": self.stripe,
            "/hooks/stripe-billing": self.stripe_billing,
            "/hooks/resend": self.resend,
        }
        if path == "/healthz" and method == "GET":
            return json_response(start_response, 200, {"status": "ok"})
        if path == "/hooks/twilio/messages" and method == "POST":
            return self.twilio(environ, start_response, self.twilio_message)
        if path == "/hooks/twilio/status" and method == "POST":
            return self.twilio(environ, start_response, self.twilio_status)
        if path == "/unsubscribe" and method in ("GET", "POST"):
            try:
                status, page = self.unsubscribe(environ, method)
            except Exception:
                log.exception("unsubscribe failed")
                status, page = 500, "Something went wrong; please try again later."
            return _page(start_response, status, page)
        if path in routes and method == "POST":
            try:
                status, body = routes[path](environ)
            except Exception:
                log.exception("inbound %s failed", path)
                status, body = 500, {"error": "internal error"}
            return json_response(start_response, status, body)
        return json_response(start_response, 404, {"error": "not found"})

    def stripe(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Stripe's events, verified with Stripe's library (signature and timestamp tolerance),
        recorded once by event id and applied to the invoice they name."""
        secret = self.settings.stripe_webhook_secret.get_secret_value()
        if not secret:
            return 404, {"error": "Stripe events are not configured"}
        body = _body(environ)
        if body is None:
            return 400, {"error": "body too large"}
        try:
            event = stripe.Webhook.construct_event(
                body, environ.get("HTTP_STRIPE_SIGNATURE", ""), secret
            )
        except stripe.SignatureVerificationError:
            return 400, {"error": "signature verification failed"}
        except ValueError:
            return 400, {"error": "not a Stripe event"}
        payload = event.to_dict()
        with self.pool.connection() as conn:
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

    def stripe_billing(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The platform's own Stripe account (what tenants pay fieldbase): verified with
        Stripe's library, recorded once by event id; the subscription it concerns is then read
        from Stripe by a job, so order and replays do not matter."""
        secret = self.settings.stripe_billing_webhook_secret.get_secret_value()
        if not secret:
            return 404, {"error": "Stripe Billing events are not configured"}
        body = _body(environ)
        if body is None:
            return 400, {"error": "body too large"}
        try:
            event = stripe.Webhook.construct_event(
                body, environ.get("HTTP_STRIPE_SIGNATURE", ""), secret
            )
        except stripe.SignatureVerificationError:
            return 400, {"error": "signature verification failed"}
        except ValueError:
            return 400, {"error": "not a Stripe event"}
        payload = event.to_dict()
        if payload.get("account"):
            # A connected account's event at the platform's endpoint: not ours to apply.
            return 400, {"error": "events of connected accounts go to /hooks/stripe"}
        with self.pool.connection() as conn:
            outcome = conn.execute(
                query("record_billing_event"),
                {
                    "event_id": payload.get("id"),
                    "event_type": payload.get("type"),
                    "created": payload.get("created"),
                    "object": json.dumps((payload.get("data") or {}).get("object") or {}),
                },
            ).fetchone()[0]
        log.info(
            "stripe billing event %s (%s): %s", payload.get("id"), payload.get("type"), outcome
        )
        return 200, {"received": True, "outcome": outcome}

    def resend(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Resend's (Svix-signed) email events: bounces and complaints suppress the address."""
        secret = self.settings.resend_webhook_secret.get_secret_value()
        if not secret:
            return 404, {"error": "Resend events are not configured"}
        body = _body(environ)
        if body is None:
            return 400, {"error": "body too large"}
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
        with self.pool.connection() as conn:
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
            status = RESEND_STATUSES.get(str(event.get("type")))
            if status and data.get("email_id"):
                conn.execute(
                    query("record_message_status"),
                    {
                        "channel": "email",
                        "provider_id": str(data["email_id"]),
                        "status": status,
                        "error": detail if status in ("bounced", "failed") else None,
                    },
                )
        log.info("email event %s for %s", event.get("type"), recipients)
        return 200, {"ok": True, "suppressed": suppressed}

    # --- Twilio -----------------------------------------------------------------------------
    def twilio(
        self,
        environ: dict[str, Any],
        start_response: Callable,
        handle: Callable[[dict[str, str]], None],
    ) -> list[bytes]:
        """Twilio's webhooks, verified with its RequestValidator against the URL Twilio called
        (public_url and the path): a bad signature is 403 and writes nothing. The answer is
        empty TwiML: Twilio itself answers STOP, START and HELP as the carriers require."""
        token = self.settings.twilio_auth_token.get_secret_value()
        if not token:
            return json_response(start_response, 404, {"error": "Twilio is not configured"})
        body = _body(environ)
        if body is None:
            return json_response(start_response, 400, {"error": "body too large"})
        params = dict(
            urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        )
        url = self.settings.public_url.rstrip("/") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        if not signature or not RequestValidator(token).validate(url, params, signature):
            return json_response(start_response, 403, {"error": "signature verification failed"})
        if params.get("AccountSid") != self.settings.twilio_account_sid:
            return json_response(start_response, 403, {"error": "another Twilio account"})
        try:
            handle(params)
        except Exception:
            log.exception("twilio %s failed", environ.get("PATH_INFO"))
            return json_response(start_response, 500, {"error": "internal error"})
        start_response(
            "200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(EMPTY_TWIML)))]
        )
        return [EMPTY_TWIML]

    def twilio_message(self, params: dict[str, str]) -> None:
        """A text to one of the organizations' numbers: logged, and STOP or START applied."""
        with self.pool.connection() as conn:
            outcome = conn.execute(
                query("record_inbound_text"),
                {
                    "sender": params.get("From", ""),
                    "recipient": params.get("To", ""),
                    "body": params.get("Body", "")[:1600],
                    "sid": params.get("MessageSid") or params.get("SmsSid"),
                },
            ).fetchone()[0]
        log.info("text from a customer to %s: %s", params.get("To"), (outcome or {}).get("action"))

    def twilio_status(self, params: dict[str, str]) -> None:
        """A delivery status callback: the log moves forward, never back."""
        status = TWILIO_STATUSES.get(params.get("MessageStatus", ""))
        sid = params.get("MessageSid") or params.get("SmsSid")
        if not status or not sid:
            return
        error = None
        if params.get("ErrorCode"):
            error = f"Twilio error {params['ErrorCode']}"
        with self.pool.connection() as conn:
            conn.execute(
                query("record_message_status"),
                {"channel": "sms", "provider_id": sid, "status": status, "error": error},
            )

    # --- one-click unsubscribe --------------------------------------------------------------
    def unsubscribe(self, environ: dict[str, Any], method: str) -> tuple[int, str]:
        """GET shows a page with a button (mail scanners follow links; they must not
        unsubscribe anyone); POST unsubscribes, whether the mail program posts
        List-Unsubscribe=One-Click (RFC 8058) or the person presses the button."""
        params = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        found = unsubscribe.read(self.settings, params.get("token", ""))
        if found is None:
            return 400, "This unsubscribe link is not valid."
        organization_id, address = found
        if method == "GET":
            action = html.escape(f"/unsubscribe?token={params['token']}", quote=True)
            return 200, (
                f"Stop reminders and other non-essential email to {html.escape(address)}? "
                "Receipts, invoices and test reports still arrive."
                f'<form method="post" action="{action}">'
                '<button type="submit">Unsubscribe</button></form>'
            )
        if _body(environ) is None:
            return 400, "Request too large."
        with self.pool.connection() as conn:
            done = conn.execute(
                query("unsubscribe_email"), {"organization_id": organization_id, "address": address}
            ).fetchone()[0]
        if not done:
            return 404, "This organization no longer exists."
        return (
            200,
            f"{html.escape(address)} is unsubscribed. Receipts, invoices and reports still arrive.",
        )


def _page(start_response: Callable, status: int, text: str) -> list[bytes]:
    data = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head>'
        f'<body style="font-family:Helvetica,Arial,sans-serif;margin:40px;">{text}</body></html>'
    ).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _body(environ: dict[str, Any]) -> bytes | None:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_HOOK_BODY:
        return None
    return environ["wsgi.input"].read(length)


def create_server(settings: Settings, app: Inbound | None = None) -> BaseWSGIServer:
    """The waitress server for the inbound endpoints (run() serves, close() stops)."""
    app = app or Inbound(settings)
    app.pool.open()
    return waitress.create_server(
        app,
        host=settings.inbound_host,
        port=settings.inbound_port,
        threads=settings.inbound_threads,
        connection_limit=settings.inbound_connection_limit,
        channel_timeout=settings.inbound_timeout_seconds,
        cleanup_interval=max(1, int(settings.inbound_timeout_seconds / 2)),
        max_request_header_size=MAX_HEADERS,
        max_request_body_size=MAX_HOOK_BODY,
        ident="fieldbase",
    )


def serve(settings: Settings) -> None:
    server = create_server(settings)
    log.info("inbound endpoints on %s:%s", settings.inbound_host, server.effective_port)
    server.run()
