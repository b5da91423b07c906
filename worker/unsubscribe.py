"""One-click unsubscribe links (RFC 8058) for non-essential emails: the link names the
organization and the address, signed with the worker's secret, so it works without signing in
and cannot be forged for another address or organization."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

from worker.config import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(settings: Settings, payload: str) -> str:
    key = settings.unsubscribe_secret.get_secret_value().encode()
    return _b64(hmac.new(key, b"unsubscribe:" + payload.encode(), hashlib.sha256).digest())


def token(settings: Settings, organization_id: uuid.UUID | str, address: str) -> str:
    payload = _b64(json.dumps({"o": str(organization_id), "a": address.lower()}).encode())
    return f"{payload}.{_signature(settings, payload)}"


def link(settings: Settings, organization_id: uuid.UUID | str, address: str) -> str:
    base = settings.public_url.rstrip("/")
    return f"{base}/unsubscribe?token={token(settings, organization_id, address)}"


def read(settings: Settings, value: str) -> tuple[uuid.UUID, str] | None:
    """(organization id, address) of a genuine token, or None."""
    payload, _, signature = value.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(settings, payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        return uuid.UUID(data["o"]), str(data["a"])
    except (ValueError, KeyError, TypeError):
        return None
