"""Refuses outbound requests to private, loopback, link-local and other non-public addresses
(SSRF), and pins the request to the address that was checked so DNS cannot change it after.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from worker.errors import PermanentError


class RefusedTarget(PermanentError):
    """The URL points somewhere the worker must not send requests."""


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    address: str


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(url: str, allow_private: bool) -> Target:
    """Resolve the URL's host; refuse it unless every address is public (or allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedTarget(f"Refused {url!r}: only http and https URLs with a host are allowed")
    if parts.username or parts.password:
        raise RefusedTarget(f"Refused {url!r}: credentials in the URL are not allowed")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except socket.gaierror as error:
        raise RefusedTarget(
            f"Refused {url!r}: {parts.hostname} does not resolve ({error})"
        ) from None
    addresses = sorted({info[4][0] for info in infos})
    blocked = [a for a in addresses if not is_public(a)]
    if blocked and not allow_private:
        raise RefusedTarget(
            f"Refused {url!r}: {parts.hostname} resolves to a private or reserved address "
            f"({', '.join(blocked)})"
        )
    return Target(url, parts.hostname, addresses[0])
