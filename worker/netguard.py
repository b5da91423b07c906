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


# IPv6 ranges that carry an IPv4 address in their last 32 bits: the address is as public as
# the IPv4 address inside it (::ffff:0:0/96 mapped, ::ffff:0:0:0/96 translated, 64:ff9b::/96
# NAT64, ::/96 the deprecated IPv4-compatible form).
EMBEDDING_IPV4 = tuple(
    ipaddress.ip_network(n) for n in ("::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "::/96")
)
# Deprecated or reserved IPv6 ranges Python still calls global.
NOT_PUBLIC_IPV6 = tuple(ipaddress.ip_network(n) for n in ("fec0::/10",))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in NOT_PUBLIC_IPV6):
            return False
        if any(ip in net for net in EMBEDDING_IPV4):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
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
    except socket.gaierror:
        raise RefusedTarget(f"Refused {url!r}: {parts.hostname} does not resolve") from None
    addresses = sorted({info[4][0] for info in infos})
    blocked = [a for a in addresses if not is_public(a)]
    if blocked and not allow_private:
        # Which address it resolved to stays in the worker's log: telling the tenant would map
        # the internal network for them.
        raise RefusedTarget(
            f"Refused {url!r}: {parts.hostname} is not an address on the public internet"
        )
    return Target(url, parts.hostname, addresses[0])
