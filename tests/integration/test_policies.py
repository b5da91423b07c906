"""supabase/policies/ is the source of truth for RLS; the database is held to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldbase_local import settings, supabase_cli
from generators import policies
from generators.policies import PolicyFileError

SCHEMA = """
create table public.notes (id int primary key, owner_id uuid not null, body text);
alter table public.notes enable row level security;
create policy "Stray policy made by hand" on public.notes for select to anon using (true);
"""

NOTES_POLICIES = """
create policy "Owners can read their notes" on public.notes
for select to authenticated using (owner_id = (select auth.uid()));

create policy "Owners can write their notes" on public.notes
for insert to authenticated with check (owner_id = (select auth.uid()));
"""


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A Supabase CLI project (supabase/config.toml, supabase/migrations) and its policy files."""
    supabase_dir = tmp_path / "supabase"
    migrations_dir, policies_dir = supabase_dir / "migrations", supabase_dir / "policies"
    migrations_dir.mkdir(parents=True)
    policies_dir.mkdir()
    shutil.copy(settings.SUPABASE_DIR / "config.toml", supabase_dir / "config.toml")
    (migrations_dir / "20240101000001_notes.sql").write_text(SCHEMA)
    (policies_dir / "notes.sql").write_text(NOTES_POLICIES)
    return migrations_dir, policies_dir


def names(live: set[policies.Policy]) -> set[str]:
    return {p.name for p in live}


def test_sync_makes_the_live_policies_exactly_the_files(bootstrapped_db, project):
    migrations_dir, policies_dir = project
    supabase_cli.push(bootstrapped_db.dsn(), workdir=migrations_dir.parents[1])

    # A policy a migration made outside the files is drift: every policy has its definition
    # in supabase/policies/.
    before = policies.drift(bootstrapped_db.dsn(), policies_dir)
    assert [p.name for p in before.unexpected] == ["Stray policy made by hand"]

    live = policies.sync(bootstrapped_db.dsn(), policies_dir)

    assert names(live) == {"Owners can read their notes", "Owners can write their notes"}
    read = next(p for p in live if p.name == "Owners can read their notes")
    assert read.roles == ("authenticated",)
    assert "auth.uid()" in read.using
    assert not policies.drift(bootstrapped_db.dsn(), policies_dir)


def test_drift_names_each_changed_missing_and_unexpected_policy(bootstrapped_db, project):
    migrations_dir, policies_dir = project
    supabase_cli.push(bootstrapped_db.dsn(), workdir=migrations_dir.parents[1])
    policies.sync(bootstrapped_db.dsn(), policies_dir)
    with bootstrapped_db.connect() as conn:
        conn.execute('drop policy "Owners can write their notes" on public.notes')
        conn.execute('alter policy "Owners can read their notes" on public.notes to anon')
        conn.execute(
            'create policy "Made in the dashboard" on public.notes for delete '
            "to authenticated using (true)"
        )

    drift = policies.drift(bootstrapped_db.dsn(), policies_dir)

    assert drift
    report = drift.report()
    assert 'missing from database: "Owners can write their notes" on public.notes' in report
    assert 'changed in database: "Owners can read their notes" on public.notes' in report
    assert 'not in files: "Made in the dashboard" on public.notes' in report
    # Checking changes nothing.
    with bootstrapped_db.connect() as conn:
        count = conn.execute("select count(*) from pg_policies where tablename = 'notes'")
        assert count.fetchone()[0] == 2


def test_a_policy_file_with_other_ddl_is_refused(bootstrapped_db, project):
    migrations_dir, policies_dir = project
    supabase_cli.push(bootstrapped_db.dsn(), workdir=migrations_dir.parents[1])
    (policies_dir / "zz_bad.sql").write_text("drop table public.notes;\n")

    with pytest.raises(PolicyFileError, match="only CREATE POLICY belongs"):
        policies.sync(bootstrapped_db.dsn(), policies_dir)

    with bootstrapped_db.connect() as conn:
        assert conn.execute("select to_regclass('public.notes') is not null").fetchone()[0]


def test_the_repository_migrations_alone_give_the_policies_the_files_declare(bootstrapped_db):
    """Fails when supabase/policies/ changed without `scripts/db diff <name>`."""
    supabase_cli.push(bootstrapped_db.dsn())

    drift = policies.drift(bootstrapped_db.dsn())

    assert not drift, drift.report() + "\nrun: scripts/db diff <name>"


def test_the_migrated_test_database_has_no_policy_drift(fresh_db):
    drift = policies.drift(fresh_db.dsn())
    assert not drift, drift.report()


def test_sync_drops_what_the_files_took_out_and_keeps_dashboard_policies(bootstrapped_db, project):
    migrations_dir, policies_dir = project
    # The policies as a migration made them (what scripts/db diff writes).
    (migrations_dir / "20240102000000_notes_policies.sql").write_text(NOTES_POLICIES)
    supabase_cli.push(bootstrapped_db.dsn(), workdir=migrations_dir.parents[1])
    with bootstrapped_db.connect() as conn:
        conn.execute(
            'create policy "Made in the dashboard" on public.notes for delete '
            "to authenticated using (false)"
        )
    (policies_dir / "notes.sql").write_text(
        NOTES_POLICIES.split('create policy "Owners can write')[0]
    )

    policies.sync(bootstrapped_db.dsn(), policies_dir)

    with bootstrapped_db.connect() as conn:
        rows = conn.execute("select policyname from pg_policies where tablename = 'notes'")
        live = {r[0] for r in rows}
    assert live == {"Owners can read their notes", "Made in the dashboard"}
