"""Apply supabase/migrations the way the Supabase CLI does.

Files named ``<version>_<name>.sql`` run in version order, each in its own transaction, and are
recorded in ``supabase_migrations.schema_migrations (version, name, statements)``; a recorded
version is skipped. A failing file stops the run with the file, the statement and Postgres's
message, and leaves the database as it was before that file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pglast import parser as pg_parser

from fieldbase_local import settings

# The Supabase CLI's pattern; files that do not match are skipped with a warning, as it does.
MIGRATION_FILE = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.sql$")

HISTORY_DDL = (settings.BOOTSTRAP_SQL_DIR / "migration_history.sql").read_text()


@dataclass(frozen=True)
class Migration:
    path: Path
    version: str
    name: str

    def statements(self) -> list[tuple[int, str]]:
        """(line, text) of each statement, split by Postgres's own parser."""
        return split_statements(self)


def split_statements(migration: Migration) -> list[tuple[int, str]]:
    """(line, text) of each statement of a SQL file, split by Postgres's own parser."""
    text = migration.path.read_text()
    try:
        slices = pg_parser.split(text, with_parser=True, only_slices=True)
    except pg_parser.ParseError as exc:
        message, index = exc.args[0], exc.args[1] if len(exc.args) > 1 else 0
        line = _line_of(text, index)
        raise MigrationError(migration, line, _line_text(text, line), message) from exc
    return [(_line_of(text, s.start), text[s]) for s in slices]


class MigrationError(Exception):
    """A migration that failed: names the file, the statement and Postgres's message."""

    def __init__(
        self,
        migration: Migration,
        line: int,
        statement: str,
        message: str,
        sqlstate: str | None = None,
        detail: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.migration, self.line, self.statement = migration, line, statement
        self.message, self.sqlstate, self.detail, self.hint = message, sqlstate, detail, hint
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [
            f"migration {self.migration.path.name} failed at line {self.line}: {self.message}"
            + (f" (SQLSTATE {self.sqlstate})" if self.sqlstate else ""),
        ]
        if self.detail:
            parts.append(f"DETAIL: {self.detail}")
        if self.hint:
            parts.append(f"HINT: {self.hint}")
        snippet = self.statement.strip()
        if len(snippet) > 600:
            snippet = snippet[:600] + " ..."
        parts.append("statement:\n    " + snippet.replace("\n", "\n    "))
        parts.append("nothing from this file was applied; earlier files stay applied.")
        return "\n".join(parts)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, max(index, 0)) + 1


def _line_text(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def discover(migrations_dir: Path, warn=None) -> list[Migration]:
    found = []
    for path in sorted(migrations_dir.glob("*.sql")):
        match = MIGRATION_FILE.match(path.name)
        if not match:
            (warn or _stderr)(
                f"Skipping migration {path.name}... "
                '(file name must match pattern "<timestamp>_name.sql")'
            )
            continue
        found.append(Migration(path, match["version"], match["name"]))
    return sorted(found, key=lambda m: int(m.version))


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def ensure_history_table(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(HISTORY_DDL)


def applied_versions(conn: psycopg.Connection) -> set[str]:
    ensure_history_table(conn)
    rows = conn.execute("select version from supabase_migrations.schema_migrations").fetchall()
    return {row[0] for row in rows}


def apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    statements = migration.statements()
    try:
        with conn.transaction():
            for line, statement in statements:
                try:
                    conn.execute(statement, prepare=False)
                except psycopg.Error as exc:
                    diag = exc.diag
                    raise MigrationError(
                        migration,
                        line,
                        statement,
                        diag.message_primary or str(exc),
                        diag.sqlstate,
                        diag.message_detail,
                        diag.message_hint,
                    ) from exc
            conn.execute(
                "insert into supabase_migrations.schema_migrations (version, name, statements) "
                "values (%s, %s, %s)",
                (migration.version, migration.name, [s for _, s in statements]),
            )
    finally:
        # A migration may change session state (role, search_path); start the next one clean.
        conn.execute("reset all")
        conn.execute("reset role")


def apply(dsn: str, migrations_dir: Path, log=None) -> list[Migration]:
    """Apply every pending migration; returns those applied. Raises MigrationError."""
    log = log or _stderr
    applied = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        done = applied_versions(conn)
        for migration in discover(migrations_dir, warn=log):
            if migration.version in done:
                continue
            log(f"Applying migration {migration.path.name}...")
            apply_one(conn, migration)
            applied.append(migration)
    return applied
