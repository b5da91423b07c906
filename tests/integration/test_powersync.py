"""The PowerSync sync config (powersync/sync-config.yaml) against RLS: PowerSync's own compiler
validates it against our schema, and its own evaluator (powersync/evaluate.mjs) says which rows
each person's device would receive; for every actor and every synced table that must equal what
RLS lets the same person read through PostgREST, no more and no fewer, before and after the
changes that move access (a reassignment, an archived customer, a revoked portal account)."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.worker.test_webhooks import call

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "powersync" / "sync-config.yaml"
SYNCED = [
    "work_orders",
    "work_order_assignments",
    "work_order_assemblies",
    "visits",
    "time_entries",
    "work_order_checklist_items",
    "work_order_notes",
    "backflow_test_reports",
    "customers",
    "customer_contacts",
    "sites",
    "assemblies",
]
# Tables the streams look people up in.
LOOKUPS = ["memberships", "portal_accounts"]
ACME = "a1000000-0000-4000-8000-000000000000"
TIM = "a0000000-0000-4000-8000-000000000004"
DANA = "a0000000-0000-4000-8000-000000000003"
SAM = "a0000000-0000-4000-8000-0000000000c1"
# Nora has an account and no organization; Sam of support is staff without a grant.
OUTSIDER = "c0000000-0000-4000-8000-000000000002"
STAFF = "c0000000-0000-4000-8000-000000000001"


def actors(conn) -> dict[str, str]:
    """Every member of every organization by role, the portal user, an outsider and staff."""
    people = {
        f"{slug}_{role}": str(user)
        for slug, role, user in conn.execute(
            "select o.slug, m.role::text, m.user_id from public.memberships as m"
            " join public.organizations as o on o.id = m.organization_id"
        )
    }
    return {**people, "portal_sam": SAM, "outsider": OUTSIDER, "staff": STAFF}


def sqlite_value(value):
    """A row value as PowerSync replicates it into SQLite: booleans are integers, JSON is text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def evaluate(conn, users: dict[str, str], config: str | None = None) -> dict:
    tables = {
        table: [
            {k: sqlite_value(v) for k, v in row.items()}
            for (row,) in conn.execute(f"select to_jsonb(t) from public.{table} as t")
        ]
        for table in SYNCED + LOOKUPS
    }
    schema = [
        {
            "name": table,
            "columns": [
                {"name": name, "pg_type": udt, "internal_type": kind}
                for name, udt, kind in conn.execute(
                    "select column_name, udt_name, data_type from information_schema.columns"
                    " where table_schema = 'public' and table_name = %s order by ordinal_position",
                    (table,),
                )
            ],
        }
        for table in SYNCED + LOOKUPS
    ]
    payload = {
        "config": config if config is not None else CONFIG.read_text(),
        "schema": schema,
        "tables": tables,
        "users": {label: {"sub": user, "role": "authenticated"} for label, user in users.items()},
    }
    done = subprocess.run(
        ["node", str(REPO / "powersync" / "evaluate.mjs")],
        input=json.dumps(payload, default=str),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def readable(db, user: str) -> dict[str, list[str]]:
    """What RLS lets the user read, table by table, through the PostgREST stand-in (GET)."""
    found = {}
    for table in SYNCED:
        rows = call(db, user, f"select id::text from public.{table}")
        if rows:
            found[table] = sorted(r[0] for r in rows)
    return found


def assert_parity(db, conn) -> dict:
    users = actors(conn)
    result = evaluate(conn, users)
    assert result["errors"] == []
    mismatches = []
    for label, user in users.items():
        rls = readable(db, user)
        synced = result["users"].get(label, {})
        for table in SYNCED:
            extra = set(synced.get(table, [])) - set(rls.get(table, []))
            missing = set(rls.get(table, [])) - set(synced.get(table, []))
            if extra or missing:
                mismatches.append(
                    f"{label} {table}: synced but not readable {sorted(extra)},"
                    f" readable but not synced {sorted(missing)}"
                )
    assert mismatches == []
    return result["users"]


@pytest.fixture
def conn(fresh_db):
    with fresh_db.connect(autocommit=True) as connection:
        yield connection


def test_the_sync_config_compiles_against_our_schema(conn):
    result = evaluate(conn, {})
    assert result["errors"] == []
    # The compiler checks the streams against the schema: a column that is not there fails.
    broken = CONFIG.read_text().replace("role != 'technician'", "rank != 'technician'", 1)
    assert evaluate(conn, {}, broken)["errors"], "a stream naming a missing column is refused"


def test_every_actor_syncs_exactly_what_rls_lets_them_read(fresh_db, conn):
    # More to tell apart than the seed has: Dana's own visit on work Tim is not on, her time, a
    # note and checklist item there, and an archived customer with a site.
    other = conn.execute(
        "select id from public.work_orders where organization_id = %s and id not in"
        " (select work_order_id from public.work_order_assignments where user_id = %s) limit 1",
        (ACME, TIM),
    ).fetchone()
    assert other, "the seed has Acme work not assigned to Tim"
    conn.execute(
        "insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)"
        " values (%s, %s, %s, now() + interval '3 days', now() + interval '3 days 1 hour')",
        (ACME, other[0], DANA),
    )
    conn.execute(
        "insert into public.work_order_notes (organization_id, work_order_id, author_id, body)"
        " values (%s, %s, %s, 'Gate code 4471')",
        (ACME, other[0], DANA),
    )
    conn.execute(
        "insert into public.time_entries (organization_id, work_order_id, user_id, started_at,"
        " ended_at) values (%s, %s, %s, now() - interval '3 hours', now() - interval '2 hours')",
        (ACME, other[0], DANA),
    )
    before = assert_parity(fresh_db, conn)
    tim, office = before["acme_technician"], before["acme_dispatcher"]
    assert 0 < len(tim["work_orders"]) < len(office["work_orders"]), "Tim syncs his work only"
    assert before["portal_sam"].get("assemblies"), "Sam's device gets his assemblies"
    assert before["outsider"] == {}
    assert not set(office["work_orders"]) & set(before["beta_owner"].get("work_orders", []))

    # Access moves: Tim is taken off a job, a customer is archived, Sam's account is revoked.
    conn.execute(
        "delete from public.work_order_assignments where user_id = %s and work_order_id ="
        " (select work_order_id from public.work_order_assignments where user_id = %s limit 1)",
        (TIM, TIM),
    )
    conn.execute(
        "update public.customers set deleted_at = now() where id = (select customer_id from"
        " public.work_orders where id = %s)",
        (other[0],),
    )
    conn.execute("update public.portal_accounts set revoked_at = now() where user_id = %s", (SAM,))
    after = assert_parity(fresh_db, conn)
    assert len(after["acme_technician"].get("work_orders", [])) < len(tim["work_orders"])
    assert after["portal_sam"] == {}


def test_a_late_upload_through_postgrest_keeps_every_refused_change(fresh_db, conn):
    """PowerSync's uploadData for Tim's queued changes, after he was taken off the job."""
    work_order = conn.execute(
        "select work_order_id from public.work_order_assignments where user_id = %s limit 1",
        (TIM,),
    ).fetchone()[0]
    conn.execute(
        "delete from public.work_order_assignments where user_id = %s and work_order_id = %s",
        (TIM, work_order),
    )
    note = str(uuid.uuid4())
    operations = [
        {
            "op": "PUT",
            "table": "work_order_notes",
            "id": note,
            "data": {"organization_id": ACME, "work_order_id": str(work_order), "body": "Done"},
        }
    ]
    [(answer,)] = call(
        fresh_db, TIM, "select public.upload_changes(%s::jsonb)", (json.dumps(operations),)
    )
    assert answer["applied"] == 0 and answer["conflicts"][0]["code"] == "42501"
    [kept] = conn.execute(
        "select user_id::text, operation, data ->> 'body' from public.sync_conflicts"
        " where row_id = %s",
        (note,),
    ).fetchall()
    assert kept == (TIM, "PUT", "Done")
    [seen] = call(fresh_db, DANA, "select count(*) from public.sync_conflicts")
    assert seen[0] == 1, "the office sees it"
