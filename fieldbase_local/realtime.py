"""A stand-in for Supabase Realtime's Postgres Changes, doing what decides who receives what:
it decodes the WAL through a logical replication slot (test_decoding here; Realtime uses
pgoutput with the supabase_realtime publication), keeps the changes of tables in that
publication, and for each subscriber selects the changed row as that subscriber: role
`authenticated`, their JWT claims in `request.jwt.claims`, a read-only transaction. RLS passes
the row or not, exactly as Realtime's RLS check does. (Realtime does not check DELETEs against
RLS; it sends only the primary key of a deleted row, so this stand-in does the same.)"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fieldbase_local import settings

CHANGE = re.compile(r"^table (\w+)\.(\w+): (INSERT|UPDATE|DELETE): (.*)$")
PRIMARY_KEY = re.compile(r"(?:^| )id\[[^\]]+\]:(?:'([^']*)'|(\S+))")


@dataclass(frozen=True)
class Change:
    schema: str
    table: str
    kind: str
    id: str


class Realtime:
    def __init__(self, inst: settings.Instance, database: str):
        self.inst = inst
        self.database = database
        self.slot = f"realtime_{uuid.uuid4().hex[:12]}"
        self._conn: psycopg.Connection | None = None

    def __enter__(self) -> Realtime:
        self._conn = psycopg.connect(self.inst.superuser_dsn(self.database), autocommit=True)
        # A temporary slot: it goes with this session, and sees changes from now on.
        self._conn.execute(
            "select pg_create_logical_replication_slot(%s, 'test_decoding', true)", (self.slot,)
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._conn:
            self._conn.close()

    def published(self) -> set[tuple[str, str]]:
        assert self._conn
        rows = self._conn.execute(
            "select schemaname, tablename from pg_catalog.pg_publication_tables"
            " where pubname = 'supabase_realtime'"
        ).fetchall()
        return {(schema, table) for schema, table in rows}

    def changes(self) -> list[Change]:
        """The committed changes since the last call, of published tables only."""
        assert self._conn
        published = self.published()
        rows = self._conn.execute(
            "select data from pg_logical_slot_get_changes(%s, null, null)", (self.slot,)
        ).fetchall()
        found = []
        for (data,) in rows:
            match = CHANGE.match(data)
            if not match or (match[1], match[2]) not in published:
                continue
            key = PRIMARY_KEY.search(match[4])
            if key:
                found.append(Change(match[1], match[2], match[3], key[1] or key[2]))
        return found

    def receives(self, change: Change, claims: dict[str, Any] | None) -> bool:
        """Whether a subscriber with these claims (None: anonymous) is sent the change."""
        if change.kind == "DELETE":
            return True  # the primary key only, as Realtime does
        with psycopg.connect(self.inst.dsn("authenticator", self.database)) as conn:
            conn.execute("set transaction read only")
            conn.execute(
                sql.SQL("set local role {}").format(
                    sql.Identifier("authenticated" if claims else "anon")
                )
            )
            conn.execute(
                "select set_config('request.jwt.claims', %s, true)", (json.dumps(claims or {}),)
            )
            try:
                row = conn.execute(
                    sql.SQL("select 1 from {}.{} where id::text = %s").format(
                        sql.Identifier(change.schema), sql.Identifier(change.table)
                    ),
                    (change.id,),
                ).fetchone()
            except psycopg.errors.InsufficientPrivilege:
                return False
            finally:
                conn.rollback()
        return row is not None
