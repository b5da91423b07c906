"""Resend's POST /emails on loopback (Resend cannot be reached from here), answering as its
documentation says: a Bearer API key is required (401 missing_api_key / 403 invalid_api_key), a
request carrying an Idempotency-Key already seen in the last 24 hours gets the first request's id
and sends nothing again (a different body under the same key is 409 invalid_idempotent_request),
and each accepted email is kept as delivered. The bench's soak points the worker's Resend
backend here to show the key closes the window SMTP leaves open."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ResendSink:
    def __init__(self, api_key: str = "re_local_sink", host: str = "127.0.0.1"):
        self.api_key = api_key
        self.delivered: list[dict[str, Any]] = []
        self.requests = 0
        self.replayed = 0
        self._keys: dict[str, tuple[str, str]] = {}  # key: (body digest, email id)
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except ConnectionError:
                    pass  # the client is gone (a worker killed mid-request)

            def _error(self, status: int, name: str, message: str) -> None:
                self._answer(status, {"statusCode": status, "name": name, "message": message})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path != "/emails":
                    return self._error(404, "not_found", "The requested endpoint does not exist.")
                authorization = self.headers.get("authorization", "")
                if not authorization.startswith("Bearer "):
                    return self._error(401, "missing_api_key", "Missing API key in the header.")
                if authorization.removeprefix("Bearer ") != sink.api_key:
                    return self._error(403, "invalid_api_key", "API key is invalid.")
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._error(422, "validation_error", "Invalid JSON body.")
                key = self.headers.get("idempotency-key")
                digest = hashlib.sha256(raw).hexdigest()
                with sink._lock:
                    sink.requests += 1
                    if key and key in sink._keys:
                        first_digest, email_id = sink._keys[key]
                        if first_digest != digest:
                            return self._error(
                                409,
                                "invalid_idempotent_request",
                                "Same idempotency key used with a different request payload.",
                            )
                        sink.replayed += 1
                        return self._answer(200, {"id": email_id})
                    email_id = f"re_{len(sink.delivered) + 1:08d}"
                    if key:
                        sink._keys[key] = (digest, email_id)
                    sink.delivered.append({**body, "id": email_id, "idempotency_key": key})
                return self._answer(200, {"id": email_id})

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ResendSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
