"""Seeds apply the way the Supabase CLI applies them: every statement prepared before any runs."""

from __future__ import annotations

import pytest

from fieldbase_local import seeds, stack


def test_a_seed_that_creates_a_function_and_calls_it_fails_as_on_supabase(migrated_db, tmp_path):
    seed = tmp_path / "bad_seed.sql"
    seed.write_text(
        "create function pg_temp.one() returns int language sql as 'select 1';\n"
        "select pg_temp.one();\n"
    )
    with migrated_db.connect(autocommit=True) as conn:
        with pytest.raises(seeds.SeedError) as failed:
            seeds.apply_seed_file(conn, seed, "bad_seed.sql")
        assert 'schema "pg_temp" does not exist' in str(failed.value)
        assert str(failed.value).startswith("seed bad_seed.sql failed at line 2")


def test_a_failing_statement_applies_nothing_of_its_file(migrated_db, tmp_path):
    seed = tmp_path / "half.sql"
    seed.write_text(
        "insert into public.feature_flags (key, description) values ('seeded_flag', 'x');\n"
        "select 1 / (select count(*) - count(*) from public.plans);\n"
    )
    with migrated_db.connect(autocommit=True) as conn:
        with pytest.raises(seeds.SeedError):
            seeds.apply_seed_file(conn, seed, "half.sql")
        flag = conn.execute("select from public.feature_flags where key = 'seeded_flag'")
        assert flag.fetchone() is None


def test_the_project_seeds_apply_and_are_recorded_as_the_cli_records_them(migrated_db):
    with migrated_db.connect() as conn:
        recorded = conn.execute("select path from supabase_migrations.seed_files").fetchall()
        assert [row[0] for row in recorded] == [
            str(path.relative_to(stack.settings.REPO_ROOT)) for path in stack.seed_files()
        ]
        assert conn.execute("select count(*) from public.organizations").fetchone()[0] == 2
