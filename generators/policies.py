"""supabase/policies/ is the readable source of truth for every RLS policy.

``sync`` makes the policies the files own exactly what the files declare (``scripts/db
policies sync`` locally, and the current-state database ``scripts/db diff`` builds), and
``drift`` tells how a live database differs from the files. Migrations carry the changes:
``scripts/db diff <name>`` writes exactly the policies that changed (pg-delta), so a DBA who
only uses the Supabase CLI gets the same end state, and the suite fails while the migrations
and the files disagree.

The files own the policies they declare and every policy a migration made (so a policy removed
from the files is dropped too). Policies made in the dashboard are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
from pglast import parse_sql

from fieldbase_local import settings

POLICIES_DIR = settings.SUPABASE_DIR / "policies"
# Schemas whose policies the files own completely.
MANAGED_SCHEMAS = ("public", "storage")

SNAPSHOT_QUERY = """
select schemaname::text, tablename::text, policyname::text, permissive::text,
       array(select unnest(roles) order by 1)::text[], cmd::text, qual, with_check
from pg_catalog.pg_policies
where schemaname = any(%s)
order by 1, 2, 3
"""

LOCK_TIMEOUT = "5s"


class PolicyFileError(Exception):
    pass


@dataclass(frozen=True, order=True)
class Policy:
    schema: str
    table: str
    name: str
    permissive: str
    roles: tuple[str, ...]
    command: str
    using: str | None
    with_check: str | None

    def label(self) -> str:
        return f'"{self.name}" on {self.schema}.{self.table}'


def policy_files(policies_dir: Path = POLICIES_DIR) -> list[Path]:
    return sorted(policies_dir.glob("*.sql"))


def validate(path: Path) -> str:
    """The file's text, after checking it holds nothing but CREATE POLICY statements."""
    text = path.read_text()
    for raw in parse_sql(text):
        kind = type(raw.stmt).__name__
        if kind != "CreatePolicyStmt":
            raise PolicyFileError(
                f"{path.name}: only CREATE POLICY belongs in supabase/policies/ (found {kind}); "
                "put other DDL in a migration"
            )
    return text


def declared_names(text: str) -> list[tuple[str, str, str]]:
    """(schema, table, name) of each CREATE POLICY in a SQL text."""
    found = []
    for raw in parse_sql(text):
        stmt = raw.stmt
        if type(stmt).__name__ == "CreatePolicyStmt":
            table = stmt.table
            # Postgres keeps the first 63 bytes of a name (NAMEDATALEN).
            name = stmt.policy_name.encode()[:63].decode(errors="ignore")
            found.append((table.schemaname or "public", table.relname, name))
    return found


def owned_names(
    policies_dir: Path = POLICIES_DIR, migrations_dir: Path | None = None
) -> list[tuple[str, str, str]]:
    """The policies the files own: declared now, or made by any migration (so a policy taken
    out of the files is dropped). Policies made in the dashboard are not ours."""
    migrations_dir = migrations_dir or policies_dir.parent / "migrations"
    names: list[tuple[str, str, str]] = []
    sources = [*sorted(migrations_dir.glob("*.sql")), *policy_files(policies_dir)]
    for path in sources:
        for name in declared_names(path.read_text()):
            if name not in names:
                names.append(name)
    return names


def drop_owned_sql(owned: list[tuple[str, str, str]]) -> str:
    lines = [f"set local lock_timeout = '{LOCK_TIMEOUT}';"]
    for schema, table, name in owned:
        quoted = name.replace('"', '""')
        line = f'drop policy if exists "{quoted}" on {schema}.{table};'
        if len(line) > 100:
            line = f'drop policy if exists "{quoted}"\non {schema}.{table};'
        lines.append(line)
    return "\n".join(lines) + "\n"


def snapshot(conn: psycopg.Connection, schemas=MANAGED_SCHEMAS) -> set[Policy]:
    rows = conn.execute(SNAPSHOT_QUERY, (list(schemas),)).fetchall()
    return {Policy(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], r[6], r[7]) for r in rows}


def _apply_files(conn: psycopg.Connection, policies_dir: Path) -> None:
    conn.execute(drop_owned_sql(owned_names(policies_dir)))
    for path in policy_files(policies_dir):
        text = validate(path)
        try:
            conn.execute(text)
        except psycopg.Error as exc:
            raise PolicyFileError(f"{path.name}: {exc.diag.message_primary or exc}") from exc


def sync(dsn: str, policies_dir: Path = POLICIES_DIR) -> set[Policy]:
    """Make the live policies exactly what the files declare, in one transaction."""
    with psycopg.connect(dsn) as conn:
        _apply_files(conn, policies_dir)
        result = snapshot(conn)
        conn.commit()
    return result


@dataclass
class Drift:
    missing: list[Policy]  # declared in the files, absent or different in the database
    unexpected: list[Policy]  # live in the database, not declared (or declared differently)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected)

    def report(self) -> str:
        if not self:
            return "policies match supabase/policies/"
        missing_names = {(p.schema, p.table, p.name) for p in self.missing}
        lines = ["live RLS policies differ from supabase/policies/:"]
        for p in self.unexpected:
            changed = (p.schema, p.table, p.name) in missing_names
            lines.append(f"  {'changed in database' if changed else 'not in files'}: {p.label()}")
        unexpected_names = {(p.schema, p.table, p.name) for p in self.unexpected}
        for p in self.missing:
            if (p.schema, p.table, p.name) not in unexpected_names:
                lines.append(f"  missing from database: {p.label()}")
        lines.append("fix: scripts/db diff <name> writes the migration (locally: policies sync)")
        return "\n".join(lines)


def drift(dsn: str, policies_dir: Path = POLICIES_DIR) -> Drift:
    """Compare the live policies with what the files would make them (nothing is changed)."""
    with psycopg.connect(dsn) as conn:
        live = snapshot(conn)
        _apply_files(conn, policies_dir)
        in_files = set()
        for path in policy_files(policies_dir):
            in_files.update(declared_names(path.read_text()))
        declared = {p for p in snapshot(conn) if (p.schema, p.table, p.name) in in_files}
        conn.rollback()
    return Drift(missing=sorted(declared - live), unexpected=sorted(live - declared))
