"""A local sink for text messages: a stand-in for Twilio's Messages API on loopback, for the calls
fieldbase makes through the real `twilio` library (the tests and scripts/dev's demo): POST
/2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic authentication (the account SID
and auth token), form fields To, From, Body and StatusCallback. It answers 201 with Twilio's
Message resource (status "queued", as Twilio creates it without a Messaging Service), or
Twilio's error JSON ({code, message, more_info, status}) for what Twilio refuses: 20003
(authentication), 21211 (not a valid To number), 21606 (From is not one of the account's
numbers), 21610 (the recipient replied STOP to that number), 21617 (a body over 1,600
characters). What Twilio does afterwards (delivery, a customer's reply) the tests do through its
methods, which call the worker's webhooks signed as Twilio signs them (X-Twilio-Signature: HMAC-
SHA1 of the URL and the sorted parameters, base64, keyed by the auth token)."""

from __future__ import annotations

import base64
import email.utils
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "twilio-local-auth-token"  # noqa: S105 - the local stand-in's own, no account's
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


class TwilioApi:
    def __init__(self, numbers: set[str]):
        self.numbers = set(numbers)  # the account's phone numbers (From)
        self.stopped: set[tuple[str, str]] = set()  # (to, from) pairs that replied STOP
        self.messages: list[dict[str, Any]] = []
        self.failures: list[int] = []  # statuses to answer with before accepting (5xx, 429)
        self.lock = threading.Lock()

    # --- the API --------------------------------------------------------------------------------
    def create(self, path: str, authorization: str, form: dict[str, str]) -> tuple[int, dict]:
        match = re.fullmatch(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json", path)
        if not match:
            return 404, self.error(20404, "The requested resource was not found", 404)
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if authorization != expected or match[1] != ACCOUNT_SID:
            return 401, self.error(20003, "Authenticate", 401)
        with self.lock:
            if self.failures:
                status = self.failures.pop(0)
                return status, self.error(20500 if status >= 500 else 20429, "Try again", status)
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not E164.match(to):
            return 400, self.error(21211, f"The 'To' number {to} is not a valid phone number.")
        if sender not in self.numbers:
            return 400, self.error(
                21606,
                f"The 'From' phone number provided ({sender}) is not a valid message-capable "
                "Twilio phone number for this destination/account.",
            )
        if not body or len(body) > 1600:
            return 400, self.error(
                21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if (to, sender) in self.stopped:
            return 400, self.error(21610, "Attempt to send to unsubscribed recipient")
        now = email.utils.formatdate(usegmt=True)
        message = {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(max(1, -(-len(body) // 153)) if len(body) > 160 else 1),
            "price": None,
            "price_unit": "USD",
            "sid": "SM" + secrets.token_hex(16),
            "status": "queued",
            "subresource_uris": {},
            "to": to,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/x.json",
            "status_callback": form.get("StatusCallback"),
        }
        message["uri"] = message["uri"].replace("x.json", f"{message['sid']}.json")
        with self.lock:
            self.messages.append(message)
        return 201, {k: v for k, v in message.items() if k != "status_callback"}

    @staticmethod
    def error(code: int, message: str, status: int = 400) -> dict[str, Any]:
        return {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    # --- what Twilio does on its side -----------------------------------------------------------
    @staticmethod
    def signed_post(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> httpx.Response:
        signature = RequestValidator(token).compute_signature(url, params)
        return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)

    def report(self, message: dict[str, Any], status: str, error_code: str | None = None):
        """Twilio's status callback for a message it accepted."""
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": message["from"],
            "MessageSid": message["sid"],
            "MessageStatus": status,
            "SmsSid": message["sid"],
            "SmsStatus": status,
            "To": message["to"],
        }
        if error_code:
            params["ErrorCode"] = error_code
        return self.signed_post(message["status_callback"], params)

    def reply(self, url: str, sender: str, to: str, body: str, sid: str | None = None):
        """A text from a phone to one of the account's numbers (the inbound message webhook)."""
        sid = sid or "SM" + secrets.token_hex(16)
        keyword = body.strip().upper()
        if keyword in {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}:
            self.stopped.add((sender, to))
        elif keyword in {"START", "YES", "UNSTOP"}:
            self.stopped.discard((sender, to))
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": sender,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        }
        return self.signed_post(url, params)


class TwilioServer:
    """The stand-in served on a free loopback port (a context manager)."""

    def __init__(self, numbers: set[str]):
        self.api = TwilioApi(numbers)

    def __enter__(self) -> TwilioApi:
        api = self.api

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                status, body = api.create(self.path, self.headers.get("Authorization", ""), form)
                self.reply(status, json.dumps(body).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        api.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return api

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
