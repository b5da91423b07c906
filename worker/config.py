"""Worker configuration, from FIELDBASE_WORKER_* environment variables (see the README)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDBASE_WORKER_", extra="ignore")

    # --- database ---------------------------------------------------------------------------
    # Where queue functions are called; may be a transaction-mode pooler (Supavisor, pgbouncer).
    database_url: str = "postgresql://fieldbase_worker:postgres@127.0.0.1:54330/postgres"
    # A direct or session-mode connection for LISTEN. Empty: use database_url. "off": poll
    # only (needed when database_url is a transaction-mode pooler and nothing else is offered).
    listen_url: str = ""
    pool_size: int = Field(default=4, ge=1)

    # The handler registry, as module:function (add your own kinds by pointing at yours).
    registry: str = "worker.handlers:build_registry"

    # --- claiming ---------------------------------------------------------------------------
    worker_id: str = Field(default_factory=_default_worker_id)
    # Kinds this replica runs ("email.*" patterns allowed); empty: every registered kind.
    kinds: list[str] = []
    # Jobs in flight and jobs per claim: measured best on 2 cores (scripts/bench), not tuned down.
    concurrency: int = Field(default=64, ge=1)
    batch_size: int = Field(default=50, ge=1)
    # Claimed jobs held beyond concurrency, started as slots free (graphile-worker's "local
    # queue"): claims come in batches of up to this many, and a claim's cost is mostly per
    # statement (a drain of quick jobs ran 1.7x faster with 500 than with none). Held jobs count
    # as running for the per-organization cap and are heartbeated; a stopping worker gives them
    # back at once. 0: claim only what can start now (best when jobs are few and slow).
    local_queue_size: int = Field(default=0, ge=0)
    lease_seconds: float = Field(default=30, gt=0)
    heartbeat_seconds: float = Field(default=10, gt=0)
    # How often each worker takes back the jobs of workers whose leases expired (claims do not,
    # so the lease columns need no index): a crashed worker's jobs are back within a lease and
    # this. One scan of the runnable jobs per worker per period.
    reap_seconds: float = Field(default=2.0, gt=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    shutdown_grace_seconds: float = Field(default=20, ge=0)
    # No organization gets more running jobs than this across all replicas (0: no cap).
    per_organization_limit: int = Field(default=8, ge=0)
    # Threads for CPU-bound work (PDF rendering), off the event loop.
    cpu_threads: int = Field(default=2, ge=1)
    # The event loop: uvloop (libuv, as Node's) spends less of the worker's CPU per job than
    # asyncio's own loop (a drain of quick jobs: 19 us a job against 22, 12% more jobs a second);
    # "asyncio" is the fallback should a library misbehave on it.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    # How long a handler waits for an unreachable database to record an effect that already
    # happened (an email sent, a webhook delivered) before giving up.
    progress_patience_seconds: float = Field(default=300, gt=0)

    # --- inbound: /hooks/stripe, /hooks/resend (python -m worker inbound, its own process) -----
    inbound_host: str = "0.0.0.0"  # noqa: S104 - a container listens on its interface
    inbound_port: int = 8081
    # Requests handled at once; connections are read whole before a thread sees them.
    inbound_threads: int = Field(default=4, ge=1)
    # Open connections at most; more wait in the listen backlog.
    inbound_connection_limit: int = Field(default=1000, ge=1)
    # A connection that sends nothing for this long is closed (half-sent requests included).
    inbound_timeout_seconds: float = Field(default=10, gt=0)

    # --- HTTP: /healthz, /metrics (the worker's own, internal) --------------------------------
    http_host: str = "0.0.0.0"  # noqa: S104 - a container listens on its interface
    http_port: int = 8080  # 0: no HTTP server

    # --- email ------------------------------------------------------------------------------
    email_backend: Literal["smtp", "resend"] = "smtp"
    email_from: str = "fieldbase <no-reply@fieldbase.local>"
    # Messages per second across this replica (the provider's limit divided by replicas).
    email_rate_per_second: float = Field(default=10, gt=0)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout_seconds: float = 30
    resend_api_key: SecretStr = SecretStr("")
    resend_api_url: str = "https://api.resend.com"
    # The signing secret of Resend's (Svix) webhook for bounce and complaint events.
    resend_webhook_secret: SecretStr = SecretStr("")
    # The signing secret (whsec_...) of the Stripe webhook endpoint pointed at /hooks/stripe.
    stripe_webhook_secret: SecretStr = SecretStr("")

    # --- Stripe Billing: what tenants pay fieldbase (the platform's own Stripe account) --------
    # The platform's secret key (sk_live_... or a restricted key with Customers, Checkout
    # Sessions, Billing Portal and Subscriptions); empty: billing jobs fail with a clear reason.
    stripe_api_key: SecretStr = SecretStr("")
    # Stripe's API; a loopback stand-in in tests.
    stripe_api_base: str = "https://api.stripe.com"
    # The signing secret of the webhook endpoint pointed at /hooks/stripe-billing.
    stripe_billing_webhook_secret: SecretStr = SecretStr("")
    stripe_timeout_seconds: float = Field(default=30, gt=0)
    # Links in emails (accept an invitation, open a document) point here.
    app_url: str = "http://localhost:3000"
    # Where the internet reaches the inbound endpoints (python -m worker inbound): Twilio's status
    # callbacks and the one-click unsubscribe links of emails point here, and Twilio's
    # signatures are checked against it.
    public_url: str = "http://127.0.0.1:8081"
    # Signs the one-click unsubscribe links (RFC 8058) of non-essential emails.
    unsubscribe_secret: SecretStr = SecretStr("development-only-unsubscribe-secret")

    # --- text messages: Twilio's Messages API (sms.send) and its webhooks ------------------------
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    # Twilio's API; a loopback stand-in in tests.
    twilio_api_url: str = "https://api.twilio.com"
    twilio_timeout_seconds: float = Field(default=15, gt=0)
    # Texts per second from one sender number (a US long code takes about one).
    sms_rate_per_second: float = Field(default=1, gt=0)

    # --- documents --------------------------------------------------------------------------
    storage_backend: Literal["local", "supabase"] = "local"
    storage_dir: Path = Path(".fieldbase/storage")
    storage_bucket: str = "documents"
    supabase_url: str = ""
    supabase_service_role_key: SecretStr = SecretStr("")

    # --- webhooks ---------------------------------------------------------------------------
    # Deliver to private, loopback and link-local addresses (local development only).
    webhook_allow_private_targets: bool = False
    webhook_timeout_seconds: float = Field(default=15, gt=0)
    # Requests per second to one endpoint from this replica.
    webhook_endpoint_rate_per_second: float = Field(default=10, gt=0)
    # An endpoint whose every delivery failed for this long is switched off.
    webhook_disable_after_hours: float = Field(default=120, gt=0)

    # --- logs -------------------------------------------------------------------------------
    log_level: str = "INFO"

    # "production" refuses the local defaults that would send mail from a made-up sender with
    # links to localhost, or deliver webhooks into the private network.
    environment: Literal["development", "production"] = "development"

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds")
        if self.reap_seconds >= self.lease_seconds:
            raise ValueError("reap_seconds must be shorter than lease_seconds")
        if len(self.unsubscribe_secret.get_secret_value()) < 16:
            raise ValueError("FIELDBASE_WORKER_UNSUBSCRIBE_SECRET needs at least 16 characters")
        if self.email_backend == "resend" and not self.resend_api_key.get_secret_value():
            raise ValueError("email_backend=resend needs FIELDBASE_WORKER_RESEND_API_KEY")
        if self.storage_backend == "supabase" and not (
            self.supabase_url and self.supabase_service_role_key.get_secret_value()
        ):
            raise ValueError(
                "storage_backend=supabase needs FIELDBASE_WORKER_SUPABASE_URL and "
                "FIELDBASE_WORKER_SUPABASE_SERVICE_ROLE_KEY"
            )
        if self.environment == "production":
            defaults = type(self).model_fields
            unset = [
                f"FIELDBASE_WORKER_{name.upper()}"
                for name in ("app_url", "email_from", "public_url", "unsubscribe_secret")
                if getattr(self, name) == defaults[name].default
            ]
            if unset:
                raise ValueError(f"production needs {' and '.join(unset)} set")
            if self.webhook_allow_private_targets:
                raise ValueError("production never delivers webhooks to private addresses")
        return self

    @property
    def effective_listen_url(self) -> str | None:
        if self.listen_url == "off":
            return None
        return self.listen_url or self.database_url
