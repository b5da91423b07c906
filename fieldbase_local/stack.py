"""The local database as a whole: start it, reset it, migrate and seed it."""

from __future__ import annotations

import glob
import sys
import tomllib
from pathlib import Path

import psycopg

from fieldbase_local import bootstrap, cluster, migrations, policies, settings
from fieldbase_local.settings import Instance

MIGRATIONS_DIR = settings.SUPABASE_DIR / "migrations"
CONFIG_TOML = settings.SUPABASE_DIR / "config.toml"


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def ensure_running(inst: Instance) -> None:
    """Initialise and start the cluster if needed; make sure Supabase's roles exist."""
    cluster.start(inst)
    bootstrap.bootstrap_cluster(inst)  # idempotent and quick: picks up bootstrap changes


def seed_files(config_path: Path = CONFIG_TOML) -> list[Path]:
    """The seed files config.toml names ([db.seed] sql_paths, relative to supabase/), in order."""
    config = tomllib.loads(config_path.read_text())
    seed = config.get("db", {}).get("seed", {})
    if not seed.get("enabled", True):
        return []
    files: list[Path] = []
    for pattern in seed.get("sql_paths", ["./seed.sql"]):
        matches = sorted(glob.glob(str(config_path.parent / pattern)))
        files.extend(Path(m) for m in matches if Path(m) not in files)
    return files


def migrate(
    inst: Instance,
    dbname: str = settings.MAIN_DATABASE,
    migrations_dir: Path = MIGRATIONS_DIR,
    policies_dir: Path = policies.POLICIES_DIR,
    sync_policies: bool = True,
) -> None:
    dsn = inst.dsn(dbname=dbname)
    applied = migrations.apply(dsn, migrations_dir, log=_log)
    _log(f"{len(applied)} migration(s) applied" if applied else "migrations up to date")
    if sync_policies:
        live = policies.sync(dsn, policies_dir)
        _log(f"{len(live)} RLS policies in place from supabase/policies/")


def seed(inst: Instance, dbname: str = settings.MAIN_DATABASE) -> list[Path]:
    """Run the seed files as postgres, as `supabase db reset` does, each in one transaction."""
    files = seed_files()
    with psycopg.connect(inst.dsn(dbname=dbname)) as conn:
        for path in files:
            _log(f"Seeding data from {path.relative_to(settings.REPO_ROOT)}...")
            conn.execute(path.read_text())
            conn.commit()
    return files


def reset(inst: Instance, dbname: str = settings.MAIN_DATABASE, with_seed: bool = True) -> None:
    """A clean database: Supabase's bootstrap, every migration, the policies and the seeds."""
    ensure_running(inst)
    bootstrap.create_database(inst, dbname)
    migrate(inst, dbname)
    if with_seed:
        seed(inst, dbname)
