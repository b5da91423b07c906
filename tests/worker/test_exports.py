"""export.csv through the worker: the CSV lands in Storage under the organization's folder,
the export row says where, the requester is told, and a hostile value stays inert."""

from __future__ import annotations

import csv
import io

from tests.worker.conftest import enqueue, job

ACME = "a1000000-0000-4000-8000-000000000000"
ACME_ADMIN = "a0000000-0000-4000-8000-000000000002"


def test_a_customers_export_is_written_recorded_and_announced(sql, run, settings):
    sql.execute(
        "insert into public.customers (organization_id, name) values (%s, %s)",
        (ACME, '=HYPERLINK("http://evil.test","Click")'),
    )
    export = sql.execute(
        "insert into public.exports (organization_id, kind, requested_by)"
        " values (%s, 'customers', %s) returning id",
        (ACME, ACME_ADMIN),
    ).fetchone()["id"]
    job_id = enqueue(sql, "export.csv", {"export_id": str(export)}, organization_id=ACME)
    assert run() >= 1
    assert job(sql, job_id)["status"] == "succeeded"
    row = sql.execute("select * from public.exports where id = %s", (export,)).fetchone()
    assert row["status"] == "ready" and row["storage_path"] == f"{ACME}/exports/{export}.csv"
    data = (settings.storage_dir / settings.storage_bucket / row["storage_path"]).read_bytes()
    assert row["size_bytes"] == len(data)
    lines = list(csv.reader(io.StringIO(data.decode())))
    assert lines[0][:3] == ["name", "kind", "email"]
    names = [line[0] for line in lines[1:]]
    expected = sql.execute(
        "select count(*) as n from public.customers where organization_id = %s"
        " and deleted_at is null",
        (ACME,),
    ).fetchone()["n"]
    assert len(names) == expected == row["row_count"]
    assert "City Deli" in names
    # The formula is text for a spreadsheet, not something it runs.
    assert '\'=HYPERLINK("http://evil.test","Click")' in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    note = sql.execute(
        "select kind, link from public.notifications where user_id = %s and kind like 'export.%%'",
        (ACME_ADMIN,),
    ).fetchone()
    assert note == {"kind": "export.ready", "link": f"/exports/{export}"}
