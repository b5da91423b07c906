"""export.csv through the worker: the CSV lands in Storage under the organization's folder,
the export row says where, the requester is told, and a hostile value stays inert."""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid

from tests.worker.conftest import enqueue, job
from worker.handlers import exports

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


def _large_export(sql, customers: int) -> str:
    # 190-character names: about 200 bytes a line, so 40,000 customers make an 8 MB file.
    sql.execute(
        "insert into public.customers (organization_id, name)"
        " select %s, 'Customer ' || lpad(n::text, 6, '0') || ' ' || repeat('x', 174)"
        " from generate_series(1, %s) as n",
        (ACME, customers),
    )
    return sql.execute(
        "insert into public.exports (organization_id, kind, requested_by)"
        " values (%s, 'customers', %s) returning id",
        (ACME, ACME_ADMIN),
    ).fetchone()["id"]


def test_a_large_export_streams_through_flat_memory(sql, run, settings):
    export = _large_export(sql, 40_000)
    job_id = enqueue(sql, "export.csv", {"export_id": str(export)}, organization_id=ACME)
    tracemalloc.start()
    try:
        assert run() >= 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert job(sql, job_id)["status"] == "succeeded"
    row = sql.execute("select * from public.exports where id = %s", (export,)).fetchone()
    assert row["row_count"] >= 40_000 and row["size_bytes"] > 8_000_000
    stored = settings.storage_dir / settings.storage_bucket / row["storage_path"]
    assert stored.stat().st_size == row["size_bytes"]
    # Holding the lines (as the handler once did) costs more than the file itself.
    assert peak < row["size_bytes"] / 4, f"peak {peak:,} bytes for a {row['size_bytes']:,} file"


def test_an_export_past_the_cap_stops_reading_and_fails_with_the_reason(
    sql, run, settings, monkeypatch
):
    monkeypatch.setattr(exports, "MAX_EXPORT_BYTES", 1024 * 1024)
    export = _large_export(sql, 20_000)
    job_id = enqueue(sql, "export.csv", {"export_id": str(export)}, organization_id=ACME)
    after = enqueue(sql, "export.csv", {"export_id": str(uuid.uuid4())}, organization_id=ACME)
    run()
    row = sql.execute("select * from public.exports where id = %s", (export,)).fetchone()
    assert row["status"] == "failed" and row["storage_path"] is None
    assert row["error"] == "The export is larger than 1 MB"
    assert job(sql, job_id)["status"] == "dead"
    assert not (settings.storage_dir / settings.storage_bucket / f"{ACME}/exports").exists()
    # The cut-off query left the worker's connection usable for the next job.
    assert "was not found" in job(sql, after)["last_error"]


def _export(sql, run, settings, kind: str) -> list[list[str]]:
    export = sql.execute(
        "insert into public.exports (organization_id, kind, requested_by)"
        " values (%s, %s, %s) returning id",
        (ACME, kind, ACME_ADMIN),
    ).fetchone()["id"]
    job_id = enqueue(sql, "export.csv", {"export_id": str(export)}, organization_id=ACME)
    run()
    assert job(sql, job_id)["status"] == "succeeded", job(sql, job_id)["last_error"]
    path = sql.execute("select storage_path from public.exports where id = %s", (export,))
    data = settings.storage_dir / settings.storage_bucket / path.fetchone()["storage_path"]
    return list(csv.reader(io.StringIO(data.read_bytes().decode())))


def test_work_orders_and_assemblies_leave_too(sql, run, settings):
    """So a company can leave with its work: every work order and every assembly of the
    organization, and none of another's, with a formula typed into a field kept inert."""
    sql.execute(
        "update public.assemblies set location_at_site = '=cmd|'' /C calc''!A0'"
        " where id = (select id from public.assemblies where organization_id = %s"
        " order by id limit 1)",
        (ACME,),
    )
    for kind, table, heading in [
        ("work_orders", "work_orders", ["number", "title", "status"]),
        ("assemblies", "assemblies", ["serial_number", "kind", "size"]),
    ]:
        lines = _export(sql, run, settings, kind)
        assert lines[0][:3] == heading
        expected = sql.execute(
            f"select count(*) as n from public.{table} where organization_id = %s",
            (ACME,),
        ).fetchone()["n"]
        assert len(lines) - 1 == expected > 0
    locations = [line[5] for line in lines[1:]]
    assert "'=cmd|' /C calc'!A0" in locations
