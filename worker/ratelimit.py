"""Outbound rate limits: a token bucket per key (an email backend, a webhook endpoint)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RateLimiter:
    """At most `rate` acquisitions per second per key, with bursts up to `burst`."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._buckets: dict[str, _Bucket] = {}

    async def acquire(self, key: str) -> float:
        """Wait for a token; returns the seconds waited."""
        bucket = self._buckets.setdefault(key, _Bucket(self.burst, time.monotonic()))
        waited = 0.0
        async with bucket.lock:
            while True:
                now = time.monotonic()
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
                if bucket.tokens >= 1:
                    bucket.tokens -= 1
                    return waited
                pause = (1 - bucket.tokens) / self.rate
                waited += pause
                await asyncio.sleep(pause)
