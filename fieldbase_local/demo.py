"""The demonstration scripts/dev runs: the main flows through the real worker, with a local SMTP
sink, local document storage and a local webhook receiver that verifies every signature."""

from __future__ import annotations

import asyncio
import json
import shutil

import psycopg

from fieldbase_local import auth, settings
from fieldbase_local.mailsink import MailSink
from fieldbase_local.webhook_receiver import WebhookReceiver
from worker.app import build_worker
from worker.config import Settings
from worker.pdf import InvoiceDocument

ACME = "a1000000-0000-4000-8000-000000000000"
OWNER = "a0000000-0000-4000-8000-000000000001"

INVOICE = {
    "type": "invoice",
    "number": "INV-1001",
    "issue_date": "2026-11-20",
    "due_date": "2026-12-20",
    "customer": {
        "name": "City Deli",
        "address": ["5 Elm St", "Springfield"],
        "email": "deli@example.test",
    },
    "items": [
        {
            "description": f"Annual backflow test, assembly #{n} (RP ¾″)",
            "quantity": "1",
            "unit_price": "85",
        }
        for n in range(1, 41)
    ]
    + [{"description": "Gasket kit", "quantity": "3", "unit_price": "12.50"}],
    "tax_rate": "0.0825",
}
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
    total = str(InvoiceDocument.model_validate(INVOICE).totals()["total"])
    with MailSink(mail_dir) as sink, WebhookReceiver() as receiver:
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
        receiver.secret = secret

        with psycopg.connect(inst.dsn(), autocommit=True) as conn:
            # What the domain tables' triggers will queue: documents, emails, webhook events.
            _enqueue(
                conn,
                "pdf.render",
                {
                    "document": INVOICE,
                    "source_type": "invoice",
                    "source_id": "INV-1001",
                    "then": [
                        {
                            "kind": "email.invoice_sent",
                            "payload": {
                                "to": "deli@example.test",
                                "customer_name": "City Deli",
                                "invoice_number": "INV-1001",
                                "total": "3722.09",
                                "due_date": "2026-12-20",
                                "pay_url": "http://localhost:3000/pay/INV-1001",
                            },
                        }
                    ],
                },
            )
            conn.execute(
                "select private.emit_webhook_event(%s, 'invoice.sent', %s::jsonb)",
                (ACME, json.dumps({"invoice_number": "INV-1001", "total": total})),
            )

        worker_settings = Settings(
            database_url=inst.dsn("fieldbase_worker"),
            worker_id="scripts-dev",
            http_port=0,
            smtp_port=sink.port,
            storage_dir=storage_dir,
            webhook_allow_private_targets=True,
            log_level="WARNING",
        )

        async def drain() -> int:
            worker = build_worker(worker_settings)
            try:
                return await worker.run(once=True)
            finally:
                await worker.services.aclose()

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
    print(f"\nworker demo: {processed} job(s) run by the real worker")
    for kind, status, error in jobs:
        print(f"  {status:<10} {kind}{'  ' + error if error else ''}")
    print(f"\nemails     {len(sink.messages)} in the local SMTP sink, saved in {mail_dir}")
    for message in sink.messages:
        attached = [a.get_filename() for a in message.iter_attachments()]
        extra = f"  [attached: {', '.join(attached)}]" if attached else ""
        print(f"  to {message['To']}: {message['Subject']}{extra}")
    print(f"\ndocuments  {len(documents)} PDF(s) in {storage_dir / 'documents'}")
    for path, pages, size, sha in documents:
        print(f"  {path}  ({pages} page(s), {size} bytes, sha256 {sha}...)")
    print(f"\nwebhooks   {len(receiver.deliveries)} delivery(ies) at {receiver.url}/fieldbase")
    for delivery in receiver.deliveries:
        verdict = "signature verified" if delivery.verified else f"NOT verified: {delivery.error}"
        event = delivery.payload["type"] if delivery.payload else "?"
        print(f"  {delivery.headers.get('webhook-id')}  {event}  ({verdict})")
