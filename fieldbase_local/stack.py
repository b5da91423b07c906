"""The local database as a whole: start it, reset it, migrate and seed it. Migrations and seeds
are applied by the real Supabase CLI (`supabase db push --db-url`), as a DBA applies them to a
hosted project; this module only starts the cluster, recreates a database with what Supabase
gives a project before any migration (bootstrap), and sets the local passwords."""

from __future__ import annotations

import glob
import sys
import tomllib
from pathlib import Path

import psycopg
from psycopg import sql

from fieldbase_local import bootstrap, cluster, settings, supabase_cli
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


def migrate(inst: Instance, dbname: str = settings.MAIN_DATABASE) -> None:
    """Apply pending migrations with `supabase db push` (the policies come with them: see
    supabase/policies/ and `scripts/db diff`)."""
    output = supabase_cli.push(inst.dsn(dbname=dbname))
    applied = output.count("Applying migration ")
    _log(f"{applied} migration(s) applied" if applied else "migrations up to date")
    configure_local_roles(inst, dbname)


def seed(inst: Instance, dbname: str = settings.MAIN_DATABASE) -> list[Path]:
    """Run the seed files with `supabase db push --include-seed`, as `supabase db reset` does
    (each file one batch; a file already applied with the same content is skipped)."""
    files = seed_files()
    output = supabase_cli.push(inst.dsn(dbname=dbname), include_seed=True)
    for line in output.splitlines():
        if line.startswith("Seeding data from"):
            _log(line)
    return files


# Roles our migrations create that log in, and the local stack's one password for them. On a
# real project a DBA sets a real password; no seed or migration carries one.
LOCAL_LOGIN_ROLES = ("fieldbase_worker", "fieldbase_rate_limiter")


def configure_local_roles(inst: Instance, dbname: str = settings.MAIN_DATABASE) -> None:
    """Give the login roles our migrations create the local password, and point the rate
    limiter's counting connection at this cluster (a DBA does both on a real project)."""
    with psycopg.connect(inst.dsn(dbname=dbname), autocommit=True) as conn:
        for role in LOCAL_LOGIN_ROLES:
            exists = conn.execute("select from pg_roles where rolname = %s", (role,)).fetchone()
            if exists is not None:
                conn.execute(
                    sql.SQL("alter role {} with password {}").format(
                        sql.Identifier(role), sql.Literal(settings.LOCAL_PASSWORD)
                    )
                )
        # The rate limiter's counting connection (a DBA sets this on a real project).
        if conn.execute("select to_regclass('private.rate_limit_connection')").fetchone()[0]:
            conninfo = (
                f"host={inst.host} port={inst.port} user=fieldbase_rate_limiter "
                f"password={settings.LOCAL_PASSWORD}"
            )
            conn.execute(
                "insert into private.rate_limit_connection (id, conninfo) values (true, %s) "
                "on conflict (id) do update set conninfo = excluded.conninfo",
                (conninfo,),
            )


def scratch_database() -> str:
    """A database just built by `supabase db push` from Supabase's bootstrap, on the cluster of
    its own that scripts/db diff and scripts/regenerate use (never yours, never the tests')."""
    inst = settings.instance("scratch")
    ensure_running(inst)
    bootstrap.create_database(inst, settings.MAIN_DATABASE)
    supabase_cli.push(inst.dsn())
    return inst.dsn()


def reset(inst: Instance, dbname: str = settings.MAIN_DATABASE, with_seed: bool = True) -> None:
    """A clean database: Supabase's bootstrap, every migration, the policies and the seeds."""
    ensure_running(inst)
    bootstrap.create_database(inst, dbname)
    migrate(inst, dbname)
    if with_seed:
        seed(inst, dbname)
