"""Email jobs end to end: rendered, sent over real SMTP to a loopback sink, never twice."""

from __future__ import annotations

import datetime as dt
import json

from fieldbase_local.resend_sink import ResendSink
from tests.worker.conftest import enqueue, job
from tests.worker.support import reopen_job

ACME = "select id from public.organizations where slug = 'acme'"


def org_id(sql, query=ACME):
    return sql.execute(query).fetchone()["id"]


def brand(sql, organization):
    sql.execute(
        "update public.organizations set branding = %s, time_zone = 'America/Chicago' "
        "where id = %s",
        (
            json.dumps(
                {
                    "primary_color": "#aa3300",
                    "footer": "Acme Backflow · Lic. 4471",
                    "reply_to": "olivia.owner@acme.test",
                }
            ),
            organization,
        ),
    )


def known_to(sql, organization, address):
    """The address has heard from the organization before (a message in its log)."""
    sql.execute(
        "insert into public.communications (organization_id, channel, address, status)"
        " values (%s, 'email', %s, 'delivered')",
        (organization, address),
    )


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_invoice_email_arrives_with_branding_and_both_parts(sql, run, mail_sink):
    acme = org_id(sql)
    brand(sql, acme)
    known_to(sql, acme, "pat@customer.test")
    job_id = enqueue(
        sql,
        "email.invoice_sent",
        {
            "to": "pat@customer.test",
            "customer_name": "Pat <Customer>",
            "invoice_number": "INV-1001",
            "total": "1234.5",
            "due_date": "2026-12-15",
            "pay_url": "https://pay.example/inv-1001",
        },
        organization_id=acme,
    )
    assert run() == 1
    [message] = mail_sink.wait_for(1)
    text, html = parts(message)
    assert message["To"] == "pat@customer.test"
    assert message["Subject"] == "Invoice INV-1001 from Acme Backflow Testing"
    assert message["From"] == "Acme Backflow Testing via fieldbase <no-reply@fieldbase.test>"
    assert message["Reply-To"] == "olivia.owner@acme.test"
    assert message["Message-ID"] == f"<job-{job_id}@fieldbase.test>"
    assert "USD 1,234.50" in text and "15 Dec 2026" in text
    assert "https://pay.example/inv-1001" in text
    assert "Acme Backflow · Lic. 4471" in text
    assert "#aa3300" in html and "Pat &lt;Customer&gt;" in html, "HTML is escaped"
    row = job(sql, job_id)
    assert row["status"] == "succeeded" and row["result"]["message_id"] == message["Message-ID"]
    assert (mail_sink.folder / "0001.eml").exists(), "the sink keeps a copy people can open"


def test_every_template_renders_and_sends(sql, run, mail_sink):
    acme = org_id(sql)
    starts = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC).isoformat()
    jobs = {
        "email.invoice_reminder": {
            "to": "a@x.test",
            "customer_name": "A",
            "invoice_number": "INV-7",
            "amount_due": "80",
            "due_date": "2026-11-01",
            "days_overdue": 20,
        },
        "email.inspection_report_ready": {
            "to": "b@x.test",
            "customer_name": "B",
            "site_address": "1 Main St",
            "inspection_date": "2026-11-20",
            "result": "pass",
            "report_url": "https://r.example/1",
        },
        "email.appointment_booked": {
            "to": "c@x.test",
            "customer_name": "C",
            "starts_at": starts,
            "address": "2 Oak Ave",
            "technician_name": "Tess",
        },
        "email.appointment_changed": {
            "to": "d@x.test",
            "customer_name": "D",
            "starts_at": starts,
            "address": "2 Oak Ave",
            "previous_starts_at": "2026-11-30T15:00:00+00:00",
        },
        "email.trial_expiring": {
            "to": "e@x.test",
            "name": "E",
            "trial_ends_at": "2026-12-05T00:00:00+00:00",
        },
        "email.test_due": {
            "to": "g@x.test",
            "customer_name": "G",
            "site_address": "3 Elm St",
            "assembly_kind": "rp",
            "serial_number": "RP-9",
            "due_on": "2026-12-20",
            "step": "7_days",
        },
        "email.estimate_sent": {
            "to": "h@x.test",
            "customer_name": "H",
            "estimate_number": "EST-3",
            "title": "Failed RP assembly",
            "valid_until": "2026-12-31",
            "options": [{"name": "Repair", "total": "309.75"}, {"name": "Replace", "total": "699"}],
        },
        "email.ticket_updated": {
            "to": "f@x.test",
            "name": "F",
            "ticket_number": "42",
            "ticket_subject": "Leaky valve",
            "status": "resolved",
            "comment": "Replaced the check valve.",
        },
    }
    sql.execute(
        "update public.organizations set time_zone = 'America/Chicago' where id = %s", (acme,)
    )
    for kind, payload in jobs.items():
        enqueue(sql, kind, payload, organization_id=acme)
    assert run() == len(jobs)
    by_to = {m["To"]: m for m in mail_sink.wait_for(len(jobs))}
    assert by_to["a@x.test"]["Subject"] == "Overdue: invoice INV-7"
    assert "20 days overdue" in parts(by_to["a@x.test"])[0]
    assert by_to["b@x.test"]["Subject"] == "Your backflow test report for 1 Main St is ready"
    assert "Result: PASS" in parts(by_to["b@x.test"])[0]
    assert by_to["c@x.test"]["Subject"] == "Appointment booked: Tue 01 Dec, 09:00 (America/Chicago)"
    assert "Technician: Tess" in parts(by_to["c@x.test"])[0]
    assert by_to["d@x.test"]["Subject"].startswith("Appointment changed")
    assert "it was Mon 30 Nov 2026, 09:00" in parts(by_to["d@x.test"])[0]
    assert by_to["e@x.test"]["Subject"] == "Your fieldbase trial ends on 04 Dec 2026"
    assert "https://app.fieldbase.test/settings/billing" in parts(by_to["e@x.test"])[0]
    assert by_to["f@x.test"]["Subject"] == "[#42] Leaky valve: resolved"
    assert by_to["g@x.test"]["Subject"] == "Backflow test due 20 Dec 2026 at 3 Elm St"
    assert "RP backflow assembly (serial RP-9)" in parts(by_to["g@x.test"])[0]
    assert by_to["h@x.test"]["Subject"] == "Estimate EST-3 from Acme Backflow Testing"
    estimate_text = parts(by_to["h@x.test"])[0]
    assert "- Repair: USD 309.75" in estimate_text and "- Replace: USD 699.00" in estimate_text
    assert "https://app.fieldbase.test/portal/estimates" in estimate_text


def test_invitation_email_carries_the_token_then_the_queue_forgets_it(sql, run, mail_sink, db):
    acme = org_id(sql)
    job_id = enqueue(
        sql,
        "email.invitation",
        {
            "invitation_id": "6f0c1a8e-3a55-4c36-9f7e-1b6a1f0b9a10",
            "email": "new.tech@acme.test",
            "role": "technician",
            "token": "tok_abc123",
            "organization_name": "Acme Backflow",
        },
        organization_id=acme,
    )
    run()
    [message] = mail_sink.wait_for(1)
    assert "https://app.fieldbase.test/invitations/accept?token=tok_abc123" in parts(message)[0]
    assert message["Subject"] == "You are invited to join Acme Backflow Testing"
    assert "token" not in job(sql, job_id)["payload"]


def test_an_invitation_carries_nothing_a_tenant_writes_but_its_name(sql, run, mail_sink):
    """A trial organization's footer, logo and reply-to reached a stranger through an invitation:
    a phishing line under fieldbase's name. Its own customers' emails keep them."""
    acme = org_id(sql)
    sql.execute(
        "update public.organizations set branding = %s where id = %s",
        (
            json.dumps(
                {
                    "footer": "Account locked: visit paypa1-secure.example to restore access",
                    "reply_to": "olivia.owner@acme.test",
                    "logo_url": "https://paypa1-secure.example/logo.png",
                    "primary_color": "#aa3300",
                }
            ),
            acme,
        ),
    )
    enqueue(
        sql,
        "email.invitation",
        {
            "invitation_id": "6f0c1a8e-3a55-4c36-9f7e-1b6a1f0b9a11",
            "email": "stranger@example.test",
            "role": "technician",
            "token": "tok_stranger",
            "organization_name": "Acme Backflow",
        },
        organization_id=acme,
    )
    enqueue(
        sql,
        "email.invoice_sent",
        {
            "to": "customer@example.test",
            "customer_name": "C",
            "invoice_number": "7",
            "total": "1",
            "due_date": "2026-12-15",
        },
        organization_id=acme,
    )
    run()
    messages = {m["To"]: m for m in mail_sink.wait_for(2)}
    invitation = messages["stranger@example.test"]
    text, html = parts(invitation)
    assert "Acme Backflow Testing" in text
    for part in (text, html, str(invitation)):
        assert "paypa1" not in part and "#aa3300" not in part
    assert invitation["Reply-To"] is None
    # The first message to any address is as plain: a customer the organization has never
    # written to is a stranger too.
    first = messages["customer@example.test"]
    assert "paypa1" not in str(first) and first["Reply-To"] is None
    # Once the address has heard from the organization, its branding is on what it is sent.
    enqueue(
        sql,
        "email.invoice_sent",
        {
            "to": "customer@example.test",
            "customer_name": "C",
            "invoice_number": "8",
            "total": "1",
            "due_date": "2026-12-15",
        },
        organization_id=acme,
    )
    run()
    invoice = mail_sink.wait_for(3)[-1]
    assert "visit paypa1-secure.example to restore access" in parts(invoice)[0]
    assert invoice["Reply-To"] == "olivia.owner@acme.test"
    logged = sql.execute(
        "select template, status from public.communications"
        " where address = 'customer@example.test' order by created_at"
    ).fetchall()
    assert [(r["template"], r["status"]) for r in logged] == [("invoice_sent", "sent")] * 2
    assert not sql.execute(
        "select from public.communications where address = 'stranger@example.test'"
    ).fetchall(), "an invitation is not a customer's message"


def test_portal_invitation_carries_the_token_then_the_queue_forgets_it(sql, run, mail_sink):
    job_id = enqueue(
        sql,
        "email.portal_invitation",
        {
            "email": "Sam@CityDeli.test",
            "contact_name": "Sam",
            "customer_name": "City Deli",
            "token": "tok_portal_1",
        },
        organization_id=org_id(sql),
    )
    run()
    [message] = mail_sink.wait_for(1)
    assert message["To"] == "sam@citydeli.test"
    assert message["Subject"] == "Your customer portal at Acme Backflow Testing"
    assert "https://app.fieldbase.test/portal/accept?token=tok_portal_1" in parts(message)[0]
    assert "token" not in job(sql, job_id)["payload"]


def test_a_retried_email_is_not_sent_again(sql, run, mail_sink):
    job_id = enqueue(
        sql,
        "email.ticket_updated",
        {
            "to": "once@x.test",
            "name": "O",
            "ticket_number": "1",
            "ticket_subject": "S",
            "status": "open",
        },
        organization_id=org_id(sql),
    )
    run()
    mail_sink.wait_for(1)
    # The completion is lost (as when a worker dies right after sending): the job is retried
    # with what it saved of its first attempt.
    reopen_job(sql, job_id)
    assert run() == 1
    row = job(sql, job_id)
    assert row["status"] == "succeeded" and row["attempts"] == 2
    assert len(mail_sink.messages) == 1, "no second email"


def test_suppressed_addresses_are_skipped(sql, run, mail_sink):
    sql.execute(
        "select queue.record_email_event('email.bounced', 'Bounced@X.test', 'mailbox full')"
    )
    job_id = enqueue(
        sql,
        "email.trial_expiring",
        {
            "to": "bounced@x.test",
            "name": "B",
            "trial_ends_at": "2026-12-05T00:00:00+00:00",
        },
    )
    run()
    assert mail_sink.messages == []
    assert job(sql, job_id)["result"]["skipped"].startswith("address suppressed")


def test_an_address_in_another_form_is_still_suppressed_or_refused(sql, run, mail_sink):
    sql.execute("select queue.record_email_event('email.bounced', 'victim@x.test', 'complaint')")
    trial = {"name": "V", "trial_ends_at": "2026-12-05T00:00:00+00:00"}
    suppressed = enqueue(sql, "email.trial_expiring", {"to": "  Victim@X.TEST ", **trial})
    comment = enqueue(sql, "email.trial_expiring", {"to": "(x)victim@x.test", **trial})
    named = enqueue(sql, "email.trial_expiring", {"to": "V <victim@x.test>", **trial})
    run()
    assert mail_sink.messages == []
    assert job(sql, suppressed)["result"]["skipped"].startswith("address suppressed")
    for job_id in (comment, named):
        row = job(sql, job_id)
        assert row["status"] == "dead"
        assert row["last_error"].startswith("Invalid payload: to: String should match pattern")


def test_bad_email_payloads_go_dead_with_a_reason(sql, run, mail_sink):
    job_id = enqueue(sql, "email.invoice_sent", {"to": "not-an-address", "invoice_number": "1"})
    run()
    row = job(sql, job_id)
    assert row["status"] == "dead"
    assert row["last_error"].startswith("Invalid payload: to: String should match pattern")
    assert "customer_name: Field required" in row["last_error"]
    assert mail_sink.messages == []


def test_unreachable_smtp_server_is_retried(sql, run):
    job_id = enqueue(
        sql,
        "email.trial_expiring",
        {
            "to": "x@x.test",
            "name": "X",
            "trial_ends_at": "2026-12-05T00:00:00+00:00",
        },
    )
    run(smtp_port=1)
    row = job(sql, job_id)
    assert row["status"] == "retrying" and row["last_error"].startswith("SMTP server unreachable")


def test_greylisting_is_retried_and_a_refused_address_is_dead(sql, run, mail_sink):
    trial = {"name": "G", "trial_ends_at": "2026-12-05T00:00:00+00:00"}
    mail_sink.rcpt_replies = ["451 4.7.1 Greylisted, try again later"]
    greylisted = enqueue(sql, "email.trial_expiring", {"to": "grey@x.test", **trial})
    run()
    row = job(sql, greylisted)
    assert row["status"] == "retrying", row["last_error"]
    assert "451 4.7.1 Greylisted" in row["last_error"]
    # The retry comes; the server accepts this time.
    sql.execute("update queue.job_queue set run_at = now() where id = %s", (greylisted,))
    run()
    assert job(sql, greylisted)["status"] == "succeeded"
    assert [m["To"] for m in mail_sink.wait_for(1)] == ["grey@x.test"]

    mail_sink.rcpt_replies = ["550 5.1.1 No such user"]
    refused = enqueue(sql, "email.trial_expiring", {"to": "nobody@x.test", **trial})
    run()
    row = job(sql, refused)
    assert row["status"] == "dead" and "550 5.1.1 No such user" in row["last_error"]


def test_resend_backend_sends_with_an_idempotency_key_from_the_job(sql, run):
    with ResendSink(api_key="re_test") as resend:
        job_id = enqueue(
            sql,
            "email.ticket_updated",
            {
                "to": "r@x.test",
                "name": "R",
                "ticket_number": "9",
                "ticket_subject": "S",
                "status": "open",
            },
            organization_id=org_id(sql),
        )
        run(email_backend="resend", resend_api_key="re_test", resend_api_url=resend.url)
    # The sink refuses any other key than re_test (403): one request, delivered.
    assert resend.requests == 1
    [body] = resend.delivered
    assert body["idempotency_key"] == f"fieldbase-job-{job_id}"
    assert body["to"] == ["r@x.test"] and body["subject"] == "[#9] S: open"
    assert body["headers"]["Message-ID"] == f"<job-{job_id}@fieldbase.test>"
    assert job(sql, job_id)["result"]["provider_id"] == body["id"]
