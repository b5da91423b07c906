"""The demonstration scripts/dev runs: the main flows through the real worker, with a local SMTP
sink, local document storage and a local webhook receiver that verifies every signature."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import shutil
import time

import psycopg

from fieldbase_local import auth, settings
from fieldbase_local.mailsink import MailSink
from fieldbase_local.twilio_sink import ACCOUNT_SID, AUTH_TOKEN, TwilioServer
from fieldbase_local.webhook_receiver import WebhookReceiver
from worker.app import build_worker
from worker.config import Settings
from worker.inbound import Inbound

ACME = "a1000000-0000-4000-8000-000000000000"
OWNER = "a0000000-0000-4000-8000-000000000001"

# A day at Acme (supabase/seed/20_field_operations.sql): Tim retests the school's fire line,
# Dana books Maria Gomez's irrigation start-up.
TECHNICIAN = "a0000000-0000-4000-8000-000000000004"
DISPATCHER = "a0000000-0000-4000-8000-000000000003"
RETEST = "a9000000-0000-4000-8000-000000000002"
MARIA_WORK_ORDER = "a8000000-0000-4000-8000-000000000003"
BOOK_MARIA = """
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values (%s, %s, %s, (current_date + 1 + time '14:00') at time zone 'America/Chicago',
        (current_date + 1 + time '15:00') at time zone 'America/Chicago')
"""
# The office side (supabase/seed/30_money_and_service.sql): Sam of City Deli approves the repair
# in the portal; Dana converts it; Olivia sends the invoice and records a cheque; Stripe settles
# the rest; Dana answers Sam's ticket.
SAM = "a0000000-0000-4000-8000-0000000000c1"
DELI_ESTIMATE = "a9300000-0000-4000-8000-000000000001"
DELI_REPAIR_OPTION = "a9310000-0000-4000-8000-000000000001"
SAMS_TICKET = "a9500000-0000-4000-8000-000000000001"
# The local demo's own signing secret, not a credential of any account.
STRIPE_SECRET = "whsec_fieldbase_local_demo"  # noqa: S105
# Acme's text number (the platform assigns it) and what its customers are told about visits.
ACME_NUMBER = "+12175550100"
TEXTS = (
    "update public.messaging_settings set sms_from = %(number)s, reminder_time = '00:00',"
    " quiet_hours_start = '00:00', quiet_hours_end = '00:00' where organization_id = %(acme)s",
    "update public.customer_contacts set message_channels = 'both'"
    " where organization_id = %(acme)s",
)
INVOICE_STATE = (
    "select number, status::text, total_cents, balance_cents, payment_reference::text "
    "from public.invoices where id = %s"
)
TIMS_DAY = """
select to_char(starts_at at time zone time_zone, 'HH24:MI'), work_order_number, title, line1,
       distance_to_next_m
from public.technician_day where user_id = %s and local_date = current_date + 1
order by starts_at
"""


def _enqueue(conn, kind, payload, organization=ACME):
    conn.execute(
        "select queue.enqueue(%s, %s::jsonb, %s)", (kind, json.dumps(payload), organization)
    )


def run(inst: settings.Instance) -> None:
    folder = settings.state_root() / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    mail_dir, storage_dir = folder / "mail", folder / "storage"
    with (
        MailSink(mail_dir) as sink,
        WebhookReceiver() as receiver,
        TwilioServer({ACME_NUMBER}) as texts,
    ):
        api = __import__(
            "fieldbase_local.postgrest", fromlist=["Postgrest"]
        ).Postgrest.for_instance(inst, settings.MAIN_DATABASE)
        bearer = auth.mint_access_token(inst, OWNER, settings.MAIN_DATABASE)
        with api.request(bearer, "POST", "/rpc/create_webhook_endpoint") as req:
            endpoint, secret = req.execute(
                "select * from public.create_webhook_endpoint(%s, %s, '{*}', 'Local receiver')",
                (ACME, receiver.url + "/fieldbase"),
            ).fetchone()
            req.execute("select public.send_test_webhook(%s)", (endpoint,))
            req.execute(
                "select public.invite_member(%s, 'new.tech@example.test', 'technician')", (ACME,)
            )
        # Tim signs off the retest: the PDF, the customer's email and the authority's copy.
        tim = auth.mint_access_token(inst, TECHNICIAN, settings.MAIN_DATABASE)
        with api.request(tim, "POST", "/rpc/finalize_backflow_test") as req:
            req.execute("select public.finalize_backflow_test(%s)", (RETEST,))
        # Dana books Maria Gomez: Tim is notified and Maria gets the appointment email.
        dana = auth.mint_access_token(inst, DISPATCHER, settings.MAIN_DATABASE)
        with api.request(dana, "POST", "/visits") as req:
            req.execute(BOOK_MARIA, (ACME, MARIA_WORK_ORDER, TECHNICIAN))
        with api.request(tim, "GET", "/technician_day") as req:
            tims_day = req.execute(TIMS_DAY, (TECHNICIAN,)).fetchall()
        # Tomorrow's visits are reminded (pg_cron's job, run now: the demo's reminder time has
        # passed), then Tim sets off to his first: City Deli hears by text and email.
        with psycopg.connect(inst.dsn(), autocommit=True) as conn:
            for statement in TEXTS:
                conn.execute(statement, {"number": ACME_NUMBER, "acme": ACME})
            conn.execute("select private.queue_visit_reminders()")
            first_visit = conn.execute(
                "select id from public.visits where user_id = %s order by starts_at limit 1",
                (TECHNICIAN,),
            ).fetchone()[0]
        with api.request(tim, "POST", "/rpc/start_visit_travel") as req:
            req.execute("select * from public.start_visit_travel(%s)", (first_visit,))

        money, deli_invoice = _office_day(inst, api)
        receiver.secret = secret

        worker_settings = Settings(
            database_url=inst.dsn("fieldbase_worker"),
            worker_id="scripts-dev",
            http_port=0,
            smtp_port=sink.port,
            storage_dir=storage_dir,
            stripe_webhook_secret=STRIPE_SECRET,
            webhook_allow_private_targets=True,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_url=texts.url,
            sms_rate_per_second=50,
            log_level="WARNING",
        )

        async def drain() -> int:
            worker = build_worker(worker_settings)
            try:
                return await worker.run(once=True)
            finally:
                await worker.services.aclose()

        money += _stripe_settles(inst, api, worker_settings, deli_invoice)
        processed = asyncio.run(drain())
        with psycopg.connect(inst.dsn()) as conn:
            jobs = conn.execute(
                "select kind, status::text, coalesce(last_error, '') "
                "from queue.job_queue order by id"
            ).fetchall()
            documents = conn.execute(
                "select storage_path, page_count, size_bytes, left(sha256, 12) "
                "from public.documents order by created_at"
            ).fetchall()

    print("\nTim's day tomorrow (as Tim reads it through the API):")
    for starts, number, title, line1, distance in tims_day:
        leg = f", {int(distance) / 1000:.1f} km to the next stop" if distance is not None else ""
        print(f"  {starts}  #{number} {title}, {line1}{leg}")
    print("\nThe office (each step through the API as the person who takes it):")
    for line in money:
        print(f"  {line}")
    print(f"\nworker demo: {processed} job(s) run by the real worker")
    for kind, status, error in jobs:
        print(f"  {status:<10} {kind}{'  ' + error if error else ''}")
    print(f"\nemails     {len(sink.messages)} in the local SMTP sink, saved in {mail_dir}")
    for message in sink.messages:
        attached = [a.get_filename() for a in message.iter_attachments()]
        extra = f"  [attached: {', '.join(attached)}]" if attached else ""
        print(f"  to {message['To']}: {message['Subject']}{extra}")
    print(f"\ntexts      {len(texts.messages)} in the local Twilio sink ({texts.url})")
    for text in texts.messages:
        print(f"  to {text['to']} from {text['from']}: {text['body']}")
    print(f"\ndocuments  {len(documents)} PDF(s) in {storage_dir / 'documents'}")
    for path, pages, size, sha in documents:
        print(f"  {path}  ({pages} page(s), {size} bytes, sha256 {sha}...)")
    print(f"\nwebhooks   {len(receiver.deliveries)} delivery(ies) at {receiver.url}/fieldbase")
    for delivery in receiver.deliveries:
        verdict = "signature verified" if delivery.verified else f"NOT verified: {delivery.error}"
        event = delivery.payload["type"] if delivery.payload else "?"
        print(f"  {delivery.headers.get('webhook-id')}  {event}  ({verdict})")


def _invoice_line(req, invoice) -> str:
    number, status, total, balance, _ = req.execute(INVOICE_STATE, (invoice,)).fetchone()
    return f"invoice INV-{number}: {status}, total {total / 100:.2f}, balance {balance / 100:.2f}"


def _office_day(inst: settings.Instance, api) -> tuple[list[str], str]:
    """The estimate approved in the portal, converted, invoiced, part paid; the ticket answered.
    Returns what happened, line by line, and the invoice's id."""
    token = {
        who: auth.mint_access_token(inst, who, settings.MAIN_DATABASE)
        for who in (SAM, DISPATCHER, OWNER)
    }
    lines = []
    with api.request(token[SAM], "POST", "/rpc/approve_estimate") as req:
        req.execute("select public.approve_estimate(%s, %s)", (DELI_ESTIMATE, DELI_REPAIR_OPTION))
    lines.append("Sam (City Deli, customer portal) approved estimate EST-1, option Repair")
    with api.request(token[DISPATCHER], "POST", "/rpc/convert_estimate") as req:
        _work_order, invoice = req.execute(
            "select * from public.convert_estimate(%s)", (DELI_ESTIMATE,)
        ).fetchone()
    lines.append("Dana converted it: a draft work order and a draft invoice")
    with api.request(token[OWNER], "POST", "/rpc/send_invoice") as req:
        req.execute("select public.send_invoice(%s)", (invoice,))
        lines.append("Olivia sent it: " + _invoice_line(req, invoice))
    with api.request(token[OWNER], "POST", "/rpc/record_payment") as req:
        for _retry in range(2):  # a retried request records one payment
            req.execute(
                "select public.record_payment(%s, 10000, 'check', 'demo-cheque-3310', "
                "'Cheque 3310')",
                (invoice,),
            )
        lines.append(
            "Olivia recorded a cheque of 100.00 (sent twice): " + _invoice_line(req, invoice)
        )
    with api.request(token[DISPATCHER], "POST", "/ticket_comments") as req:
        req.execute(
            "insert into public.ticket_comments (organization_id, ticket_id, body) "
            "values (%s, %s, %s)",
            (ACME, SAMS_TICKET, "Tim will flush the new strainer on Thursday morning."),
        )
        req.execute(
            "update public.tickets set status = 'waiting_for_customer' where id = %s",
            (SAMS_TICKET,),
        )
    lines.append("Dana answered Sam's ticket #1 and is waiting for Sam")
    return lines, invoice


def _stripe_settles(inst: settings.Instance, api, worker_settings: Settings, invoice) -> list[str]:
    """A Stripe payment_intent.succeeded for the balance, signed as Stripe signs it and handed
    to the worker's inbound /hooks/stripe; then the dashboard as Olivia sees it."""
    with psycopg.connect(inst.dsn()) as conn:
        _, _, _, balance, reference = conn.execute(INVOICE_STATE, (invoice,)).fetchone()
    body = json.dumps(
        {
            "id": "evt_demo_settles_deli",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_demo_deli",
                    "object": "payment_intent",
                    "amount_received": balance,
                    "currency": "usd",
                    "created": int(time.time()),
                    "metadata": {"fieldbase_payment_reference": reference},
                }
            },
        }
    ).encode()
    stamp = int(time.time())
    signature = hmac.new(STRIPE_SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    inbound = Inbound(worker_settings)
    inbound.pool.open()
    try:
        status, answer = inbound.stripe(
            {
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "HTTP_STRIPE_SIGNATURE": f"t={stamp},v1={signature.hexdigest()}",
            }
        )
    finally:
        inbound.pool.close()
    owner = auth.mint_access_token(inst, OWNER, settings.MAIN_DATABASE)
    with psycopg.connect(inst.dsn(), autocommit=True) as conn:
        conn.execute("select private.refresh_organization_kpis()")
    with api.request(owner, "POST", "/rpc/dashboard_kpis") as req:
        state = _invoice_line(req, invoice)
        kpis = req.execute("select * from public.dashboard_kpis(%s)", (ACME,)).fetchone()
    return [
        f"Stripe's payment_intent.succeeded ({status} {answer.get('outcome')}): {state}",
        "Olivia's dashboard: "
        f"{kpis[0]} open work orders, {kpis[1]} visits today, "
        f"billed {kpis[2] / 100:.2f} and collected {kpis[3] / 100:.2f} this month, "
        f"{kpis[5]} overdue invoice(s) for {kpis[4] / 100:.2f}, "
        f"{kpis[6]} assemblies due in 30 days, {kpis[7]} ticket(s) past their SLA",
    ]
