"""The migration runner applies supabase/migrations as the Supabase CLI does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fieldbase_local import migrations, settings
from fieldbase_local.migrations import MigrationError


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def history(db) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations "
            "order by version"
        ).fetchall()


def table_exists(db, name: str) -> bool:
    with db.connect() as conn:
        return conn.execute("select to_regclass(%s) is not null", (name,)).fetchone()[0]


def test_applies_files_in_version_order_and_records_each(bootstrapped_db, tmp_path):
    folder = tmp_path / "migrations"
    write(
        folder, "20240101000002_add_note.sql", "alter table public.things add column note text;\n"
    )
    write(
        folder,
        "20240101000001_create_things.sql",
        "-- things\ncreate table public.things (id int primary key);\n\n"
        "insert into public.things values (1);\n",
    )

    applied = migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)

    assert [m.version for m in applied] == ["20240101000001", "20240101000002"]
    assert history(bootstrapped_db) == [
        (
            "20240101000001",
            "create_things",
            [
                "create table public.things (id int primary key)",
                "insert into public.things values (1)",
            ],
        ),
        ("20240101000002", "add_note", ["alter table public.things add column note text"]),
    ]
    with bootstrapped_db.connect() as conn:
        owner = conn.execute(
            "select tableowner from pg_tables where tablename = 'things'"
        ).fetchone()[0]
    assert owner == "postgres"


def test_reapplying_skips_what_is_recorded(bootstrapped_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, "20240101000001_create.sql", "create table public.once (id int);\n")
    migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)

    # Would fail ("already exists") if it ran again.
    assert migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None) == []

    write(folder, "20240101000002_more.sql", "create table public.twice (id int);\n")
    applied = migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)
    assert [m.name for m in applied] == ["more"]


def test_a_failing_file_names_file_statement_and_message_and_changes_nothing(
    bootstrapped_db, tmp_path
):
    folder = tmp_path / "migrations"
    write(folder, "20240101000001_good.sql", "create table public.good (id int);\n")
    write(
        folder,
        "20240101000002_bad.sql",
        "create table public.half_done (id int);\ninsert into public.missing_table values (1);\n",
    )
    write(folder, "20240101000003_later.sql", "create table public.later (id int);\n")

    with pytest.raises(MigrationError) as raised:
        migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)

    message = str(raised.value)
    assert "20240101000002_bad.sql" in message
    assert "line 2" in message
    assert 'relation "public.missing_table" does not exist' in message
    assert "42P01" in message
    assert "insert into public.missing_table values (1)" in message
    assert table_exists(bootstrapped_db, "public.good")
    assert not table_exists(bootstrapped_db, "public.half_done"), "the failing file rolled back"
    assert not table_exists(bootstrapped_db, "public.later"), "the run stopped at the failure"
    assert [row[0] for row in history(bootstrapped_db)] == ["20240101000001"]

    write(folder, "20240101000002_bad.sql", "create table public.half_done (id int);\n")
    applied = migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)
    assert [m.name for m in applied] == ["bad", "later"]


def test_a_syntax_error_names_the_file_and_line(bootstrapped_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, "20240101000001_typo.sql", "select 1;\n\ncreat table public.x (id int);\n")

    with pytest.raises(MigrationError) as raised:
        migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)

    assert raised.value.line == 3
    assert 'syntax error at or near "creat"' in str(raised.value)
    assert "20240101000001_typo.sql" in str(raised.value)


def test_migrations_run_without_superuser_powers(bootstrapped_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, "20240101000001_escalate.sql", "create role sneaky superuser;\n")

    with pytest.raises(MigrationError) as raised:
        migrations.apply(bootstrapped_db.dsn(), folder, log=lambda _m: None)

    assert raised.value.sqlstate == "42501"


def test_files_not_named_like_migrations_are_skipped_with_a_warning(bootstrapped_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, "notes.sql", "this is not sql;\n")
    write(folder, "20240101000001_ok.sql", "select 1;\n")
    warnings: list[str] = []

    applied = migrations.apply(bootstrapped_db.dsn(), folder, log=warnings.append)

    assert [m.name for m in applied] == ["ok"]
    assert any("Skipping migration notes.sql" in w for w in warnings)


def test_the_command_line_reports_the_failing_file(bootstrapped_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, "20240101000001_broken.sql", "alter table public.nowhere add column x int;\n")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldbase_local.cli",
            "--instance",
            "test",
            "migrate",
            "--database",
            bootstrapped_db.name,
            "--migrations-dir",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.REPO_ROOT,
    )

    assert result.returncode == 1
    assert "error: migration 20240101000001_broken.sql failed at line 1" in result.stderr
    assert 'relation "public.nowhere" does not exist' in result.stderr
