"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives: in memory for
tests, and as .eml files in a folder for people (scripts/dev)."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from fieldbase_local.net import free_port


class _Keep:
    def __init__(self, sink: MailSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        reply = self.sink._next_rcpt_reply()
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink._keep(message, envelope.content)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, folder: Path | None = None, host: str = "127.0.0.1", port: int = 0):
        self.folder = folder
        self.messages: list[EmailMessage] = []
        # Replies to give the next RCPT commands before accepting again (e.g. a greylisting
        # "451 4.7.1 Try again later", or "550 5.1.1 No such user").
        self.rcpt_replies: list[str] = []
        # Called with each message before the server answers 250 (fault tests use it to take
        # the database away between the send and the worker recording it).
        self.on_message: Callable[[EmailMessage], None] | None = None
        self._lock = threading.Lock()
        self._received = threading.Condition(self._lock)
        self._controller = Controller(_Keep(self), hostname=host, port=port or free_port(host))
        self.host, self.port = host, self._controller.port

    def _keep(self, message: EmailMessage, raw: bytes) -> None:
        if self.on_message:
            self.on_message(message)
        with self._received:
            self.messages.append(message)
            if self.folder:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{len(self.messages):04d}.eml").write_bytes(raw)
            self._received.notify_all()

    def _next_rcpt_reply(self) -> str | None:
        with self._lock:
            return self.rcpt_replies.pop(0) if self.rcpt_replies else None

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        with self._received:
            self._received.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
