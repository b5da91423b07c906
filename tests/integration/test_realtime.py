"""Realtime: the tables a live UI needs are in the supabase_realtime publication (created as
Supabase has it: empty, owned by postgres), and a change reaches only the subscribers whose role
and claims RLS lets read the row (fieldbase_local.realtime decides it as Realtime does)."""

from __future__ import annotations

import pytest

from fieldbase_local import auth
from fieldbase_local.realtime import Realtime

ACME = "a1000000-0000-4000-8000-000000000000"
ACME_DISPATCHER = "a0000000-0000-4000-8000-000000000003"
ACME_TECH = "a0000000-0000-4000-8000-000000000004"
ACME_VIEWER = "a0000000-0000-4000-8000-000000000005"
BETA_OWNER = "b0000000-0000-4000-8000-000000000001"
LIVE = {
    "notifications",
    "activity",
    "visits",
    "work_orders",
    "tickets",
    "ticket_comments",
    "billing_sessions",
    "imports",
}


@pytest.fixture
def realtime(fresh_db):
    with Realtime(fresh_db.inst, fresh_db.name) as r:
        yield r


def claims(db, user):
    return auth.user_claims(db.inst, user, db.name)


def test_the_publication_is_supabases_and_holds_the_live_tables(fresh_db, realtime):
    with fresh_db.connect() as conn:
        owner, inserts, updates, deletes = conn.execute(
            "select pg_get_userbyid(pubowner), pubinsert, pubupdate, pubdelete"
            " from pg_publication where pubname = 'supabase_realtime'"
        ).fetchone()
    assert owner == "postgres" and inserts and updates and deletes
    assert realtime.published() == {("public", t) for t in LIVE}


def test_a_change_reaches_only_those_who_may_read_the_row(fresh_db, realtime):
    with fresh_db.connect() as conn:
        customer, site = conn.execute(
            "select customer_id, id from public.sites where organization_id = %s limit 1", (ACME,)
        ).fetchone()
        (work_order,) = conn.execute(
            "insert into public.work_orders (organization_id, customer_id, site_id, title)"
            " values (%s, %s, %s, 'Live') returning id::text",
            (ACME, customer, site),
        ).fetchone()
        # A table no live screen needs is not published.
        conn.execute("update public.customers set notes = 'changed' where id = %s", (customer,))
        conn.execute(
            "select private.notify_user(%s, %s, 'test', 'For Tim only')", (ACME, ACME_TECH)
        )
        conn.commit()
    changes = realtime.changes()
    assert {(c.table, c.kind) for c in changes} >= {
        ("work_orders", "INSERT"),
        ("notifications", "INSERT"),
    }
    assert not any(c.table == "customers" for c in changes)
    [inserted] = [c for c in changes if c.table == "work_orders" and c.id == work_order]
    [notified] = [c for c in changes if c.table == "notifications"]

    assert realtime.receives(inserted, claims(fresh_db, ACME_DISPATCHER))
    assert realtime.receives(inserted, claims(fresh_db, ACME_VIEWER))
    # Another organization's member, a technician the work is not assigned to, and anonymous.
    assert not realtime.receives(inserted, claims(fresh_db, BETA_OWNER))
    assert not realtime.receives(inserted, claims(fresh_db, ACME_TECH))
    assert not realtime.receives(inserted, None)

    assert realtime.receives(notified, claims(fresh_db, ACME_TECH))
    assert not realtime.receives(notified, claims(fresh_db, ACME_DISPATCHER))
    assert not realtime.receives(notified, claims(fresh_db, BETA_OWNER))
