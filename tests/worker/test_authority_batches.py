"""Monthly batch submission by email: on the first run of a month the schedule batches last
month's unsubmitted reports of an authority that takes a file, the worker sends one CSV attached
through real SMTP, the reports are submitted, and nothing is ever sent twice."""

from __future__ import annotations

import csv
import io

from tests.worker.support import as_user

ACME = "a1000000-0000-4000-8000-000000000000"
AUTHORITY = "a2000000-0000-4000-8000-000000000001"
TECH = "a0000000-0000-4000-8000-000000000004"
RP = "a5000000-0000-4000-8000-000000000001"
DC = "a5000000-0000-4000-8000-000000000002"


def report(sql, assembly: str, tested_on: str, **extra) -> str:
    columns = {
        "organization_id": ACME,
        "assembly_id": assembly,
        "user_id": TECH,
        "tested_on": tested_on,
        "check_valve_1_psid": 5.5,
        "check_valve_2_psid": 1.5,
        "relief_valve_opening_psid": 2.5,
        "air_inlet_opening_psid": 1.5,
        "status": "finalized",
        **extra,
    }
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    return str(
        sql.execute(
            f"insert into public.backflow_test_reports ({names}) values ({marks}) returning id",
            tuple(columns.values()),
        ).fetchone()["id"]
    )


def test_a_months_reports_go_to_the_authority_as_one_csv_once(db, sql, run, mail_sink):
    # The authority's owner-facing setting, changed as an admin would through the API.
    as_user(
        db.dsn(),
        "adam.admin@acme.test",
        "update public.water_authorities set submission_schedule = 'monthly' where id = %s"
        " returning id",
        (AUTHORITY,),
    )
    november = [report(sql, RP, "2026-11-10"), report(sql, DC, "2026-11-20")]
    december = report(sql, RP, "2026-12-02")
    imported = report(sql, DC, "2026-11-05", imported=True, result="pass")
    expected = {
        str(r["id"])
        for r in sql.execute(
            "select r.id from public.backflow_test_reports as r"
            " join public.assemblies as a on a.id = r.assembly_id"
            " join public.sites as s on s.id = a.site_id"
            " where s.water_authority_id = %s and r.status = 'finalized' and not r.imported"
            " and r.submitted_at is null and r.submission_queued_at is null"
            " and r.tested_on <= '2026-11-30'",
            (AUTHORITY,),
        ).fetchall()
    }
    assert set(november) <= expected and december not in expected

    # The last day of November in Chicago (already December in UTC): not a new month there yet.
    assert (
        sql.execute(
            "select private.queue_authority_batches('2026-12-01 03:00+00') as made"
        ).fetchone()["made"]
        == 0
    )
    made = sql.execute(
        "select private.queue_authority_batches('2026-12-01 14:00+00') as made"
    ).fetchone()["made"]
    assert made == 1
    batch = sql.execute(
        "select * from public.authority_submission_batches where water_authority_id = %s",
        (AUTHORITY,),
    ).fetchone()
    assert (str(batch["period_start"]), str(batch["period_end"])) == ("2026-11-01", "2026-11-30")
    assert batch["report_count"] == len(expected) and batch["status"] == "queued"

    assert run() >= 1
    messages = [m for m in mail_sink.wait_for(1) if m["To"] == "backflow@cwlp.example.test"]
    assert len(messages) == 1
    message = messages[0]
    assert "Backflow test reports for November 2026" in message["Subject"]
    attachment = next(p for p in message.iter_attachments())
    assert attachment.get_filename() == "backflow-tests-2026-11.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert {r["report_id"] for r in rows} == expected
    assert imported not in {r["report_id"] for r in rows}
    assert next(r for r in rows if r["report_id"] == november[0])["serial_number"] == "AX-40871"

    batch = sql.execute(
        "select * from public.authority_submission_batches where id = %s", (batch["id"],)
    ).fetchone()
    assert batch["status"] == "sent" and batch["reference"] == message["Message-ID"]
    submitted = sql.execute(
        "select id::text, submitted_at is not null as submitted, submitted_via::text"
        " from public.backflow_test_reports where id = any(%s::uuid[])",
        ([*november, december, imported],),
    ).fetchall()
    state = {r["id"]: (r["submitted"], r["submitted_via"]) for r in submitted}
    assert state[november[0]] == state[november[1]] == (True, "email")
    assert state[december] == (False, None) and state[imported] == (False, None)

    # Never twice: the schedule runs again (the same day, the next day), the worker again.
    for at in ("2026-12-01 15:00+00", "2026-12-02 14:00+00"):
        assert (
            sql.execute("select private.queue_authority_batches(%s) as made", (at,)).fetchone()[
                "made"
            ]
            == 0
        )
    run()
    assert len([m for m in mail_sink.messages if m["To"] == "backflow@cwlp.example.test"]) == 1


def test_finalising_leaves_a_monthly_authoritys_reports_to_the_batch(db, sql):
    sql.execute(
        "update public.water_authorities set submission_schedule = 'monthly' where id = %s",
        (AUTHORITY,),
    )
    jobs_before = sql.execute(
        "select count(*) as n from queue.all_jobs where kind = 'email.inspection_report_ready'"
        " and payload ? 'authority_submission_of'"
    ).fetchone()["n"]
    draft = report(sql, RP, "2026-12-03", status="draft", certification_id=None)
    sql.execute(
        "update public.backflow_test_reports set certification_id = c.id, gauge_id = g.id"
        " from public.tester_certifications as c, public.test_gauges as g"
        " where backflow_test_reports.id = %s and c.user_id = %s and g.organization_id = %s"
        " and g.calibration_due_on >= '2026-12-03'",
        (draft, TECH, ACME),
    )
    finalized = as_user(
        db.dsn(),
        "dana.dispatcher@acme.test",
        "select status::text, submitted_via::text from public.finalize_backflow_test(%s)",
        (draft,),
    )
    assert finalized == ("finalized", None)
    jobs_after = sql.execute(
        "select count(*) as n from queue.all_jobs where kind = 'email.inspection_report_ready'"
        " and payload ? 'authority_submission_of'"
    ).fetchone()["n"]
    assert jobs_after == jobs_before
