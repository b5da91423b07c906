"""Every table, view and RPC the API exposes is in an access matrix: some pgTAP file runs a
statement on it as every actor (tests.access_matrix) or as the actors whose references it
checks (the reference matrix of 00067). A new exposed object without one fails here."""

from __future__ import annotations

import re

import psycopg

from fieldbase_local.testing import PGTAP_TESTS_DIR

MATRIX_CALL = re.compile(r"access_matrix\(\s*(?:'((?:[^']|'')*)'|\$\$(.*?)\$\$)", re.S)
REFERENCE_MATRIX = re.compile(r"insert into reference_matrix values(.*?);\n", re.S)

EXPOSED = """
select c.relname::text from pg_catalog.pg_class as c
where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm', 'p')
  and (
    has_table_privilege('anon', c.oid, 'select')
    or has_table_privilege('authenticated', c.oid, 'select')
    or has_table_privilege('authenticated', c.oid, 'insert')
    or has_table_privilege('authenticated', c.oid, 'update')
  )
union
select p.proname::text from pg_catalog.pg_proc as p
where p.pronamespace = 'public'::regnamespace
  and (has_function_privilege('anon', p.oid, 'execute')
    or has_function_privilege('authenticated', p.oid, 'execute'))
"""


def covered() -> set[str]:
    statements = ""
    for path in sorted(PGTAP_TESTS_DIR.rglob("*.sql")):
        text = path.read_text()
        # One statement a line: a file's last must not run into the next file's first.
        statements += "".join(f"{a or b}\n" for a, b in MATRIX_CALL.findall(text))
        statements += "".join(f"{m}\n" for m in REFERENCE_MATRIX.findall(text))
    return set(re.findall(r"public\.(\w+)", statements))


def test_every_exposed_table_view_and_rpc_is_in_an_access_matrix(migrated_db):
    with psycopg.connect(migrated_db.dsn()) as conn:
        exposed = {name for (name,) in conn.execute(EXPOSED).fetchall()}
    assert len(exposed) > 90
    assert sorted(exposed - covered()) == []


def test_the_coverage_check_sees_a_new_table(migrated_db):
    with psycopg.connect(migrated_db.dsn(), autocommit=True) as conn:
        conn.execute("create table public.uncovered (id int primary key)")
        conn.execute("grant select on table public.uncovered to authenticated")
        exposed = {name for (name,) in conn.execute(EXPOSED).fetchall()}
    assert "uncovered" in exposed - covered()
