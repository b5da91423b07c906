"""Templated email: jinja2 rendering (HTML and text, one base layout, organization branding)
and the two backends, SMTP and Resend's HTTP API, chosen by configuration."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.policy
import email.utils
import smtplib
import ssl
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
import jinja2

from worker.config import Settings
from worker.errors import PermanentError, RetryLater


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


@dataclass
class Email:
    sender: str
    to: str
    subject: str
    html: str
    text: str
    message_id: str
    # Sent as Resend's Idempotency-Key: derived from the job, the same on every retry.
    idempotency_key: str
    reply_to: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # Extra headers: List-Unsubscribe and List-Unsubscribe-Post on non-essential email.
    headers: dict[str, str] = field(default_factory=dict)


# --- rendering --------------------------------------------------------------------------------


def _money(amount: Any, currency: str = "USD") -> str:
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    return f"{currency} {value:,.2f}"


def _in_zone(value: dt.datetime | str, time_zone: str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(time_zone))


def _local_time(
    value: dt.datetime | str, time_zone: str = "UTC", fmt: str = "%a %d %b %Y, %H:%M"
) -> str:
    return _in_zone(value, time_zone).strftime(fmt) + f" ({time_zone})"


def _local_date(value: dt.datetime | str, time_zone: str = "UTC") -> str:
    return _in_zone(value, time_zone).strftime("%d %b %Y")


def _date(value: dt.date | str) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.strftime("%d %b %Y")


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("worker", "templates/email"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["local_time"] = _local_time
    env.filters["date"] = _date
    env.filters["local_date"] = _local_date
    return env


class Renderer:
    def __init__(self) -> None:
        self.env = template_environment()

    def render(self, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """Returns (subject, html, text) of templates/email/<template>.{html,txt}."""
        text_template = self.env.get_template(f"{template}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context)))
        html = self.env.get_template(f"{template}.html").render(context)
        text = text_template.render(context)
        return " ".join(subject.split()), html, text


# --- backends ---------------------------------------------------------------------------------


class EmailBackend(Protocol):
    name: str

    async def send(self, message: Email) -> str:
        """Send; returns the provider's message id."""
        ...


def _mime(message: Email) -> EmailMessage:
    # Lines up to 998 characters (RFC 5322's limit), so headers are not folded needlessly.
    mime = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    mime["From"] = message.sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Message-ID"] = message.message_id
    mime["Date"] = email.utils.formatdate(localtime=False)
    if message.reply_to:
        mime["Reply-To"] = message.reply_to
    for name, value in message.headers.items():
        mime[name] = value
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        mime.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return mime


class SmtpBackend:
    name = "smtp"

    def __init__(self, settings: Settings):
        self.settings = settings
        self._context: ssl.SSLContext | None = None
        self._closing: set[asyncio.Task] = set()

    def _tls(self) -> ssl.SSLContext:
        # Built once: loading the system's CA certificates costs milliseconds of CPU each time.
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    def _deliver(self, message: Email) -> smtplib.SMTP:
        """Sends the message and returns the open connection: the caller records the send
        before the polite QUIT, so a worker killed in between has less to send again."""
        s = self.settings
        if s.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=self._tls()
            )
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_security == "starttls":
                client.starttls(context=self._tls())
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password.get_secret_value())
            client.send_message(_mime(message))
        except BaseException:
            client.close()
            raise
        return client

    @staticmethod
    def _quit(client: smtplib.SMTP) -> None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()

    async def send(self, message: Email) -> str:
        try:
            client = await asyncio.to_thread(self._deliver, message)
        except smtplib.SMTPRecipientsRefused as error:
            replies = "; ".join(
                f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
                for code, reply in error.recipients.values()
            )
            text = f"The mail server refused {message.to}: {replies}"
            # Only a 5xx refusal is final; a 4xx (greylisting, a full mailbox) is worth a retry.
            if error.recipients and all(500 <= code < 600 for code, _ in error.recipients.values()):
                raise PermanentError(text) from None
            raise RetryLater(text) from None
        except smtplib.SMTPResponseException as error:
            text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
            if 500 <= error.smtp_code < 600:
                raise PermanentError(text) from None
            raise RetryLater(text) from None
        except (OSError, smtplib.SMTPException) as error:
            raise RetryLater(f"SMTP server unreachable: {error}") from None
        closing = asyncio.create_task(asyncio.to_thread(self._quit, client))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        return message.message_id


class ResendBackend:
    """Resend's POST /emails, with Idempotency-Key so a retry is never sent twice."""

    name = "resend"

    def __init__(self, settings: Settings, client: httpx.AsyncClient):
        self.settings = settings
        self.client = client

    async def send(self, message: Email) -> str:
        body: dict[str, Any] = {
            "from": message.sender,
            "to": [message.to],
            "subject": message.subject,
            "html": message.html,
            "text": message.text,
            "headers": {"Message-ID": message.message_id, **message.headers},
        }
        if message.reply_to:
            body["reply_to"] = message.reply_to
        if message.attachments:
            body["attachments"] = [
                {"filename": a.filename, "content": base64.b64encode(a.content).decode()}
                for a in message.attachments
            ]
        try:
            response = await self.client.post(
                self.settings.resend_api_url.rstrip("/") + "/emails",
                json=body,
                headers={
                    "Authorization": f"Bearer {self.settings.resend_api_key.get_secret_value()}",
                    "Idempotency-Key": message.idempotency_key,
                },
                timeout=30,
            )
        except httpx.HTTPError as error:
            raise RetryLater(f"Resend unreachable: {error}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryLater(
                f"Resend answered {response.status_code}: {response.text[:300]}",
                retry_in=retry_after_seconds(response),
            )
        if response.status_code >= 400:
            raise PermanentError(
                f"Resend refused the email ({response.status_code}): {response.text[:300]}"
            )
        return str(response.json().get("id", ""))


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def backend_from_settings(settings: Settings, client: httpx.AsyncClient) -> EmailBackend:
    if settings.email_backend == "resend":
        return ResendBackend(settings, client)
    return SmtpBackend(settings)
