"""Email jobs: one kind per template, each with its payload model.

At-least-once made safe: the Message-ID and Resend's Idempotency-Key come from the job id, and
once a message is sent the job remembers it (progress.email_sent), so a retry never resends.
Suppressed addresses (bounced, complained) are skipped, not failed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from worker import unsubscribe
from worker.errors import PermanentError, RetryLater
from worker.handlers.organizations import organization_file, organization_profile
from worker.mail import Attachment, Email
from worker.registry import JobContext, Registry, until_reachable

# A plain addr-spec, normalised to lower case before the suppression check and the send: no
# display names, comments ("(x)victim@example.com") or quoting, as the database stores them.
EmailAddress = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=254,
        pattern=(
            r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
        ),
    ),
]
# Attach PDFs up to this size; larger ones are linked.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class _Payload(BaseModel):
    # The contract with the SQL that queues it: a key this model does not know is an error.
    model_config = ConfigDict(extra="forbid", frozen=True)


class InvitationEmail(_Payload):
    invitation_id: uuid.UUID
    email: EmailAddress
    role: str
    token: str
    organization_name: str
    inviter_name: str | None = None


class InvoiceSentEmail(_Payload):
    to: EmailAddress
    customer_name: str
    invoice_number: str
    total: Decimal
    currency: str | None = None
    due_date: dt.date
    pay_url: str | None = None
    # A stored PDF (<organization_id>/invoice/...) to attach.
    document_path: str | None = None


class EstimateOptionTotal(_Payload):
    name: str
    total: Decimal


class EstimateSentEmail(_Payload):
    to: EmailAddress
    customer_name: str
    estimate_number: str
    title: str
    currency: str | None = None
    valid_until: dt.date
    options: list[EstimateOptionTotal] = []
    # A stored PDF (<organization_id>/estimate/...) to attach.
    document_path: str | None = None


class PortalInvitationEmail(_Payload):
    email: EmailAddress
    contact_name: str
    customer_name: str
    token: str


class InvoiceReminderEmail(_Payload):
    to: EmailAddress
    customer_name: str
    invoice_number: str
    amount_due: Decimal
    currency: str | None = None
    due_date: dt.date
    days_overdue: int = 0
    pay_url: str | None = None


class InspectionReportReadyEmail(_Payload):
    to: EmailAddress
    customer_name: str
    site_address: str
    inspection_type: str = "backflow test"
    inspection_date: dt.date
    result: Literal["pass", "fail", "repair needed"]
    document_path: str | None = None
    attach: bool = True
    report_url: str | None = None
    # The report this copy submits to the water authority: once the email has gone, the handler
    # records the submission (queue.record_authority_submission).
    authority_submission_of: uuid.UUID | None = None


class AuthorityBatchEmail(_Payload):
    """A month's reports to a water authority as one CSV (monthly submission_schedule)."""

    batch_id: uuid.UUID
    to: EmailAddress
    authority_name: str
    period_start: dt.date
    period_end: dt.date
    report_count: int


class AppointmentEmail(_Payload):
    to: EmailAddress
    customer_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    address: str
    technician_name: str | None = None
    service: str | None = None
    notes: str | None = None
    previous_starts_at: dt.datetime | None = None
    cancelled: bool = False


class TestDueEmail(_Payload):
    """A backflow test coming due (30 or 7 days ahead) or overdue; queued by pg_cron."""

    to: EmailAddress
    customer_name: str
    site_address: str
    assembly_kind: str
    serial_number: str
    due_on: dt.date
    step: Literal["30_days", "7_days", "overdue"]


class TrialExpiringEmail(_Payload):
    to: EmailAddress
    name: str
    trial_ends_at: dt.datetime
    upgrade_url: str | None = None


class AccountNoticeEmail(_Payload):
    """A lifecycle notice from fieldbase itself to an organization's owner (a platform job, so
    it goes out while the organization's own jobs wait); queued by private.send_billing_notice."""

    to: EmailAddress
    name: str | None = None
    organization_name: str
    notice: Literal[
        "welcome",
        "trial_ending",
        "trial_ended",
        "subscription_confirmed",
        "payment_failed",
        "suspended",
        "reactivated",
        "cancellation_confirmed",
        "purge_scheduled",
    ]
    on_date: dt.date | None = None
    plan_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


class TicketUpdatedEmail(_Payload):
    to: EmailAddress
    name: str
    ticket_number: str
    ticket_subject: str
    status: str
    comment: str | None = None
    comment_author: str | None = None
    ticket_url: str | None = None


async def load_attachment(ctx: JobContext, path: str, filename: str) -> Attachment | None:
    """A stored document of the job's own organization, or None when too large to attach."""
    content = await organization_file(ctx, path, "Document")
    if len(content) > MAX_ATTACHMENT_BYTES:
        return None
    return Attachment(filename, content)


def sender_display(organization_name: str | None, product_name: str) -> str:
    name = " ".join((organization_name or "").split())[:100]
    if not name:
        return product_name
    return f"{name} via {product_name}" if product_name else name


# Emails to an organization's customers: logged in public.communications and, the first time an
# address hears from the organization, stripped of everything the tenant writes but its name.
CUSTOMER_TEMPLATES = {
    "appointment",
    "estimate_sent",
    "inspection_report_ready",
    "invoice_reminder",
    "invoice_sent",
    "portal_invitation",
    "test_due",
    "ticket_updated",
    "visit_message",
}
# Reminders rather than receipts: a one-click unsubscribe stops them; receipts, invoices and
# test reports are never suppressed by it.
NON_ESSENTIAL_TEMPLATES = {"test_due", "visit_message"}


async def record_email(
    ctx: JobContext,
    communication_id: uuid.UUID | None,
    to: str,
    template: str,
    status: str,
    subject: str | None = None,
    provider_id: str | None = None,
    error: str | None = None,
) -> None:
    """Bring the communications log in step with what happened to a customer's email."""
    if communication_id and status == "sent":
        await ctx.db.fetch(
            "record_message_sent",
            communication_id=communication_id,
            provider_id=provider_id,
            body=subject,
        )
    elif communication_id:
        await ctx.db.fetch(
            "record_message_failed",
            communication_id=communication_id,
            status=status,
            error=error,
            opt_out=False,
        )
    else:
        await ctx.db.fetch(
            "log_email",
            job_id=ctx.job.id,
            organization_id=ctx.job.organization_id,
            address=to,
            template=template,
            subject=subject,
            essential=template not in NON_ESSENTIAL_TEMPLATES,
            status=status,
            provider_id=provider_id,
            error=error,
        )


async def send_email(
    ctx: JobContext,
    template: str,
    to: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
    communication_id: uuid.UUID | None = None,
    standing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Send one templated email. To a customer, `standing` is the address's message_context
    (opted out, first contact), read here unless the caller already has it."""
    if ctx.job.progress.get("email_sent"):
        return {"to": to, "message_id": ctx.job.progress.get("message_id"), "resent": False}
    to_customer = template in CUSTOMER_TEMPLATES and ctx.job.organization_id is not None
    essential = template not in NON_ESSENTIAL_TEMPLATES
    first_contact = False
    if to_customer:
        if standing is None:
            [standing] = await ctx.db.fetch(
                "message_context",
                organization_id=ctx.job.organization_id,
                channel="email",
                address=to,
            )
        if standing["opted_out"] and not essential:
            reason = "The customer unsubscribed from these emails"
            await record_email(ctx, communication_id, to, template, "skipped", error=reason)
            return {"to": to, "skipped": reason}
        first_contact = standing["first_contact"]
    if await ctx.db.fetch("suppressed_emails", emails=[to]):
        reason = "address suppressed after a bounce or complaint"
        if to_customer:
            await record_email(ctx, communication_id, to, template, "skipped", error=reason)
        return {"to": to, "skipped": reason}
    organization = context.get("organization") or await organization_profile(ctx)
    if first_contact:
        # The first message to an address carries the organization's name and nothing else it
        # writes (footer, logo, colour, reply-to): no tenant can use us to open a conversation
        # with a stranger in its own words.
        organization = {**organization, "branding": {}}
    headers: dict[str, str] = {}
    unsubscribe_url = None
    if to_customer and not essential:
        unsubscribe_url = unsubscribe.link(ctx.settings, ctx.job.organization_id, to)
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    subject, html, text = ctx.services.renderer.render(
        template,
        {
            "time_zone": organization["time_zone"],
            **context,
            "organization": organization,
            "unsubscribe_url": unsubscribe_url,
        },
    )
    sender_name, sender_address = email.utils.parseaddr(ctx.settings.email_from)
    domain = sender_address.rpartition("@")[2] or "fieldbase.local"
    message = Email(
        # "<Organization> via fieldbase": a tenant can name itself anything, so the product's
        # name always shows whose system sent the message.
        sender=email.utils.formataddr(
            (sender_display(organization["name"], sender_name), sender_address)
        ),
        to=to,
        subject=subject,
        html=html,
        text=text,
        message_id=f"<job-{ctx.job.id}@{domain}>",
        idempotency_key=f"fieldbase-job-{ctx.job.id}",
        reply_to=organization["branding"].get("reply_to"),
        attachments=attachments or [],
        headers=headers,
    )
    await ctx.services.email_limiter.acquire(ctx.services.email.name)
    try:
        provider_id = await ctx.services.email.send(message)
    except PermanentError as error:
        if to_customer:
            await record_email(
                ctx, communication_id, to, template, "failed", subject, None, str(error)
            )
        raise
    except RetryLater as error:
        if to_customer and ctx.job.attempts >= ctx.job.max_attempts:
            await record_email(
                ctx, communication_id, to, template, "failed", subject, None, str(error)
            )
        raise
    await ctx.save_progress(email_sent=True, message_id=message.message_id)
    if to_customer:
        await until_reachable(
            lambda: record_email(ctx, communication_id, to, template, "sent", subject, provider_id),
            give_up_after=ctx.settings.progress_patience_seconds,
        )
    return {
        "to": to,
        "subject": subject,
        "message_id": message.message_id,
        "provider_id": provider_id,
        "attachments": [a.filename for a in message.attachments],
    }


def register(registry: Registry) -> None:
    @registry.register("email.invitation", InvitationEmail)
    async def invitation(ctx: JobContext, p: InvitationEmail) -> dict[str, Any]:
        # An invitation goes to someone with no relationship to the organization yet: it carries
        # the organization's name and nothing else a tenant writes (no footer, logo, colour or
        # reply-to), so no tenant can send a stranger its own words under our name.
        organization = {**await organization_profile(ctx), "branding": {}}
        accept_url = f"{ctx.settings.app_url.rstrip('/')}/invitations/accept?token={p.token}"
        result = await send_email(
            ctx,
            "invitation",
            p.email,
            {
                "organization": organization,
                "role": p.role,
                "accept_url": accept_url,
                "inviter_name": p.inviter_name,
            },
        )
        # The token only had to reach the invitee; it is not kept in the queue.
        ctx.redact.append("token")
        return result

    @registry.register("email.invoice_sent", InvoiceSentEmail)
    async def invoice_sent(ctx: JobContext, p: InvoiceSentEmail) -> dict[str, Any]:
        organization = await organization_profile(ctx)
        attachments = []
        if p.document_path:
            attachment = await load_attachment(
                ctx, p.document_path, f"invoice-{p.invoice_number}.pdf"
            )
            attachments = [attachment] if attachment else []
        context = {
            **p.model_dump(),
            "organization": organization,
            "currency": p.currency or organization["currency"],
            "attached": bool(attachments),
        }
        return await send_email(ctx, "invoice_sent", p.to, context, attachments)

    @registry.register("email.estimate_sent", EstimateSentEmail)
    async def estimate_sent(ctx: JobContext, p: EstimateSentEmail) -> dict[str, Any]:
        organization = await organization_profile(ctx)
        attachments = []
        if p.document_path:
            attachment = await load_attachment(
                ctx, p.document_path, f"estimate-{p.estimate_number}.pdf"
            )
            attachments = [attachment] if attachment else []
        context = {
            **p.model_dump(),
            "organization": organization,
            "currency": p.currency or organization["currency"],
            "attached": bool(attachments),
            "portal_url": f"{ctx.settings.app_url.rstrip('/')}/portal/estimates",
        }
        return await send_email(ctx, "estimate_sent", p.to, context, attachments)

    @registry.register("email.portal_invitation", PortalInvitationEmail)
    async def portal_invitation(ctx: JobContext, p: PortalInvitationEmail) -> dict[str, Any]:
        organization = await organization_profile(ctx)
        accept_url = f"{ctx.settings.app_url.rstrip('/')}/portal/accept?token={p.token}"
        result = await send_email(
            ctx,
            "portal_invitation",
            p.email,
            {
                "organization": organization,
                "contact_name": p.contact_name,
                "customer_name": p.customer_name,
                "accept_url": accept_url,
            },
        )
        # The token only had to reach the invitee; it is not kept in the queue.
        ctx.redact.append("token")
        return result

    @registry.register("email.invoice_reminder", InvoiceReminderEmail)
    async def invoice_reminder(ctx: JobContext, p: InvoiceReminderEmail) -> dict[str, Any]:
        organization = await organization_profile(ctx)
        context = {
            **p.model_dump(),
            "organization": organization,
            "currency": p.currency or organization["currency"],
        }
        return await send_email(ctx, "invoice_reminder", p.to, context)

    @registry.register("email.inspection_report_ready", InspectionReportReadyEmail)
    async def inspection_report_ready(
        ctx: JobContext, p: InspectionReportReadyEmail
    ) -> dict[str, Any]:
        attachments = []
        if p.document_path and p.attach:
            attachment = await load_attachment(ctx, p.document_path, "inspection-report.pdf")
            attachments = [attachment] if attachment else []
        context = {**p.model_dump(), "attached": bool(attachments)}
        sent = await send_email(ctx, "inspection_report_ready", p.to, context, attachments)
        if p.authority_submission_of and not sent.get("skipped"):
            # The email has gone (now or on an earlier attempt): the report is submitted,
            # waiting out a database that is away rather than sending again.
            sent["submission_recorded"] = await until_reachable(
                lambda: ctx.db.fetch_value(
                    "record_authority_submission", worker_id=ctx.db.worker_id, job_id=ctx.job.id
                ),
                give_up_after=ctx.settings.progress_patience_seconds,
            )
        return sent

    @registry.register("email.authority_batch", AuthorityBatchEmail)
    async def authority_batch(ctx: JobContext, p: AuthorityBatchEmail) -> dict[str, Any]:
        lines = [
            row["line"]
            async for row in ctx.db.stream(
                "authority_batch_lines", worker_id=ctx.db.worker_id, job_id=ctx.job.id
            )
        ]
        content = ("\r\n".join(lines) + "\r\n").encode()
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise PermanentError(
                f"The batch's CSV is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
            )
        name = f"backflow-tests-{p.period_start:%Y-%m}.csv"
        attachment = Attachment(name, content, "text/csv")
        sent = await send_email(ctx, "authority_batch", p.to, p.model_dump(), [attachment])
        if not sent.get("skipped"):
            # The email has gone (now or on an earlier attempt): the batch's reports are
            # submitted, waiting out a database that is away rather than sending again.
            sent["submission_recorded"] = await until_reachable(
                lambda: ctx.db.fetch_value(
                    "record_authority_batch",
                    worker_id=ctx.db.worker_id,
                    job_id=ctx.job.id,
                    message_id=sent["message_id"],
                ),
                give_up_after=ctx.settings.progress_patience_seconds,
            )
        return sent

    async def appointment(ctx: JobContext, p: AppointmentEmail, change: str) -> dict[str, Any]:
        context = {**p.model_dump(), "change": "cancelled" if p.cancelled else change}
        return await send_email(ctx, "appointment", p.to, context)

    @registry.register("email.appointment_booked", AppointmentEmail)
    async def appointment_booked(ctx: JobContext, p: AppointmentEmail) -> dict[str, Any]:
        return await appointment(ctx, p, "booked")

    @registry.register("email.appointment_changed", AppointmentEmail)
    async def appointment_changed(ctx: JobContext, p: AppointmentEmail) -> dict[str, Any]:
        return await appointment(ctx, p, "changed")

    @registry.register("email.test_due", TestDueEmail)
    async def test_due(ctx: JobContext, p: TestDueEmail) -> dict[str, Any]:
        return await send_email(ctx, "test_due", p.to, p.model_dump())

    @registry.register("email.trial_expiring", TrialExpiringEmail)
    async def trial_expiring(ctx: JobContext, p: TrialExpiringEmail) -> dict[str, Any]:
        upgrade_url = p.upgrade_url or f"{ctx.settings.app_url.rstrip('/')}/settings/billing"
        return await send_email(
            ctx, "trial_expiring", p.to, {**p.model_dump(), "upgrade_url": upgrade_url}
        )

    @registry.register("email.account_notice", AccountNoticeEmail)
    async def account_notice(ctx: JobContext, p: AccountNoticeEmail) -> dict[str, Any]:
        needs = {
            "welcome": "on_date",
            "trial_ending": "on_date",
            "cancellation_confirmed": "on_date",
            "purge_scheduled": "on_date",
            "subscription_confirmed": "plan_name",
            "payment_failed": "amount",
        }
        if p.notice in needs and getattr(p, needs[p.notice]) is None:
            raise PermanentError(f"The {p.notice} notice needs {needs[p.notice]}")
        billing_url = f"{ctx.settings.app_url.rstrip('/')}/settings/billing"
        context = {**p.model_dump(), "currency": p.currency or "USD", "billing_url": billing_url}
        return await send_email(ctx, "account_notice", p.to, context)

    @registry.register("email.ticket_updated", TicketUpdatedEmail)
    async def ticket_updated(ctx: JobContext, p: TicketUpdatedEmail) -> dict[str, Any]:
        return await send_email(ctx, "ticket_updated", p.to, p.model_dump())
