"""Text messages: rendering (jinja2 templates/sms, bounded) and Twilio through its own library.

The library's client is synchronous (requests); a send runs in a thread. Tests point
`twilio_api_url` at a loopback server that answers as Twilio's Messages API documents."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import jinja2
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from worker.config import Settings
from worker.errors import PermanentError, RetryLater
from worker.mail import _in_zone

# What one text may carry: three concatenated segments of plain GSM text. A body rendered
# longer than this (a tenant's long name) is a bug in our templates, never sent cut short.
MAX_SMS_CHARS = 459
# Twilio's error code for a number that replied STOP to this sender: opted out here too.
OPTED_OUT_CODES = {21610}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(value: Any, limit: int) -> str:
    """A tenant- or user-written value as it may appear in a text: one line, no control or
    direction characters, at most `limit` characters."""
    text = " ".join(_CONTROL.sub("", str(value or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sms_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("worker", "templates/sms"),
        autoescape=False,  # noqa: S701 - a text is plain text, never HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["local_time"] = _clock
    return env


def _clock(value: Any, time_zone: str, fmt: str = "%H:%M") -> str:
    """A time as the customer reads it on their phone: their visit's zone, no zone name."""
    return _in_zone(value, time_zone).strftime(fmt)


class SmsRenderer:
    def __init__(self) -> None:
        self.env = sms_environment()

    def render(self, template: str, context: dict[str, Any]) -> str:
        body = self.env.get_template(f"{template}.txt").render(context).strip()
        if len(body) > MAX_SMS_CHARS:
            raise PermanentError(
                f"The {template} text is {len(body)} characters; a text carries {MAX_SMS_CHARS}"
            )
        return body


class TwilioSms:
    """Twilio's Messages API through the twilio library."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._client: Client | None = None

    @property
    def configured(self) -> bool:
        s = self.settings
        return bool(s.twilio_account_sid and s.twilio_auth_token.get_secret_value())

    def client(self) -> Client:
        if self._client is None:
            s = self.settings
            client = Client(
                s.twilio_account_sid,
                s.twilio_auth_token.get_secret_value(),
                http_client=TwilioHttpClient(timeout=s.twilio_timeout_seconds),
            )
            client.api.base_url = s.twilio_api_url.rstrip("/")
            self._client = client
        return self._client

    def status_callback(self) -> str | None:
        base = self.settings.public_url.rstrip("/")
        return f"{base}/hooks/twilio/status" if base else None

    def _create(self, to: str, sender: str, body: str) -> str:
        options: dict[str, Any] = {"to": to, "from_": sender, "body": body}
        if callback := self.status_callback():
            options["status_callback"] = callback
        return self.client().messages.create(**options).sid

    async def send(self, to: str, sender: str, body: str) -> str:
        """Returns the message SID. Raises PermanentError for what no retry can change (with
        `.opted_out` set when the number opted out at Twilio), RetryLater otherwise."""
        if not self.configured:
            raise PermanentError("Texts need FIELDBASE_WORKER_TWILIO_ACCOUNT_SID and _AUTH_TOKEN")
        try:
            return await asyncio.to_thread(self._create, to, sender, body)
        except TwilioRestException as error:
            text = f"Twilio refused the text ({error.status}, code {error.code}): {error.msg}"
            if error.status == 429 or error.status >= 500:
                raise RetryLater(text) from None
            refusal = PermanentError(text)
            refusal.opted_out = error.code in OPTED_OUT_CODES  # type: ignore[attr-defined]
            raise refusal from None
        except OSError as error:
            raise RetryLater(f"Twilio unreachable: {error}") from None
        except Exception as error:  # requests' connection errors and timeouts
            if type(error).__module__.startswith(("requests", "urllib3")):
                raise RetryLater(f"Twilio unreachable: {error}") from None
            raise
