"""A job's payload is a contract: the worker's model for its kind is the definition. The flows
that queue jobs run as the people who take them (through the PostgREST stand-in, and pg_cron's
functions as pg_cron calls them), and every payload the database queued must validate against
its kind's model, strictly: a key the model does not know fails as surely as a missing one."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from demo import day as demo
from tests.worker.conftest import REPO
from tests.worker.test_webhooks import call
from worker.cli import payload_schemas
from worker.handlers import build_registry

ACME = demo.ACME
# Every kind the database queues by itself (the rest are queued by the worker, as follow-ups).
QUEUED_BY_SQL = {
    "email.appointment_booked",
    "email.appointment_changed",
    "email.invitation",
    "email.invoice_reminder",
    "email.portal_invitation",
    "email.test_due",
    "email.ticket_updated",
    "email.visit_message",
    "export.csv",
    "pdf.render",
    "sms.send",
    "webhook.deliver",
}


def run_the_flows(db) -> None:
    """A day at Acme that queues a job of every kind the database queues."""
    call(db, demo.TECHNICIAN, "select public.finalize_backflow_test(%s)", (demo.RETEST,))
    book = demo.BOOK_MARIA.strip() + " returning 1"
    call(db, demo.DISPATCHER, book, (ACME, demo.MARIA_WORK_ORDER, demo.TECHNICIAN))
    call(
        db,
        demo.DISPATCHER,
        "update public.visits set starts_at = starts_at + interval '1 hour',"
        " ends_at = ends_at + interval '1 hour' where work_order_id = %s returning 1",
        (demo.MARIA_WORK_ORDER,),
    )
    call(db, demo.OWNER, "select public.invite_member(%s, 'new@acme.test', 'technician')", (ACME,))
    ((endpoint, _secret),) = call(
        db,
        demo.OWNER,
        "select * from public.create_webhook_endpoint(%s, 'https://hooks.example.test/x')",
        (ACME,),
    )
    call(db, demo.OWNER, "select public.send_test_webhook(%s)", (endpoint,))
    call(
        db,
        demo.SAM,
        "select public.approve_estimate(%s, %s)",
        (demo.DELI_ESTIMATE, demo.DELI_REPAIR_OPTION),
    )
    ((_work_order, invoice),) = call(
        db, demo.DISPATCHER, "select * from public.convert_estimate(%s)", (demo.DELI_ESTIMATE,)
    )
    call(db, demo.OWNER, "select public.send_invoice(%s)", (invoice,))
    call(
        db,
        demo.DISPATCHER,
        "insert into public.ticket_comments (organization_id, ticket_id, body)"
        " values (%s, %s, 'We will be there on Monday') returning 1",
        (ACME, demo.SAMS_TICKET),
    )
    call(db, demo.OWNER, "select public.request_export(%s, 'customers')", (ACME,))
    with db.connect(autocommit=True) as conn:
        contact = conn.execute(
            "select c.id from public.customer_contacts as c"
            " where c.organization_id = %s and c.email is not null"
            " and not exists (select from public.portal_accounts as p where p.contact_id = c.id)"
            " order by c.id limit 1",
            (ACME,),
        ).fetchone()[0]
    call(db, demo.OWNER, "select public.invite_portal_user(%s)", (contact,))
    with db.connect(autocommit=True) as conn:
        # Acme's number is assigned by the platform; City Deli's contact takes texts and email.
        conn.execute(
            "update public.messaging_settings set sms_from = '+12175550100'"
            " where organization_id = %s",
            (ACME,),
        )
        conn.execute(
            "update public.customer_contacts set message_channels = 'both'"
            " where organization_id = %s",
            (ACME,),
        )
        visit = conn.execute(
            "select v.id from public.visits as v where v.user_id = %s order by v.starts_at limit 1",
            (demo.TECHNICIAN,),
        ).fetchone()[0]
    call(db, demo.TECHNICIAN, "select 1 from public.start_visit_travel(%s)", (visit,))
    with db.connect(autocommit=True) as conn:
        # What pg_cron runs on its schedules.
        for scheduled in (
            "private.queue_due_notices()",
            "private.create_agreement_work_orders()",
            "private.run_invoice_reminders()",
        ):
            conn.execute(f"select {scheduled}")


def queued(db) -> list[dict]:
    with db.connect(autocommit=True) as conn:
        rows = conn.execute("select id, kind, payload from queue.all_jobs order by id").fetchall()
    return [{"id": r[0], "kind": r[1], "payload": r[2]} for r in rows]


def with_follow_ups(jobs: list[dict]) -> list[dict]:
    """The jobs, and the follow-ups a PDF job carries (queued by the worker once the document is
    stored, with its path added): their payloads are written by the SQL too."""
    found = list(jobs)
    for job in jobs:
        if job["kind"] == "pdf.render":
            for n, follow_up in enumerate(job["payload"].get("then", [])):
                payload = {**follow_up["payload"], "document_path": "org/kind/file.pdf"}
                found.append(
                    {"id": f"{job['id']}.then[{n}]", "kind": follow_up["kind"], "payload": payload}
                )
    return found


def violations(jobs: list[dict]) -> list[str]:
    registry = build_registry()
    found = []
    for job in with_follow_ups(jobs):
        registration = registry.get(job["kind"])
        if registration is None:
            found.append(f"job {job['id']}: no worker handles {job['kind']}")
            continue
        try:
            registration.payload_model.model_validate(job["payload"])
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
            )
            found.append(f"job {job['id']} ({job['kind']}): {problems}")
    return found


def test_every_payload_the_database_queues_is_what_its_worker_model_says(fresh_db):
    run_the_flows(fresh_db)
    jobs = queued(fresh_db)
    assert {job["kind"] for job in jobs} >= QUEUED_BY_SQL, "every kind the SQL queues ran"
    follow_ups = {job["kind"] for job in with_follow_ups(jobs)} - {job["kind"] for job in jobs}
    assert {"email.invoice_sent", "email.inspection_report_ready"} <= follow_ups
    assert violations(jobs) == []


@pytest.mark.parametrize("kind", sorted(QUEUED_BY_SQL))
def test_a_renamed_or_unknown_key_breaks_the_contract(fresh_db, kind):
    run_the_flows(fresh_db)
    job = next(job for job in queued(fresh_db) if job["kind"] == kind)
    payload = dict(job["payload"])
    key = sorted(payload)[0]
    payload[key + "_renamed"] = payload.pop(key)
    [problem] = violations([{**job, "payload": json.loads(json.dumps(payload))}])
    assert f"{key}_renamed: Extra inputs are not permitted" in problem


def test_the_published_payload_schemas_are_the_models():
    """docs/job-payloads.json lets a frontend or another worker read the contract;
    scripts/regenerate writes it."""
    published = json.loads((REPO / "docs" / "job-payloads.json").read_text())
    assert published == json.loads(json.dumps(payload_schemas())), "run scripts/regenerate"
    assert published["email.invitation"]["additionalProperties"] is False
