"""Lint failures fail the suite: ruff for Python, sqlfluff for SQL, plpgsql_check for plpgsql."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

from fieldbase_local import settings

BIN = Path(sys.executable).parent
SQL_PATHS = ["supabase", "fieldbase_local/sql", "bench/sql", "generators/sql", "worker/sql"]


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=settings.REPO_ROOT)


def test_python_passes_ruff():
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_is_ruff_formatted():
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sql_passes_sqlfluff():
    result = run(str(BIN / "sqlfluff"), "lint", "--nocolor", "--processes", "2", *SQL_PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_plpgsql_functions_pass_plpgsql_check(fresh_db):
    with psycopg.connect(fresh_db.inst.superuser_dsn(fresh_db.name), autocommit=True) as conn:
        conn.execute("create extension if not exists plpgsql_check with schema extensions")
        conn.execute("set search_path = extensions, public")
        checked = conn.execute(
            "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "join pg_language l on l.oid = p.prolang where l.lanname = 'plpgsql' "
            "and n.nspname = 'tests'"
        ).fetchone()[0]
        issues = conn.execute(
            (settings.BOOTSTRAP_SQL_DIR / "plpgsql_check.sql").read_text()
        ).fetchall()
    assert checked > 0, "the test helpers at least are checked"
    assert issues == [], "\n".join(f"{f}:{line}: {level}: {msg}" for f, level, msg, line in issues)


def test_plpgsql_check_reports_a_broken_function(fresh_db):
    """The check itself can fail: a function reading a missing column is reported."""
    with psycopg.connect(fresh_db.inst.superuser_dsn(fresh_db.name), autocommit=True) as conn:
        conn.execute("create extension if not exists plpgsql_check with schema extensions")
        conn.execute("set search_path = extensions, public")
        conn.execute(
            "create function public.broken() returns int language plpgsql as "
            "$$ begin return (select missing_column from auth.users limit 1); end $$"
        )
        issues = conn.execute(
            (settings.BOOTSTRAP_SQL_DIR / "plpgsql_check.sql").read_text()
        ).fetchall()
    assert any(f == "broken()" and "missing_column" in msg for f, _lvl, msg, _line in issues)
