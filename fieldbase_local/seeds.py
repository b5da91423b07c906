"""Apply seed files the way the Supabase CLI does (`supabase db reset` / `start`).

The CLI sends each seed file as one pgx batch with its statement cache on: every statement is
parsed and described (prepared) before any of them runs, then all run in one implicit
transaction, and the file is recorded in ``supabase_migrations.seed_files`` with its hash. So a
seed that creates an object and uses it in the same file fails on Supabase: it fails here too,
with the statement that could not be prepared.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
from psycopg import pq

from fieldbase_local.migrations import (
    Migration,
    MigrationError,
    ensure_history_table,
    split_statements,
)

UPSERT_SEED_FILE = (
    "insert into supabase_migrations.seed_files (path, hash) values (%s, %s) "
    "on conflict (path) do update set hash = excluded.hash"
)


class SeedError(MigrationError):
    def __str__(self) -> str:
        return (
            super()
            .__str__()
            .replace("migration ", "seed ", 1)
            .replace(
                "nothing from this file was applied; earlier files stay applied.",
                "nothing from this seed file was applied.",
            )
        )


def _check(migration: Migration, line: int, statement: str, result: pq.PGresult) -> None:
    if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        return
    field = pq.DiagnosticField
    raise SeedError(
        migration,
        line,
        statement,
        (result.error_field(field.MESSAGE_PRIMARY) or b"").decode() or "failed",
        (result.error_field(field.SQLSTATE) or b"").decode() or None,
        (result.error_field(field.MESSAGE_DETAIL) or b"").decode() or None,
        (result.error_field(field.MESSAGE_HINT) or b"").decode() or None,
    )


def apply_seed_file(conn: psycopg.Connection, path: Path, label: str) -> None:
    """Prepare every statement of the file, then run them all in one transaction."""
    seed = Migration(path, "", path.stem)
    statements = split_statements(seed)
    ensure_history_table(conn)
    pg = conn.pgconn
    names = []
    try:
        for index, (line, statement) in enumerate(statements):
            name = f"fieldbase_seed_{index}".encode()
            _check(seed, line, statement, pg.prepare(name, statement.encode()))
            names.append(name)
            _check(seed, line, statement, pg.describe_prepared(name))
        _check(seed, 0, "begin", pg.exec_(b"begin"))
        try:
            for name, (line, statement) in zip(names, statements, strict=True):
                _check(seed, line, statement, pg.exec_prepared(name, []))
        except SeedError:
            pg.exec_(b"rollback")
            raise
        _check(seed, 0, "commit", pg.exec_(b"commit"))
    finally:
        for name in names:
            pg.exec_(b"deallocate " + name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    conn.execute(UPSERT_SEED_FILE, (label, digest))
