"""What customers are told, end to end: the technician sets off through the PostgREST stand-in,
the real worker texts through the real `twilio` library (pointed at a loopback Twilio that
checks the request as Twilio documents it) and emails through real SMTP; Twilio's status
callbacks and the customer's replies reach the inbound server signed as Twilio signs them; the
communications log follows every step."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import httpx
import pytest
from standardwebhooks import Webhook

from demo import day as demo
from fieldbase_local.twilio_sink import ACCOUNT_SID, AUTH_TOKEN, TwilioServer
from tests.worker.conftest import InboundServer, enqueue, job
from tests.worker.support import reopen_job
from tests.worker.test_webhooks import call

ACME = demo.ACME
TIM = demo.TECHNICIAN
CITY_DELI = "a3000000-0000-4000-8000-000000000001"
CITY_DELI_WORK_ORDER = "a8000000-0000-4000-8000-000000000001"
SAM_PHONE = "+12175550101"
SAM_EMAIL = "owner@citydeli.example.test"
ACME_NUMBER = "+12175550100"


@pytest.fixture
def twilio():
    with TwilioServer({ACME_NUMBER}) as api:
        yield api


@pytest.fixture
def inbound(settings, twilio):
    with InboundServer(
        settings, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN
    ) as server:
        yield server


@pytest.fixture
def texting(sql, run, twilio, inbound):
    """Acme has its number; Sam of City Deli wants texts and email; the worker is configured
    for Twilio with its callbacks at the inbound server."""
    sql.execute(
        "update public.messaging_settings set sms_from = %s, quiet_hours_start = '00:00',"
        " quiet_hours_end = '00:00' where organization_id = %s",
        (ACME_NUMBER, ACME),
    )
    sql.execute(
        "update public.customer_contacts set message_channels = 'both' where customer_id = %s",
        (CITY_DELI,),
    )

    def run_texting(**overrides):
        return run(
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_url=twilio.url,
            public_url=inbound.url,
            sms_rate_per_second=100,
            **overrides,
        )

    return run_texting


def deli_visit(sql) -> str:
    return str(
        sql.execute(
            "select id from public.visits where work_order_id = %s", (CITY_DELI_WORK_ORDER,)
        ).fetchone()["id"]
    )


def log(sql, **where):
    clause = " and ".join(f"{k} = %({k})s" for k in where) or "true"
    return sql.execute(
        f"select * from public.communications where {clause} order by created_at, channel",
        where,
    ).fetchall()


def set_off(db, sql) -> str:
    visit = deli_visit(sql)
    [row] = call(db, TIM, "select * from public.start_visit_travel(%s)", (visit,))
    assert row[0] is not None
    return visit


def test_on_my_way_is_texted_and_emailed_and_the_log_follows_twilio(
    db, sql, texting, twilio, inbound, mail_sink
):
    visit = set_off(db, sql)
    assert texting() == 2
    [text] = twilio.messages
    assert text["to"] == SAM_PHONE and text["from"] == ACME_NUMBER
    window = sql.execute(
        "select lower(arrival_window) as starts, upper(arrival_window) as ends,"
        " (select s.time_zone from public.sites as s join public.work_orders as w"
        "  on w.site_id = s.id where w.id = %s) as zone"
        " from public.visits where id = %s",
        (CITY_DELI_WORK_ORDER, visit),
    ).fetchone()
    starts = window["starts"].astimezone(__import__("zoneinfo").ZoneInfo(window["zone"]))
    assert text["body"].startswith("Acme Backflow Testing: Tim is on the way to ")
    assert f"arriving between {starts:%H:%M}" in text["body"]
    assert text["body"].endswith("Reply STOP to opt out.")
    assert text["status_callback"] == f"{inbound.url}/hooks/twilio/status"
    [email] = mail_sink.wait_for(1)
    assert email["To"] == SAM_EMAIL and email["Subject"] == "Tim is on the way"
    sms_row, email_row = (log(sql, visit_id=visit, channel=c)[0] for c in ("sms", "email"))
    assert (sms_row["status"], sms_row["provider_id"], sms_row["body"]) == (
        "sent",
        text["sid"],
        text["body"],
    )
    assert sms_row["customer_id"] is not None and not sms_row["essential"]
    assert email_row["status"] == "sent" and email_row["body"] == "Tim is on the way"

    # Twilio reports delivery; a late "sent" callback does not move it back.
    assert twilio.report(text, "sent").status_code == 200
    assert twilio.report(text, "delivered").status_code == 200
    late = twilio.report(text, "sent")
    assert late.status_code == 200 and late.headers["content-type"] == "text/xml"
    [row] = log(sql, provider_id=text["sid"])
    assert row["status"] == "delivered" and row["delivered_at"] is not None

    # A callback not signed with Acme's account's token is refused and changes nothing.
    forged = twilio.signed_post(
        text["status_callback"],
        {"AccountSid": ACCOUNT_SID, "MessageSid": text["sid"], "MessageStatus": "failed"},
        token="not-the-auth-token",
    )
    assert forged.status_code == 403
    unsigned = httpx.post(
        text["status_callback"],
        data={"AccountSid": ACCOUNT_SID, "MessageSid": text["sid"], "MessageStatus": "failed"},
    )
    assert unsigned.status_code == 403
    assert log(sql, provider_id=text["sid"])[0]["status"] == "delivered"


def test_a_status_that_arrives_before_the_send_is_recorded_still_counts(sql):
    """Twilio can call back before the worker has written the SID it was given."""
    [row] = sql.execute(
        "insert into public.communications (organization_id, channel, address, template)"
        " values (%s, 'sms', %s, 'on_my_way') returning id",
        (ACME, SAM_PHONE),
    ).fetchall()
    sql.execute("select queue.record_message_status('sms', 'SMearly', 'delivered')")
    sql.execute("select queue.record_message_sent(%s, 'SMearly', 'Hello')", (row["id"],))
    [after] = log(sql, id=row["id"])
    assert after["status"] == "delivered" and after["body"] == "Hello"


def test_stop_opts_the_number_out_at_once_and_start_back_in(db, sql, texting, twilio, inbound):
    visit = set_off(db, sql)  # queued before the customer replies STOP
    inbound_url = f"{inbound.url}/hooks/twilio/messages"
    answer = twilio.reply(inbound_url, SAM_PHONE, ACME_NUMBER, " stop ", sid="SMreply1")
    assert answer.status_code == 200 and answer.text.endswith("<Response></Response>")
    # Twilio retries a webhook it got no answer to: the same SID is logged once.
    assert twilio.reply(inbound_url, SAM_PHONE, ACME_NUMBER, " stop ", sid="SMreply1").is_success
    [opt_out] = sql.execute("select * from public.message_opt_outs").fetchall()
    assert (opt_out["organization_id"], opt_out["channel"], opt_out["address"]) == (
        __import__("uuid").UUID(ACME),
        "sms",
        SAM_PHONE,
    )
    assert opt_out["source"] == "keyword"
    [reply] = log(sql, direction="inbound")
    assert str(reply["customer_id"]) == CITY_DELI and reply["status"] == "received"

    # The text queued before STOP is not sent; the email still goes.
    texting()
    assert twilio.messages == []
    [skipped] = log(sql, visit_id=visit, channel="sms")
    assert skipped["status"] == "skipped" and "STOP" in skipped["error"]

    # Every path that texts leaves the number alone: the reminder and the thank-you.
    sql.execute(
        "update public.messaging_settings set thank_you_enabled = true,"
        " review_url = 'https://reviews.example.test/acme' where organization_id = %s",
        (ACME,),
    )
    sql.execute("update public.visits set status = 'completed' where id = %s", (visit,))
    sql.execute("select private.queue_visit_message(%s, 'visit_reminder')", (visit,))
    texting()
    assert twilio.messages == []
    assert {(r["template"], r["status"]) for r in log(sql, visit_id=visit, channel="sms")} == {
        ("on_my_way", "skipped"),
        ("thank_you", "skipped"),
        ("visit_reminder", "skipped"),
    }

    # START opts back in: the next text goes.
    assert twilio.reply(inbound_url, SAM_PHONE, ACME_NUMBER, "START").is_success
    assert sql.execute("select count(*) from public.message_opt_outs").fetchone()["count"] == 0
    sql.execute("delete from public.communications where template = 'visit_reminder'")
    sql.execute("select private.queue_visit_message(%s, 'visit_reminder')", (visit,))
    texting()
    [text] = twilio.messages
    assert text["to"] == SAM_PHONE and "reminder of your visit" in text["body"]


def test_a_number_twilio_knows_opted_out_is_opted_out_here_too(db, sql, texting, twilio):
    """STOP reached Twilio while our webhook was down: Twilio refuses with 21610."""
    twilio.stopped.add((SAM_PHONE, ACME_NUMBER))
    set_off(db, sql)
    texting()
    [row] = log(sql, channel="sms")
    assert row["status"] == "failed" and "21610" in row["error"]
    [opt_out] = sql.execute("select * from public.message_opt_outs").fetchall()
    assert opt_out["address"] == SAM_PHONE and opt_out["source"] == "carrier"
    dead = sql.execute("select * from queue.all_jobs where kind = 'sms.send'").fetchone()
    assert dead["status"] == "dead" and "unsubscribed recipient" in dead["last_error"]


def test_twilio_unavailable_is_retried_and_the_text_goes_once(db, sql, texting, twilio):
    twilio.failures = [503]
    set_off(db, sql)
    texting()
    first = sql.execute("select * from queue.all_jobs where kind = 'sms.send'").fetchone()
    assert first["status"] == "retrying" and "503" in first["last_error"]
    assert log(sql, channel="sms")[0]["status"] == "queued"
    sql.execute("update queue.job_queue set run_at = now() where id = %s", (first["id"],))
    texting()
    assert len(twilio.messages) == 1
    assert job(sql, first["id"])["status"] == "succeeded"
    # A retry after the send (the worker died before it finished) does not text again.
    reopen_job(sql, first["id"], "queued")
    texting()
    assert len(twilio.messages) == 1


def test_quiet_hours_hold_a_reminder_until_they_end(db, sql, texting, twilio):
    visit = deli_visit(sql)
    sql.execute("select private.queue_visit_message(%s, 'visit_reminder')", (visit,))
    # Quiet hours began after it was queued: the worker holds it rather than text at night.
    sql.execute(
        "update public.messaging_settings set"
        " quiet_hours_start = ((now() at time zone 'America/Chicago') - interval '1 hour')::time,"
        " quiet_hours_end = ((now() at time zone 'America/Chicago') + interval '3 hours')::time"
        " where organization_id = %s",
        (ACME,),
    )
    sql.execute(
        "update public.organizations set time_zone = 'America/Chicago' where id = %s", (ACME,)
    )
    texting()
    assert twilio.messages == []
    held = sql.execute("select * from queue.all_jobs where kind = 'sms.send'").fetchone()
    assert held["status"] == "retrying" and "Quiet hours" in held["last_error"]
    assert held["run_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(hours=2, minutes=55)
    # "On my way" is not held: the customer is expecting someone now.
    set_off(db, sql)
    texting()
    assert [m["body"] for m in twilio.messages if "on the way" in m["body"]]


def test_what_a_hostile_tenant_writes_is_bounded_in_a_text(db, sql, texting, twilio):
    sql.execute(
        "update public.organizations set name = %s where id = %s",
        ("Acme " + "x" * 55 + " Account locked, call 217 555 0199", ACME),
    )
    sql.execute(
        "update public.messaging_settings set thank_you_enabled = true,"
        " review_url = 'https://reviews.example.test/acme' where organization_id = %s",
        (ACME,),
    )
    visit = deli_visit(sql)
    sql.execute("update public.visits set status = 'completed' where id = %s", (visit,))
    sql.execute("update queue.job_queue set run_at = now() where kind = 'sms.send'")
    texting()
    [text] = twilio.messages
    name = text["body"].split(":")[0]
    # The organization's name (100 characters allowed) is cut to 60 in a text.
    assert len(name) <= 60 and "Account locked" not in text["body"]
    # The first text to a number carries no link the tenant chose.
    assert "reviews.example.test" not in text["body"]
    # Once the number has heard from the organization, the thank-you carries the review link.
    # (The first thank-you stays in the log, no longer tied to the visit, so it can go again.)
    sql.execute("update public.communications set visit_id = null where template = 'thank_you'")
    sql.execute("select private.queue_visit_message(%s, 'thank_you', now())", (visit,))
    texting()
    assert "https://reviews.example.test/acme" in twilio.messages[-1]["body"]


def test_a_non_essential_email_unsubscribes_in_one_click_and_receipts_still_go(
    db, sql, run, inbound, mail_sink
):
    sql.execute(
        "update public.customer_contacts set message_channels = 'email' where customer_id = %s",
        (CITY_DELI,),
    )
    visit = deli_visit(sql)
    sql.execute("select private.queue_visit_message(%s, 'visit_reminder')", (visit,))
    run(public_url=inbound.url)
    [reminder] = mail_sink.wait_for(1)
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = reminder["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{inbound.url}/unsubscribe?token=")
    text = reminder.get_body(("plain",)).get_content()
    assert link in text

    # A link scanner follows the link: nothing happens but a page with a button.
    page = httpx.get(link)
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert sql.execute("select count(*) from public.message_opt_outs").fetchone()["count"] == 0
    # A forged token (another address) is refused.
    token = urlsplit(link).query.removeprefix("token=")
    payload, signature = token.split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    assert (
        httpx.post(f"{inbound.url}/unsubscribe?token={forged_payload}.{signature}").status_code
        == 400
    )
    # The mail program's one-click POST (RFC 8058), without signing in.
    done = httpx.post(link, content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200 and SAM_EMAIL in done.text
    [opt_out] = sql.execute("select * from public.message_opt_outs").fetchall()
    assert (opt_out["channel"], opt_out["address"], opt_out["source"]) == (
        "email",
        SAM_EMAIL,
        "unsubscribe_link",
    )

    # The next reminder is skipped; an invoice (essential) still arrives, without the header.
    sql.execute("delete from public.communications where template = 'visit_reminder'")
    sql.execute("select private.queue_visit_message(%s, 'visit_reminder')", (visit,))
    enqueue(
        sql,
        "email.invoice_sent",
        {
            "to": SAM_EMAIL,
            "customer_name": "City Deli",
            "invoice_number": "INV-9",
            "total": "10",
            "due_date": "2026-12-31",
        },
        organization_id=ACME,
    )
    run(public_url=inbound.url)
    messages = mail_sink.wait_for(2)
    assert [m["Subject"] for m in messages][-1].startswith("Invoice INV-9")
    assert messages[-1]["List-Unsubscribe"] is None
    [skipped] = log(sql, template="visit_reminder")
    assert skipped["status"] == "skipped" and "opted out" in skipped["error"]
    [invoice] = log(sql, template="invoice_sent")
    assert invoice["status"] == "sent" and str(invoice["customer_id"]) == CITY_DELI
    assert invoice["essential"]


def test_resend_events_bring_the_log_in_step(sql, settings):
    [row] = sql.execute(
        "insert into public.communications (organization_id, channel, address, template,"
        " status, provider_id) values (%s, 'email', %s, 'invoice_sent', 'sent', 're_42')"
        " returning id",
        (ACME, SAM_EMAIL),
    ).fetchall()
    secret = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="
    with InboundServer(settings, resend_webhook_secret=secret) as inbound:
        for n, kind in enumerate(("email.delivered", "email.sent"), start=1):
            event = json.dumps({"type": kind, "data": {"email_id": "re_42", "to": [SAM_EMAIL]}})
            now = dt.datetime.now(dt.UTC)
            headers = {
                "svix-id": f"msg_{n}",
                "svix-timestamp": str(int(now.timestamp())),
                "svix-signature": Webhook(secret).sign(f"msg_{n}", now, event),
            }
            assert httpx.post(
                f"{inbound.url}/hooks/resend", content=event, headers=headers
            ).is_success
    [after] = log(sql, id=row["id"])
    assert after["status"] == "delivered", "a late 'sent' event does not move it back"
