"""What customers are told about their visits, by text (sms.send, through Twilio) and by email
(email.visit_message): the reminder the day before, "on my way", the thank-you.

The database queues them (supabase/current/18_customer_messages.sql) with a communications row
each; the handler checks again what may have changed since (an opt-out, the sender number,
quiet hours), sends once (progress.sms_sent, like email), and brings the row in step."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from worker.errors import PermanentError, RetryLater
from worker.handlers.email import EmailAddress, _Payload, send_email
from worker.handlers.organizations import organization_profile
from worker.registry import JobContext, Registry, until_reachable
from worker.sms import clean

PhoneNumber = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]


class _VisitMessage(_Payload):
    communication_id: uuid.UUID
    message: Literal["visit_reminder", "on_my_way", "thank_you"]
    customer_name: str
    address: str
    time_zone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    technician_first_name: str | None = None
    window_starts_at: dt.datetime | None = None
    window_ends_at: dt.datetime | None = None
    review_url: str | None = None


class TextMessage(_VisitMessage):
    to: PhoneNumber


class VisitEmail(_VisitMessage):
    to: EmailAddress


def _bounded(p: _VisitMessage, first_contact: bool) -> dict[str, Any]:
    """What the templates may show, each value bounded; the first message to a number or
    address carries no link the tenant chose."""
    return {
        **p.model_dump(),
        "customer_name": clean(p.customer_name, 80),
        "address": clean(p.address, 120),
        "technician_first_name": clean(p.technician_first_name, 30) or None,
        "review_url": None if first_contact else p.review_url,
    }


async def _record_failure(
    ctx: JobContext, p: _VisitMessage, status: str, error: str, opt_out: bool = False
) -> None:
    await until_reachable(
        lambda: ctx.db.fetch(
            "record_message_failed",
            communication_id=p.communication_id,
            status=status,
            error=error,
            opt_out=opt_out,
        ),
        give_up_after=ctx.settings.progress_patience_seconds,
    )


def register(registry: Registry) -> None:
    @registry.register("sms.send", TextMessage)
    async def send_text(ctx: JobContext, p: TextMessage) -> dict[str, Any]:
        if ctx.job.progress.get("sms_sent"):
            return {"to": p.to, "sid": ctx.job.progress.get("sid"), "resent": False}
        organization_id = ctx.job.organization_id
        [standing] = await ctx.db.fetch(
            "message_context", organization_id=organization_id, channel="sms", address=p.to
        )
        if standing["opted_out"]:
            reason = "The number opted out of texts (STOP)"
            await _record_failure(ctx, p, "skipped", reason)
            return {"to": p.to, "skipped": reason}
        sender = await ctx.db.fetch("text_sender", organization_id=organization_id)
        if not sender or not sender[0]["sms_from"]:
            reason = "The organization has no sender number for texts"
            await _record_failure(ctx, p, "skipped", reason)
            return {"to": p.to, "skipped": reason}
        quiet_until = sender[0]["quiet_until"]
        if quiet_until and p.message != "on_my_way":
            # Queued before quiet hours began and run late: it waits for the morning.
            wait = (quiet_until - dt.datetime.now(dt.UTC)).total_seconds()
            raise RetryLater(f"Quiet hours until {quiet_until.isoformat()}", retry_in=wait)
        organization = await organization_profile(ctx)
        body = ctx.services.sms_renderer.render(
            p.message,
            {
                **_bounded(p, standing["first_contact"]),
                "organization_name": clean(organization["name"], 60),
            },
        )
        await ctx.services.sms_limiter.acquire(sender[0]["sms_from"])
        try:
            sid = await ctx.services.sms.send(p.to, sender[0]["sms_from"], body)
        except PermanentError as error:
            await _record_failure(
                ctx, p, "failed", str(error), opt_out=getattr(error, "opted_out", False)
            )
            raise
        except RetryLater as error:
            if ctx.job.attempts >= ctx.job.max_attempts:
                await _record_failure(ctx, p, "failed", str(error))
            raise
        await ctx.save_progress(sms_sent=True, sid=sid)
        await until_reachable(
            lambda: ctx.db.fetch(
                "record_message_sent",
                communication_id=p.communication_id,
                provider_id=sid,
                body=body,
            ),
            give_up_after=ctx.settings.progress_patience_seconds,
        )
        return {"to": p.to, "sid": sid, "characters": len(body)}

    @registry.register("email.visit_message", VisitEmail)
    async def visit_email(ctx: JobContext, p: VisitEmail) -> dict[str, Any]:
        # Quiet hours hold texts, which wake people; the database already queued this email for
        # the same moment as its text.
        [standing] = await ctx.db.fetch(
            "message_context",
            organization_id=ctx.job.organization_id,
            channel="email",
            address=p.to,
        )
        return await send_email(
            ctx,
            "visit_message",
            p.to,
            _bounded(p, standing["first_contact"]),
            communication_id=p.communication_id,
            standing=standing,
        )
