"""Leaving fieldbase: a cancelled organization's owner exports everything (a zip with one CSV per
table, while the organization is read-only), and after the retention period the purge removes
every row and stored file of that organization, resumes where it stopped, and touches no other
organization."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.worker.support import as_user

ACME = "a1000000-0000-4000-8000-000000000000"
BETA = "b1000000-0000-4000-8000-000000000000"


def rows_per_organization(sql) -> dict[str, dict[str, int]]:
    """{organization_id: {table: rows}} over every table with an organization_id column."""
    tables = sql.execute(
        """
        select format('%I.%I', n.nspname, c.relname) as name
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        join pg_attribute as a on a.attrelid = c.oid and a.attname = 'organization_id'
        where c.relkind = 'r' and n.nspname in ('public', 'private', 'queue')
          -- The operator's records keep an organization's id and nothing of its data.
          and format('%I.%I', n.nspname, c.relname)
            not in ('private.revenue_snapshots', 'private.staff_actions')
        """
    ).fetchall()
    counts: dict[str, dict[str, int]] = {ACME: {}, BETA: {}}
    for table in tables:
        for row in sql.execute(
            f"select organization_id::text as org, count(*) as n from {table['name']}"
            " where organization_id in (%s, %s) group by 1",
            (ACME, BETA),
        ):
            counts[row["org"]][table["name"]] = row["n"]
    return counts


def as_owner(db, statement: str, params: tuple = ()):
    return as_user(db.dsn(), "olivia.owner@acme.test", statement, params)


def test_an_owner_exports_everything_while_cancelled(db, sql, settings, run):
    sql.execute("update public.organizations set status = 'cancelled' where id = %s", (ACME,))
    export_id = as_owner(db, "select id from public.request_export(%s, 'everything')", (ACME,))[0]
    run()
    export = sql.execute("select * from public.exports where id = %s", (export_id,)).fetchone()
    assert export["error"] is None and export["storage_path"].endswith(".zip"), export
    archive = zipfile.ZipFile(settings.storage_dir / "documents" / export["storage_path"])
    names = set(archive.namelist())
    assert {"customers.csv", "work_orders.csv", "invoices.csv", "assemblies.csv"} <= names
    total = 0
    for name in names:
        table = list(csv.DictReader(io.StringIO(archive.read(name).decode())))
        total += len(table)
        assert {row["organization_id"] for row in table} <= {f'"{ACME}"', ACME}, name
    customers = list(csv.DictReader(io.StringIO(archive.read("customers.csv").decode())))
    expected = sql.execute(
        "select count(*) as n from public.customers where organization_id = %s", (ACME,)
    ).fetchone()["n"]
    assert len(customers) == expected > 0
    invitations = archive.read("invitations.csv").decode().splitlines()[0]
    assert "token_hash" not in invitations
    assert export["row_count"] == total


def test_the_purge_removes_everything_of_one_organization_and_nothing_else(db, sql, settings, run):
    for org in (ACME, BETA):
        folder = settings.storage_dir / "documents" / org / "invoice"
        folder.mkdir(parents=True)
        (folder / "inv.pdf").write_bytes(b"%PDF-1.4 kept or purged")
    before = rows_per_organization(sql)
    assert sum(before[ACME].values()) > 100
    sql.execute(
        "update public.organizations set status = 'cancelled',"
        " cancelled_at = now() - interval '61 days' where id = %s",
        (ACME,),
    )
    assert (
        sql.execute("select private.run_billing_schedule() ->> 'purges_queued' as n").fetchone()[
            "n"
        ]
        == "1"
    )
    # A purge that stopped part way (a crash, a deploy) resumes where it was.
    for _ in range(3):
        step = sql.execute("select queue.purge_organization(%s, 10) as s", (ACME,)).fetchone()["s"]
        assert step["done"] is False
    run()
    after = rows_per_organization(sql)
    assert after[ACME] == {}, after[ACME]
    assert after[BETA] == before[BETA]
    assert not (settings.storage_dir / "documents" / ACME).exists()
    assert (settings.storage_dir / "documents" / BETA / "invoice" / "inv.pdf").exists()
    job = sql.execute(
        "select status, result from queue.all_jobs where kind = 'organization.purge'"
    ).fetchone()
    assert job["status"] == "succeeded" and job["result"]["purged"] == ACME
    assert (
        sql.execute(
            "select count(*) as n from private.staff_actions where action = 'purge_organization'"
        ).fetchone()["n"]
        == 1
    )


@pytest.mark.parametrize(
    "change",
    [
        "update public.organizations set purge_held_by = (select id from auth.users limit 1),"
        " purge_hold_reason = 'Legal hold' where id = %s",
        "update public.organizations set status = 'active' where id = %s",
    ],
    ids=["held", "resubscribed"],
)
def test_a_held_or_reactivated_organization_is_not_purged(db, sql, run, change):
    sql.execute(
        "update public.organizations set status = 'cancelled',"
        " cancelled_at = now() - interval '61 days' where id = %s",
        (ACME,),
    )
    sql.execute("select private.run_billing_schedule()")
    sql.execute(change, (ACME,))
    run()
    assert (
        sql.execute(
            "select count(*) as n from public.organizations where id = %s", (ACME,)
        ).fetchone()["n"]
        == 1
    )
    job = sql.execute(
        "select status, result from queue.all_jobs where kind = 'organization.purge'"
    ).fetchone()
    assert job["result"]["skipped"]
