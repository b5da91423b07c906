"""pgTAP files run as pytest items and, unchanged, under pg_prove."""

from __future__ import annotations

import os
import subprocess

from fieldbase_local import settings
from fieldbase_local.testing import PGTAP_DIR, parse_tap, psql

FAILING = """
begin;
select plan(2);
select ok(true, 'this one passes');
select is(1, 2, 'one is two');
select * from finish();
rollback;
"""

ERRORING = """
begin;
select plan(2);
select ok(true, 'first');
select * from no_such_table;
select ok(true, 'never reached');
select * from finish();
rollback;
"""


def run(db, tmp_path, text):
    path = tmp_path / "case.sql"
    path.write_text(text)
    result = psql(db.dsn(), path)
    return result, parse_tap(result.stdout)


def test_a_failing_assertion_fails_the_file_with_its_diagnostics(fresh_db, tmp_path):
    result, report = run(fresh_db, tmp_path, FAILING)
    assert report.problems() == ["failed: not ok 2 - one is two"]
    assert "have: 1" in result.stdout and "want: 2" in result.stdout


def test_an_sql_error_stops_the_file_and_fails_it(fresh_db, tmp_path):
    result, report = run(fresh_db, tmp_path, ERRORING)
    assert result.returncode != 0
    assert 'relation "no_such_table" does not exist' in result.stderr
    assert report.problems() == ["planned 2 tests but ran 1"]


LEFTOVERS = """
select
  (select count(*) from pg_namespace where nspname = 'tests'),
  (select count(*) from pg_proc as p
   where has_function_privilege('anon', p.oid, 'execute')
      or has_function_privilege('authenticated', p.oid, 'execute')),
  (select count(*) from pg_class where relnamespace = 'public'::regnamespace)
"""


def test_every_pgtap_file_passes_under_pg_prove_unchanged_and_leaves_nothing(auto_expose_db):
    """As `supabase test db --linked` runs them: every file on one database, in name order.

    The database is built with "Default privileges for new entities" on, so together with the
    per-file items (which run with it off, as on Supabase today) the suite passes in both modes.
    Nothing the files create may remain afterwards, least of all anything the API roles can call.
    """
    fresh_db = auto_expose_db
    inst = fresh_db.inst
    with fresh_db.connect() as conn:
        before = conn.execute(LEFTOVERS).fetchone()
    result = subprocess.run(
        [
            "pg_prove",
            "--ext",
            ".sql",
            "-r",
            "--host",
            inst.host,
            "--port",
            str(inst.port),
            "--username",
            settings.SCHEMA_OWNER,
            "--dbname",
            fresh_db.name,
            str(PGTAP_DIR),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGPASSWORD": settings.LOCAL_PASSWORD},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All tests successful." in result.stdout
    with fresh_db.connect() as conn:
        assert conn.execute(LEFTOVERS).fetchone() == before
        assert before[0] == 0
