"""The pgTAP files pass on any Supabase database, not only on ours: a database built by
`supabase db push --include-seed` alone (none of the settings our stack makes afterwards, such
as the rate limiter's connection), in both settings of "Default privileges for new entities",
with the files run one after another on the same database as `supabase test db` runs them
(pg_prove), and nothing left behind."""

from __future__ import annotations

import psycopg
import pytest

from fieldbase_local import bootstrap, supabase_cli
from fieldbase_local.testing import BOOTSTRAP_TEMPLATE, PGTAP_TESTS_DIR, parse_tap, psql

# What a project with "Default privileges for new entities" switched back on has (the grants
# fieldbase_local/sql/revoke_default_api_privileges.sql takes away).
AUTO_EXPOSE = """
alter default privileges for role postgres in schema public
grant select, insert, update, delete on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
grant usage, select on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
grant execute on functions to anon, authenticated, service_role;
"""

# Everything a test could leave behind: objects, roles, policies, and the rows of every table.
FINGERPRINT = """
select 'object', n.nspname || '.' || c.relname || ':' || c.relkind::text
from pg_catalog.pg_class as c inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
  and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'
union all
select 'function', p.oid::regprocedure::text from pg_catalog.pg_proc as p
where p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
union all
select 'schema', nspname::text from pg_catalog.pg_namespace
union all
select 'role', rolname::text from pg_catalog.pg_roles
union all
select 'policy', schemaname || '.' || tablename || ':' || policyname from pg_catalog.pg_policies
"""

TABLES = """
select format('%I.%I', n.nspname, c.relname)
from pg_catalog.pg_class as c inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where c.relkind in ('r', 'p')
  and n.nspname in ('public', 'private', 'queue', 'auth', 'storage', 'cron')
"""


def fingerprint(dsn: str) -> tuple[set[tuple[str, str]], dict[str, int]]:
    with psycopg.connect(dsn) as conn:
        objects = set(conn.execute(FINGERPRINT).fetchall())
        counts = {
            table: conn.execute(f"select count(*) from {table}").fetchone()[0]
            for (table,) in conn.execute(TABLES).fetchall()
        }
    return objects, counts


@pytest.mark.parametrize("auto_expose", [False, True], ids=["default", "auto_expose"])
def test_every_pgtap_file_passes_on_a_database_the_cli_alone_built(templates, auto_expose):
    inst = templates
    name = f"cli_only_{'exposed' if auto_expose else 'default'}"
    bootstrap.clone_database(inst, BOOTSTRAP_TEMPLATE, name)
    try:
        if auto_expose:
            with psycopg.connect(inst.superuser_dsn(name), autocommit=True) as conn:
                conn.execute(AUTO_EXPOSE)
        dsn = inst.dsn(dbname=name)
        supabase_cli.push(dsn, include_seed=True)
        before = fingerprint(dsn)
        failures = []
        for path in sorted(PGTAP_TESTS_DIR.rglob("*.sql")):
            result = psql(dsn, path)
            problems = parse_tap(result.stdout).problems()
            if result.returncode != 0:
                problems.append(f"psql exited with {result.returncode}: {result.stderr[-500:]}")
            failures += [f"{path.name}: {problem}" for problem in problems]
        after = fingerprint(dsn)
    finally:
        bootstrap.drop_database(inst, name)
    assert failures == [], "\n".join(failures)
    assert sorted(after[0] - before[0]) == [], "objects left behind"
    assert sorted(before[0] - after[0]) == [], "objects taken away"
    changed = {
        t: (before[1][t], after[1].get(t)) for t in before[1] if before[1][t] != after[1].get(t)
    }
    assert changed == {}, "rows left behind (table: before, after)"
