"""Seeds are sent by the real Supabase CLI (`supabase db push --include-seed`): a file whose
statement fails applies nothing, and the project's seeds apply and are recorded as the CLI
records them. (Our own seed sender once refused a seed that creates a function and calls it;
CLI 2.117.0 runs it, so that rule is gone with the imitation.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldbase_local import settings, stack, supabase_cli


def seed_project(tmp_path: Path, seed: str) -> Path:
    """A CLI project with the repository's migrations and config, and one seed file."""
    supabase_dir = tmp_path / "supabase"
    (supabase_dir / "seed").mkdir(parents=True)
    (supabase_dir / "migrations").symlink_to(settings.SUPABASE_DIR / "migrations")
    config = (settings.SUPABASE_DIR / "config.toml").read_text()
    config = re.sub(r"sql_paths = \[[^]]*\]", 'sql_paths = ["./seed/*.sql"]', config)
    (supabase_dir / "config.toml").write_text(config)
    (supabase_dir / "seed" / "extra.sql").write_text(seed)
    return tmp_path


def test_a_failing_statement_applies_nothing_of_its_file(migrated_db, tmp_path):
    project = seed_project(
        tmp_path,
        "insert into public.feature_flags (key, description) values ('seeded_flag', 'x');\n"
        "select 1 / (select count(*) - count(*) from public.plans);\n",
    )
    with pytest.raises(supabase_cli.CliError, match="division by zero"):
        supabase_cli.push(migrated_db.dsn(), include_seed=True, workdir=project)
    with migrated_db.connect() as conn:
        flag = conn.execute("select from public.feature_flags where key = 'seeded_flag'")
        assert flag.fetchone() is None


def test_the_project_seeds_apply_and_are_recorded_as_the_cli_records_them(migrated_db):
    with migrated_db.connect() as conn:
        recorded = conn.execute("select path from supabase_migrations.seed_files").fetchall()
        assert [row[0] for row in recorded] == [
            str(path.relative_to(settings.REPO_ROOT)) for path in stack.seed_files()
        ]
        assert conn.execute("select count(*) from public.organizations").fetchone()[0] == 2


def test_the_cli_reads_the_committed_config_without_a_warning(migrated_db):
    """The CLI once refused our config.toml (a placeholder project ref, a deprecated section)
    while our own runner accepted it."""
    result = supabase_cli.run(
        "migration", "list", "--db-url", supabase_cli.db_url(migrated_db.dsn()), check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARN" not in output and "failed to read config" not in output, output
    versions = sorted(p.name.split("_")[0] for p in stack.MIGRATIONS_DIR.glob("*.sql"))
    assert all(version in output for version in versions), "every migration is listed"
