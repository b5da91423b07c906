"""The API surface is the same whatever a project's "Default privileges for new entities" says."""

from __future__ import annotations

ACLS = """
select 'relation ' || c.oid::regclass::text, coalesce(c.relacl::text, 'default')
from pg_catalog.pg_class as c
where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace, 'queue'::regnamespace)
  and c.relkind in ('r', 'p', 'v', 'm', 'S')
union all
select 'function ' || p.oid::regprocedure::text, coalesce(p.proacl::text, 'default')
from pg_catalog.pg_proc as p
where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace, 'queue'::regnamespace)
order by 1
"""


def acls(database) -> dict[str, str]:
    with database.connect() as conn:
        return dict(conn.execute(ACLS).fetchall())


def test_every_object_has_the_same_grants_with_default_privileges_on_or_off(
    migrated_db, auto_expose_db
):
    off, on = acls(migrated_db), acls(auto_expose_db)
    assert off.keys() == on.keys()
    differing = {name: (off[name], on[name]) for name in off if off[name] != on[name]}
    assert differing == {}, "these objects rely on default privileges instead of explicit grants"


def test_the_default_privilege_modes_really_differ(migrated_db, auto_expose_db):
    """The check above can fail: a table created without grants differs between the modes."""
    grants = []
    for database in (migrated_db, auto_expose_db):
        with database.connect() as conn:
            conn.execute("create table public.careless (id int)")
            grants.append(
                conn.execute(
                    "select has_table_privilege('anon', 'public.careless', 'select')"
                ).fetchone()[0]
            )
            conn.rollback()
    assert grants == [False, True]
