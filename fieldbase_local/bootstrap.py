"""Give a local cluster what Supabase gives a project before our migrations run: its roles,
schemas, extensions and default privileges (none for new entities since 2026-10-30)."""

from __future__ import annotations

import os
import tomllib

import psycopg
from psycopg import sql

from fieldbase_local import settings
from fieldbase_local.settings import Instance

LOGIN_ROLES = (
    "postgres",
    "authenticator",
    "supabase_auth_admin",
    "supabase_storage_admin",
    settings.SUPERUSER,
)


def _read(name: str) -> str:
    return (settings.BOOTSTRAP_SQL_DIR / name).read_text()


def bootstrap_cluster(inst: Instance) -> None:
    """Create Supabase's roles (idempotent) and give every login role the local password."""
    with psycopg.connect(inst.superuser_dsn("template1"), autocommit=True) as conn:
        conn.execute(_read("cluster_roles.sql"))
        for role in LOGIN_ROLES:
            conn.execute(
                sql.SQL("alter role {} password {}").format(
                    sql.Identifier(role), sql.Literal(settings.LOCAL_PASSWORD)
                )
            )


def drop_database(inst: Instance, name: str) -> None:
    with psycopg.connect(inst.superuser_dsn("template1"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def auto_expose_new_tables() -> bool:
    """Supabase's "Default privileges for new entities" toggle: off unless config.toml's
    ``[api] auto_expose_new_tables`` (or FIELDBASE_AUTO_EXPOSE_NEW_TABLES=1) turns it on."""
    explicit = os.environ.get("FIELDBASE_AUTO_EXPOSE_NEW_TABLES")
    if explicit is not None:
        return explicit.lower() in ("1", "true", "on", "yes")
    config = tomllib.loads((settings.SUPABASE_DIR / "config.toml").read_text())
    return bool(config.get("api", {}).get("auto_expose_new_tables", False))


def create_database(inst: Instance, name: str, auto_expose: bool | None = None) -> None:
    """A new, empty database owned by postgres, with Supabase's schemas and privileges.

    ``auto_expose`` is Supabase's "Default privileges for new entities" toggle; by default it is
    what config.toml says (off, as on every project since 2026-10-30).
    """
    if auto_expose is None:
        auto_expose = auto_expose_new_tables()
    drop_database(inst, name)
    with psycopg.connect(inst.superuser_dsn("template1"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} owner postgres template template0").format(
                sql.Identifier(name)
            )
        )
    with psycopg.connect(inst.superuser_dsn(name), autocommit=True) as conn:
        conn.execute(_read("database.sql"))
        if not auto_expose:
            conn.execute(_read("revoke_default_api_privileges.sql"))


def clone_database(inst: Instance, source: str, target: str) -> None:
    """Copy ``source`` to ``target`` (a template copy: fast, and exact).

    CREATE DATABASE ... TEMPLATE needs the source to have no other sessions, but pg_cron's
    launcher stays connected to its database; so new connections to the source are refused for
    the moment of the copy and the sessions in it are ended (the launcher comes back by itself).
    """
    drop_database(inst, target)
    src, tgt = sql.Identifier(source), sql.Identifier(target)
    with psycopg.connect(inst.superuser_dsn("template1"), autocommit=True) as conn:
        conn.execute(sql.SQL("alter database {} allow_connections false").format(src))
        try:
            for _attempt in range(50):
                conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = %s and pid <> pg_backend_pid()",
                    (source,),
                )
                try:
                    conn.execute(
                        sql.SQL(
                            "create database {} owner postgres template {} strategy file_copy"
                        ).format(tgt, src)
                    )
                    break
                except psycopg.errors.ObjectInUse:
                    continue
            else:
                raise RuntimeError(f"database {source} stayed in use; could not copy it")
        finally:
            conn.execute(sql.SQL("alter database {} allow_connections true").format(src))
