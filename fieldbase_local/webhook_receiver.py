"""A real HTTP receiver on loopback for webhook deliveries: verifies each Standard Webhooks
signature with the endpoint's secret, records what came, and answers as told (status codes,
Retry-After) so tests can drive retries. scripts/dev uses it to show verified deliveries."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    error: str | None
    payload: Any = None


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"ok":true}'


class WebhookReceiver:
    def __init__(self, secret: str | None = None, host: str = "127.0.0.1", port: int = 0):
        self.secret = secret
        self.deliveries: list[Delivery] = []
        # Replies used in order, then `default`.
        self.replies: list[Reply] = []
        self.default = Reply()
        # Requests whose sender went away before the whole body arrived.
        self.cut_off = 0
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                expected = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(expected)
                if len(body) < expected:
                    # The sender went away mid-request (a killed worker): no server acts on half
                    # a body. Counted, not recorded as a delivery.
                    receiver._cut_off()
                    self.close_connection = True
                    return
                receiver._record(self.path, dict(self.headers.items()), body)
                reply = receiver._next_reply()
                data = reply.body.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                # The sender may have gone (a worker killed while it waited for the answer).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self.host, self.port = host, self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> None:
        verified, error, payload = False, None, None
        if self.secret:
            try:
                payload = Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError as e:
                error = str(e)
        else:
            payload = json.loads(body or b"null")
        with self._cond:
            self.deliveries.append(Delivery(path, headers, body, verified, error, payload))
            self._cond.notify_all()

    def _cut_off(self) -> None:
        with self._cond:
            self.cut_off += 1

    def _next_reply(self) -> Reply:
        with self._cond:
            return self.replies.pop(0) if self.replies else self.default

    def wait_for(self, count: int, timeout: float = 10) -> list[Delivery]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
