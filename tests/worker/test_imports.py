"""Bulk import through the worker, as a frontend drives it: upload to Storage (through its RLS),
start_import as an admin, the worker reads, validates and matches, a dry run reports, the same
import commits, and a second run changes nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import psycopg
import pytest

from tests.worker import import_files
from tests.worker.support import as_user
from worker.database import WorkerDatabase
from worker.handlers import imports

ACME = "a1000000-0000-4000-8000-000000000000"
ADMIN = "adam.admin@acme.test"


def upload(db, settings, name: str, data: bytes, user: str = ADMIN) -> str:
    """The file as Supabase Storage holds it: the object row (inserted as the user, so the
    bucket's policies decide) and the bytes where the worker's storage reads them."""
    path = f"{ACME}/imports/{name}"
    as_user(
        db.dsn(),
        user,
        "insert into storage.objects (bucket_id, name, owner) values ('documents', %s, auth.uid())"
        " returning id",
        (path,),
    )
    target = settings.storage_dir / settings.storage_bucket / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return path


def start(db, path: str, kind: str = "assemblies", dry_run: bool = True, mapping=None) -> str:
    return as_user(
        db.dsn(),
        ADMIN,
        "select id from public.start_import(%s, %s, %s, %s::jsonb, %s)",
        (ACME, kind, path, None if mapping is None else json.dumps(mapping), dry_run),
    )[0]


def the_import(sql, import_id: str) -> dict[str, Any]:
    return sql.execute("select * from public.imports where id = %s", (import_id,)).fetchone()


def counts(sql) -> dict[str, int]:
    return sql.execute(
        "select (select count(*) from public.customers where organization_id = %(o)s) as customers,"
        " (select count(*) from public.sites where organization_id = %(o)s) as sites,"
        " (select count(*) from public.assemblies where organization_id = %(o)s) as assemblies,"
        " (select count(*) from public.backflow_test_reports where organization_id = %(o)s)"
        " as reports,"
        " (select count(*) from public.audit_log where organization_id = %(o)s) as audit",
        {"o": ACME},
    ).fetchone()


def summary_of(row: dict[str, Any]) -> dict[str, Any]:
    s = row["summary"]
    return {
        "total": s["rows"]["total"],
        "valid": s["rows"]["valid"],
        "refused": s["rows"]["refused"],
        "customers": s["customers"],
        "sites": s["sites"],
        "assemblies": s["assemblies"],
    }


def test_a_messy_file_dry_runs_commits_and_changes_nothing_the_second_time(db, sql, run, settings):
    rows, expected = import_files.messy_assemblies()
    before = counts(sql)
    path = upload(db, settings, "assemblies.csv", import_files.as_csv(rows))
    import_id = start(db, path)
    assert run() >= 1
    dry = the_import(sql, import_id)
    assert dry["status"] == "validated", dry["error"]
    assert dry["encoding"] == "cp1252" and dry["file_format"] == "csv"
    assert dry["unknown_columns"] == ["Meter Reader Notes"]
    assert (
        dry["mapping"]["Serial #"] == "serial_number"
        and dry["mapping"]["Zip"] == "site_postal_code"
    )
    assert summary_of(dry) == {
        "total": expected.total,
        "valid": expected.valid,
        "refused": expected.refused,
        "customers": {"new": expected.customers, "matched": 0, "changed": 0},
        "sites": {"new": expected.sites, "matched": 0, "changed": 0},
        "assemblies": {"new": expected.assemblies, "matched": 0, "changed": 0},
    }
    # A dry run writes nothing.
    assert counts(sql) == before

    # The refused rows, downloadable with the file's columns and the reason.
    refused_file = settings.storage_dir / settings.storage_bucket / dry["refused_rows_path"]
    refused = list(csv.reader(io.StringIO(refused_file.read_text())))
    assert refused[0] == ["row", *import_files.HEADERS, "error"]
    assert len(refused) - 1 == expected.refused
    by_row = {int(r[0]): r[-1] for r in refused[1:]}
    assert by_row[4002 + 100] == "Serial #: Serial number SN-0000-00 repeats row 2"
    assert by_row[4502 + 1].startswith(
        'Phone: "555-1234" is not a phone number in international form'
    )
    assert "Use E.164" in by_row[4502 + 1]
    assert by_row[4802].startswith('Type: "Flux capacitor" is not an assembly type')
    assert by_row[4902].startswith("Install Date: ")
    # Latin-1 names arrive as the people wrote them.
    assert refused[1][1] == "Zoë Müller 0000"

    # The same import commits.
    as_user(db.dsn(), ADMIN, "select id from public.commit_import(%s)", (import_id,))
    assert run() >= 1
    done = the_import(sql, import_id)
    assert done["status"] == "committed", done["error"]
    assert done["processed_rows"] == expected.total
    after = counts(sql)
    assert after["customers"] - before["customers"] == expected.customers
    assert after["sites"] - before["sites"] == expected.sites
    assert after["assemblies"] - before["assemblies"] == expected.assemblies
    # Audited as one import, not thousands of row entries.
    assert after["audit"] - before["audit"] == 1
    entry = sql.execute(
        "select * from public.audit_log where organization_id = %s order by id desc limit 1",
        (ACME,),
    ).fetchone()
    assert entry["table_name"] == "imports" and entry["record_id"] == str(import_id)
    # Values as the tables normalise them, and the formula as inert text.
    zoe = sql.execute(
        "select email, phone from public.customers where organization_id = %s and name = %s",
        (ACME, "Zoë Müller 0000"),
    ).fetchone()
    assert zoe == {"email": "owner0000@example.com", "phone": "+13125550000"}
    formula = sql.execute(
        "select location_at_site from public.assemblies where organization_id = %s"
        " and serial_number = 'FX-0000'",
        (ACME,),
    ).fetchone()["location_at_site"]
    assert formula.startswith("=HYPERLINK(")
    sites_of_zoe = sql.execute(
        "select count(*) as n from public.sites as s"
        " join public.customers as c on c.id = s.customer_id"
        " where c.organization_id = %s and c.name = %s",
        (ACME, "Zoë Müller 0000"),
    ).fetchone()["n"]
    assert sites_of_zoe == 2

    # The XLSX twin of the same file, once more: everything is matched, nothing is new.
    path = upload(db, settings, "assemblies.xlsx", import_files.as_xlsx(rows))
    again = start(db, path, dry_run=False)
    assert run() >= 1
    second = the_import(sql, again)
    assert second["status"] == "committed", second["error"]
    assert second["file_format"] == "xlsx"
    assert summary_of(second) == {
        "total": expected.total,
        "valid": expected.valid,
        "refused": expected.refused,
        "customers": {"new": 0, "matched": expected.customers, "changed": 0},
        "sites": {"new": 0, "matched": expected.sites, "changed": 0},
        "assemblies": {"new": 0, "matched": expected.assemblies, "changed": 0},
    }
    assert counts(sql) == {**after, "audit": after["audit"] + 1}
    # A matched row names the existing row it matched.
    matched = sql.execute(
        "select r.assembly_id, a.serial_number from public.import_rows as r"
        " join public.assemblies as a on a.id = r.assembly_id"
        " where r.import_id = %s and r.row_number = 2",
        (again,),
    ).fetchone()
    assert matched["serial_number"] == "SN-0000-00"


def csv_bytes(*rows: list[str], encoding: str = "utf-8") -> bytes:
    return import_files.as_csv([list(r) for r in rows], encoding)


def test_customers_with_contacts_match_change_and_refuse_by_row(db, sql, run, settings):
    harbor = sql.execute(
        "insert into public.customers (organization_id, name, email, phone, billing_postal_code)"
        " values (%s, 'Harbor Foods', 'ap@harborfoods.test', '+13125550100', '60601') returning id",
        (ACME,),
    ).fetchone()["id"]
    data = csv_bytes(
        ["Name", "Email", "Phone", "Billing ZIP", "Contact", "Contact E-mail", "Title"],
        # Matched by email (written differently), with a new phone: changed.
        [
            "HARBOR FOODS inc",
            "AP@HarborFoods.test",
            "+1 312 555 0199",
            "",
            "Maria Lopez",
            "maria@harborfoods.test",
            "Buyer",
        ],
        ["New Co", "hello@newco.test", "", "60602", "Sam Poe", "", ""],
        # The same new customer again (name and ZIP), with another contact.
        ["New  Co", "", "", "60602", "Ida Fox", "ida@newco.test", ""],
        ["Lone Contact", "", "", "", "", "nobody@example.test", ""],
        ["", "ghost@example.test", "", "", "", "", ""],
    )
    path = upload(db, settings, "customers.csv", data)
    import_id = start(db, path, kind="customers", dry_run=False)
    assert run() >= 1
    done = the_import(sql, import_id)
    assert done["status"] == "committed", done["error"]
    s = done["summary"]
    assert s["rows"] == {"total": 5, "valid": 3, "refused": 2, "last_row": 6}
    assert s["customers"] == {"new": 1, "matched": 0, "changed": 1}
    assert s["contacts"] == {"new": 3, "matched": 0, "changed": 0}
    errors = {
        r["row_number"]: r["errors"]
        for r in sql.execute(
            "select row_number, errors from public.import_rows where import_id = %s"
            " and errors <> '[]'",
            (import_id,),
        ).fetchall()
    }
    assert errors == {
        5: [{"column": "Contact", "message": "A contact needs a name"}],
        6: [{"column": "Name", "message": "Customer name is required"}],
    }
    # The match kept the stored name and took the file's new phone.
    assert sql.execute(
        "select name, phone from public.customers where id = %s", (harbor,)
    ).fetchone() == {"name": "Harbor Foods", "phone": "+13125550199"}
    contacts = sql.execute(
        "select c.name as customer, k.name, k.email, k.role from public.customer_contacts as k"
        " join public.customers as c on c.id = k.customer_id"
        " where c.organization_id = %s and c.name in ('Harbor Foods', 'New Co') order by k.name",
        (ACME,),
    ).fetchall()
    assert contacts == [
        {"customer": "New Co", "name": "Ida Fox", "email": "ida@newco.test", "role": None},
        {
            "customer": "Harbor Foods",
            "name": "Maria Lopez",
            "email": "maria@harborfoods.test",
            "role": "Buyer",
        },
        {"customer": "New Co", "name": "Sam Poe", "email": None, "role": None},
    ]
    # The saved mapping is the next import's.
    saved = sql.execute(
        "select mapping from public.import_mappings"
        " where organization_id = %s and kind = 'customers'",
        (ACME,),
    ).fetchone()["mapping"]
    assert saved["Title"] == "contact_role" and saved["Billing ZIP"] == "billing_postal_code"

    again = start(db, upload(db, settings, "customers-again.csv", data), kind="customers")
    assert run() >= 1
    s = the_import(sql, again)["summary"]
    assert s["customers"] == {"new": 0, "matched": 2, "changed": 0}
    assert s["contacts"] == {"new": 0, "matched": 3, "changed": 0}


def test_test_history_becomes_finalised_imported_reports_that_move_due_dates(
    db, sql, run, settings
):
    site = sql.execute(
        "select id from public.sites where organization_id = %s order by created_at, id limit 1",
        (ACME,),
    ).fetchone()["id"]
    sql.execute(
        "insert into public.assemblies (organization_id, site_id, kind, serial_number)"
        " values (%(o)s, %(s)s, 'rp', 'TH-1'), (%(o)s, %(s)s, 'dc', 'TH-2')",
        {"o": ACME, "s": site},
    )
    jobs_before = sql.execute("select count(*) as n from queue.all_jobs").fetchone()["n"]
    data = csv_bytes(
        ["Serial", "Test Date", "Result", "Tested By", "Gauge", "CV1", "RV", "CV2", "Notes"],
        ["th-1", "2023-05-01", "Pass", "Old Tester", "G-77", "5.5", "2.5", "1.2", ""],
        ["TH-1", "2024-05-02", "fail", "Old Tester", "G-77", "5.5", "1.0", "1.2", "RV failed"],
        ["TH 1", "5/20/2024", "PASSED", "Old Tester", "G-77", "5.6", "2.4", "1.3", "after repair"],
        ["TH-1", "2024-05-20", "pass", "", "", "", "", "", ""],
        ["TH-2", "05/03/2024", "P", "", "", "", "", "", ""],
        ["NOPE-9", "2024-01-01", "pass", "", "", "", "", "", ""],
        ["TH-2", "2099-01-01", "pass", "", "", "", "", "", ""],
        ["TH-2", "2024-06-01", "maybe", "", "", "", "", "", ""],
    )
    import_id = start(
        db, upload(db, settings, "history.csv", data), kind="test_history", dry_run=False
    )
    assert run() >= 1
    done = the_import(sql, import_id)
    assert done["status"] == "committed", done["error"]
    assert done["summary"]["rows"]["refused"] == 4
    assert done["summary"]["reports"] == {"new": 4, "matched": 0}
    messages = [
        e["message"]
        for r in sql.execute(
            "select errors from public.import_rows where import_id = %s order by row_number",
            (import_id,),
        ).fetchall()
        for e in r["errors"]
    ]
    assert messages == [
        "The test of TH-1 on 2024-05-20 repeats row 4",
        "There is no assembly with serial number NOPE-9; import the assemblies first",
        "The test date 2099-01-01 is in the future",
        '"maybe" is not a test result. Use pass or fail.',
    ]
    reports = sql.execute(
        "select a.serial_number, r.tested_on::text, r.result::text, r.status::text,"
        " r.imported, r.imported_tester, r.failed_checks, r.submitted_via"
        " from public.backflow_test_reports as r"
        " join public.assemblies as a on a.id = r.assembly_id"
        " where r.import_id = %s order by a.serial_number, r.tested_on",
        (import_id,),
    ).fetchall()
    assert [(r["serial_number"], r["tested_on"], r["result"]) for r in reports] == [
        ("TH-1", "2023-05-01", "pass"),
        ("TH-1", "2024-05-02", "fail"),
        ("TH-1", "2024-05-20", "pass"),
        ("TH-2", "2024-05-03", "pass"),
    ]
    assert all(r["status"] == "finalized" and r["imported"] for r in reports)
    assert reports[0]["imported_tester"] == "Old Tester"
    assert reports[1]["failed_checks"] == ["Relief valve opening point"]
    assert all(r["submitted_via"] is None for r in reports)
    due = {
        r["serial_number"]: r["next_due_on"]
        for r in sql.execute(
            "select serial_number, next_due_on::text from public.assemblies"
            " where organization_id = %s and serial_number like 'TH-%%'",
            (ACME,),
        ).fetchall()
    }
    # The latest pass moves the due date, as a live pass does (the failed test does not).
    assert due == {"TH-1": "2025-05-20", "TH-2": "2025-05-03"}
    # No emails, no PDFs, no authority submission: only the import's own job ran.
    jobs = sql.execute(
        "select kind from queue.all_jobs where id > (select max(id) - 10 from queue.all_jobs)"
        " order by id"
    ).fetchall()
    assert (
        sql.execute("select count(*) as n from queue.all_jobs").fetchone()["n"] == jobs_before + 1
    )
    assert jobs[-1]["kind"] == "import.run"

    again = start(db, upload(db, settings, "history-again.csv", data), kind="test_history")
    assert run() >= 1
    assert the_import(sql, again)["summary"]["reports"] == {"new": 0, "matched": 4}


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("blank.csv", b"\r\n\r\n", "The file is empty"),
        ("header.csv", b"Customer,Phone\r\n", "The file has a header but no rows"),
        (
            "no-name.csv",
            b"Phone,City\r\n+13125550100,Chicago\r\n",
            "No column fills Customer name; map a column to each",
        ),
        ("twice.csv", b"Customer,customer\r\nA,B\r\n", 'The column "customer" appears twice'),
        ("binary.csv", b"\x00\x01\x02binary", "This file is not a CSV text file"),
        ("broken.xlsx", b"PK\x03\x04not really a zip", "This file is not a readable XLSX workbook"),
    ],
)
def test_a_file_the_import_cannot_use_fails_with_the_reason(
    db, sql, run, settings, name, data, reason
):
    import_id = start(db, upload(db, settings, name, data), kind="customers")
    assert run() >= 1
    failed = the_import(sql, import_id)
    assert failed["status"] == "failed"
    assert failed["error"].startswith(reason), failed["error"]
    the_job = sql.execute(
        "select status::text, last_error from queue.all_jobs where kind = 'import.run'"
        " order by id desc limit 1"
    ).fetchone()
    # A bad file is a dead job with the reason, not a crash or a retry loop.
    assert the_job["status"] in ("dead", "succeeded")
    note = sql.execute(
        "select kind, body from public.notifications where kind = 'import.failed'"
        " order by created_at desc limit 1"
    ).fetchone()
    assert note["body"] == failed["error"]


def test_encodings_are_read_as_written_and_formulas_stay_text(db, sql, run, settings):
    utf8_bom = "\ufeffCustomer,Phone,Notes\r\nŁukasz Nowak,+48 22 123 45 67,=1+1\r\n".encode()
    import_id = start(
        db, upload(db, settings, "bom.csv", utf8_bom), kind="customers", dry_run=False
    )
    assert run() >= 1
    done = the_import(sql, import_id)
    assert done["status"] == "committed", done["error"]
    assert done["encoding"] == "utf-8-sig" and done["headers"] == ["Customer", "Phone", "Notes"]
    row = sql.execute(
        "select phone, notes from public.customers"
        " where organization_id = %s and name = 'Łukasz Nowak'",
        (ACME,),
    ).fetchone()
    assert row == {"phone": "+48221234567", "notes": "=1+1"}
    # Semicolon-separated, Windows-1252, as European Excel saves a CSV.
    latin = "Customer;Phone\r\nRenée Dupont;+33 1 23 45 67 89\r\n".encode("cp1252")
    import_id = start(db, upload(db, settings, "latin.csv", latin), kind="customers")
    assert run() >= 1
    checked = the_import(sql, import_id)
    assert checked["encoding"] == "cp1252"
    cells = sql.execute(
        "select cells, fields from public.import_rows where import_id = %s", (import_id,)
    ).fetchone()
    assert cells["cells"] == {"Customer": "Renée Dupont", "Phone": "+33 1 23 45 67 89"}
    assert cells["fields"]["customer_phone"] == "+33123456789"


def test_a_cancelled_import_stops_and_writes_nothing(db, sql, run, settings):
    rows, _ = import_files.messy_assemblies()
    import_id = start(
        db, upload(db, settings, "cancel.csv", import_files.as_csv(rows[:200])), dry_run=False
    )
    assert (
        as_user(db.dsn(), ADMIN, "select status::text from public.cancel_import(%s)", (import_id,))[
            0
        ]
        == "cancelled"
    )
    before = counts(sql)
    assert run() >= 1
    assert the_import(sql, import_id)["status"] == "cancelled"
    assert counts(sql) == before
    with pytest.raises(psycopg.Error, match="cannot be cancelled"):
        as_user(db.dsn(), ADMIN, "select 1 from public.cancel_import(%s)", (import_id,))


def test_a_commit_interrupted_midway_resumes_without_duplicating(
    db, sql, run, settings, monkeypatch
):
    rows, _ = import_files.messy_assemblies()
    data = import_files.as_csv(rows[:1201])  # 1,200 valid rows: 300 customers, 600 sites
    monkeypatch.setattr(imports, "COMMIT_CHUNK", 250)
    calls = {"n": 0}
    real = WorkerDatabase.fetch_value

    async def crash_on_third_chunk(self, name, **params):
        if name == "commit_import_rows":
            calls["n"] += 1
            if calls["n"] == 3:
                raise psycopg.OperationalError("the worker's connection dropped")
        return await real(self, name, **params)

    monkeypatch.setattr(WorkerDatabase, "fetch_value", crash_on_third_chunk)
    import_id = start(db, upload(db, settings, "resume.csv", data), dry_run=False)
    before = counts(sql)
    assert run() >= 1
    halfway = the_import(sql, import_id)
    assert halfway["status"] == "committing"
    assert 0 < halfway["processed_rows"] < 1200
    written = counts(sql)["assemblies"] - before["assemblies"]
    assert written == 500
    # The retry runs again from the top: validation matches the chunks already written.
    sql.execute(
        "update queue.job_queue set run_at = now() where kind = 'import.run'"
        " and status = 'retrying'"
    )
    assert run() >= 1
    done = the_import(sql, import_id)
    assert done["status"] == "committed", done["error"]
    after = counts(sql)
    assert after["customers"] - before["customers"] == 300
    assert after["sites"] - before["sites"] == 600
    assert after["assemblies"] - before["assemblies"] == 1200
    assert done["summary"]["assemblies"] == {"new": 700, "matched": 500, "changed": 0}


def test_blank_lines_count_against_the_limit_too():
    """A workbook of a million empty rows zips to kilobytes; reading it must stop, with a reason."""
    blank = ((n, ["", ""]) for n in range(2, 10_000_000))
    table = imports.Table("xlsx", None, ["Customer", "Phone"], blank)
    with pytest.raises(imports.ImportFileError, match="more than 1,000,000 lines"):
        for _ in imports.batches(table):
            pass
