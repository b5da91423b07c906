"""Every lifecycle email fieldbase sends an organization's owners, rendered and sent through the
real SMTP path: what its subject says, what its body must tell the owner, and where its button
goes. A notice missing what it must show is a dead job with the reason, not a blank email."""

from __future__ import annotations

import pytest

from tests.worker.conftest import enqueue, job

BASE = {"to": "owner@acme.test", "name": "Olivia", "organization_name": "Acme Backflow"}

NOTICES = {
    "welcome": (
        {"on_date": "2026-12-21"},
        "Welcome to fieldbase, Acme Backflow",
        "Your free trial runs until 21 Dec 2026",
    ),
    "trial_ending": (
        {"on_date": "2026-12-21"},
        "Your fieldbase trial ends on 21 Dec 2026",
        "Choose a plan",
    ),
    "trial_ended": ({}, "Your fieldbase trial has ended", "read-only"),
    "subscription_confirmed": (
        {"plan_name": "Starter"},
        "You are subscribed to fieldbase Starter",
        "subscribed to the Starter plan",
    ),
    "payment_failed": (
        {"amount": "49.00", "currency": "USD"},
        "Your fieldbase payment failed",
        "We could not collect USD 49.00",
    ),
    "suspended": ({}, "Acme Backflow is suspended for non-payment", "read-only"),
    "reactivated": ({}, "Acme Backflow is active again", "Payment received"),
    "cancellation_confirmed": (
        {"on_date": "2027-01-06"},
        "Your fieldbase subscription is cancelled",
        "You keep full access until 06 Jan 2027",
    ),
    "purge_scheduled": (
        {"on_date": "2027-02-04"},
        "Acme Backflow's data will be deleted on 04 Feb 2027",
        "Export it before then",
    ),
}


@pytest.mark.parametrize("notice", NOTICES)
def test_each_lifecycle_email(sql, run, mail_sink, notice):
    extra, subject, phrase = NOTICES[notice]
    job_id = enqueue(sql, "email.account_notice", {**BASE, "notice": notice, **extra})
    run()
    assert job(sql, job_id)["status"] == "succeeded", job(sql, job_id)["last_error"]
    (message,) = mail_sink.messages
    assert message["Subject"] == subject
    assert message["To"] == "owner@acme.test"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert phrase in text and "Hello Olivia," in text
    assert "https://app.fieldbase.test/settings/billing" in text
    assert 'href="https://app.fieldbase.test/settings/billing"' in html


@pytest.mark.parametrize("notice", ["trial_ending", "payment_failed", "subscription_confirmed"])
def test_a_notice_without_what_it_must_show_is_dead_with_the_reason(sql, run, mail_sink, notice):
    job_id = enqueue(sql, "email.account_notice", {**BASE, "notice": notice})
    run()
    dead = job(sql, job_id)
    assert dead["status"] == "dead" and f"The {notice} notice needs" in dead["last_error"]
    assert mail_sink.messages == []


def test_an_organization_name_is_escaped_in_the_html(sql, run, mail_sink):
    enqueue(
        sql,
        "email.account_notice",
        {**BASE, "organization_name": "<script>x</script> Co", "notice": "trial_ended"},
    )
    run()
    (message,) = mail_sink.messages
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
