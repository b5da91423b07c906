"""The long-lived clients handlers share: HTTP, email backend, templates, storage, limiters."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from worker.config import Settings
from worker.mail import EmailBackend, Renderer, backend_from_settings
from worker.ratelimit import RateLimiter
from worker.sms import SmsRenderer, TwilioSms
from worker.storage import Storage, storage_from_settings


@dataclass
class Services:
    http: httpx.AsyncClient
    email: EmailBackend
    renderer: Renderer
    storage: Storage
    email_limiter: RateLimiter
    webhook_limiter: RateLimiter
    sms: TwilioSms
    sms_renderer: SmsRenderer
    sms_limiter: RateLimiter

    async def aclose(self) -> None:
        await self.http.aclose()


def build_services(settings: Settings) -> Services:
    # No redirects: a 3xx from a webhook receiver is a failure, and following it could lead
    # past the SSRF check.
    http = httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": "fieldbase-worker"})
    return Services(
        http=http,
        email=backend_from_settings(settings, http),
        renderer=Renderer(),
        storage=storage_from_settings(settings),
        email_limiter=RateLimiter(settings.email_rate_per_second),
        webhook_limiter=RateLimiter(settings.webhook_endpoint_rate_per_second),
        sms=TwilioSms(settings),
        sms_renderer=SmsRenderer(),
        sms_limiter=RateLimiter(settings.sms_rate_per_second),
    )
