"""Run SQL the way PostgREST runs a request, so what tests prove holds behind the real one.

For each request PostgREST logs in as ``authenticator``, verifies the JWT, opens a transaction
(``READ ONLY`` for GET and HEAD, and for POST /rpc to a STABLE or IMMUTABLE function), ``set
local role`` to the token's role (``anon`` without one), sets ``request.jwt.claims``,
``request.headers``, ``request.method``, ``request.path`` and the search_path, applies the
role's own settings (``statement_timeout``), calls the ``db-pre-request`` function if
configured, runs the query, and maps errors to HTTP statuses.
Like PostgREST it keeps its sessions: a request runs on a connection earlier requests used, so
what one leaves in the session (not in its transaction) the next one sees, as behind the real one.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import jwt
import psycopg
from psycopg import sql

from fieldbase_local import settings

ANON_ROLE = "anon"
EXTRA_SEARCH_PATH = "public, extensions"

# Idle sessions kept across all databases, the oldest closed first: PostgREST's pool, bounded so
# that a suite's hundreds of throwaway databases hold neither server connections nor files.
POOL_SIZE = 8
_idle: list[tuple[str, psycopg.Connection]] = []
_idle_lock = threading.Lock()


def _session(dsn: str) -> psycopg.Connection:
    """An idle session of this database that still answers, else a new one (autocommit)."""
    while True:
        with _idle_lock:
            found = next((i for i in range(len(_idle) - 1, -1, -1) if _idle[i][0] == dsn), None)
            conn = _idle.pop(found)[1] if found is not None else None
        if conn is None:
            return psycopg.connect(dsn, autocommit=True)
        try:
            conn.execute("")  # its database may have been dropped, or the server restarted
            return conn
        except psycopg.Error:
            conn.close()


def _keep(dsn: str, conn: psycopg.Connection) -> None:
    """Back to the pool when the request ended its transaction; closed otherwise."""
    if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.close()
        return
    conn.autocommit = True
    with _idle_lock:
        _idle.append((dsn, conn))
        evicted = _idle[: max(len(_idle) - POOL_SIZE, 0)]
        del _idle[: len(evicted)]
    for _, old in evicted:
        old.close()


class PostgrestError(Exception):
    """An error as PostgREST would answer it: HTTP status, code and message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details, self.hint = details, hint


def http_status(sqlstate: str, authenticated: bool = True) -> int:
    """PostgREST's SQLSTATE to HTTP status mapping (docs: errors.html)."""
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    exact = {
        "23503": 409,
        "23505": 409,
        "25006": 405,
        "P0001": 400,
        "42883": 404,
        "42P01": 404,
        "42P17": 500,
        "53400": 500,
        "42501": 403 if authenticated else 401,
        "57014": 500,
        "40001": 500,
    }
    if sqlstate in exact:
        return exact[sqlstate]
    by_class = {
        "08": 503,
        "09": 500,
        "0L": 403,
        "0P": 403,
        "22": 400,
        "23": 400,
        "25": 500,
        "28": 403,
        "2D": 500,
        "38": 500,
        "39": 500,
        "3B": 500,
        "40": 500,
        "53": 503,
        "54": 500,
        "55": 500,
        "57": 500,
        "58": 500,
        "F0": 500,
        "HV": 500,
        "P0": 500,
        "XX": 500,
        "42": 400,
    }
    return by_class.get(sqlstate[:2], 400)


@dataclass
class Request:
    """One PostgREST request: its transaction's connection and what PostgREST set."""

    conn: psycopg.Connection
    role: str
    claims: dict = field(default_factory=dict)
    read_only: bool = False

    def execute(self, query, params=None):
        return self.conn.execute(query, params)

    def csv(self, relation: str) -> str:
        """GET /<relation> with Accept: text/csv: PostgREST's own CSV query (a heading of the
        row's keys, then each row's record text without its parentheses)."""
        source = sql.SQL("select t.* from {} as t").format(sql.Identifier("public", relation))
        query = sql.SQL(
            "with pgrst_source as ({source}) select"
            " (select coalesce(string_agg(a.k, ','), '') from"
            " (select json_object_keys(r)::text as k"
            " from (select row_to_json(hh) as r from pgrst_source as hh limit 1) as _) as a)"
            " || E'\\n' || coalesce(string_agg(substring(_postgrest_t::text, 2,"
            " length(_postgrest_t::text) - 2), E'\\n'), '') as body"
            " from (select * from pgrst_source) as _postgrest_t"
        ).format(source=source)
        return self.conn.execute(query).fetchone()[0]


READ_ONLY_METHODS = ("GET", "HEAD")

VOLATILITY_QUERY = """
select coalesce(bool_and(p.provolatile in ('s', 'i')), false)
from pg_catalog.pg_proc as p
where p.pronamespace = 'public'::regnamespace and p.proname = %s
"""


def is_read_only(conn: psycopg.Connection, method: str, path: str) -> bool:
    """PostgREST's choice of transaction access mode for a request."""
    method = method.upper()
    path = path.removeprefix("/rest/v1")
    if method in READ_ONLY_METHODS:
        return True
    if method == "POST" and path.startswith("/rpc/"):
        name = path.removeprefix("/rpc/").split("?", 1)[0]
        return bool(conn.execute(VOLATILITY_QUERY, (name,)).fetchone()[0])
    return False


WRITE = re.compile(r"^\s*(insert\s+into|update|delete\s+from)\s+(?:public\.)?(\w+)", re.I)
RPC = re.compile(r"^\s*select\s+(?:[\w\s,.*]+?\s+from\s+)?public\.(\w+)\s*\(", re.I)


def route(statement: str) -> tuple[str, str]:
    """The request a frontend would send for this SQL: (method, path), for tests that speak SQL.

    A write is a POST, PATCH or DELETE on its table; calling a public function is POST /rpc/<name>
    (read-only when the function is stable or immutable); anything else is a GET (read-only).
    """
    if match := WRITE.match(statement):
        verb = match[1].split()[0].lower()
        method = {"insert": "POST", "update": "PATCH", "delete": "DELETE"}[verb]
        return method, f"/{match[2]}"
    if match := RPC.match(statement):
        return "POST", f"/rpc/{match[1]}"
    return "GET", "/"


# PostgREST's own query (Config/Database.hs, queryRoleSettings): the settings of each role
# authenticator may become, those it may set, read once as PostgREST reads them at start-up.
ROLE_SETTINGS_QUERY = """
with role_setting as (
  select r.rolname, unnest(r.rolconfig) as setting
  from pg_catalog.pg_auth_members as m
  join pg_catalog.pg_roles as r on r.oid = m.roleid
  where m.member = current_user::regrole::oid
),
kv_settings as (
  select rolname,
    substr(setting, 1, strpos(setting, '=') - 1) as key,
    lower(substr(setting, strpos(setting, '=') + 1)) as value
  from role_setting
)
select kv.rolname, kv.key, kv.value
from kv_settings as kv
join pg_catalog.pg_settings as ps on ps.name = kv.key
  and (ps.context = 'user' or has_parameter_privilege(current_user::regrole::oid, ps.name, 'set'))
where kv.key <> 'default_transaction_isolation'
"""


class Postgrest:
    """A stand-in for PostgREST's request handling, logging in as authenticator."""

    def __init__(
        self,
        dsn: str,
        jwt_secret: str = settings.LOCAL_JWT_SECRET,
        pre_request: str | None = None,
        jwt_aud: str | None = None,
    ) -> None:
        self.dsn, self.jwt_secret = dsn, jwt_secret
        self.pre_request, self.jwt_aud = pre_request, jwt_aud
        self._role_settings: dict[str, list[tuple[str, str]]] | None = None

    def role_settings(self, conn: psycopg.Connection, role: str) -> list[tuple[str, str]]:
        """The impersonated role's settings (`alter role anon set statement_timeout = '3s'`),
        which PostgREST applies to each request of that role."""
        if self._role_settings is None:
            self._role_settings = {}
            for name, key, value in conn.execute(ROLE_SETTINGS_QUERY):
                self._role_settings.setdefault(name, []).append((key, value))
        return self._role_settings.get(role, [])

    @classmethod
    def for_instance(cls, inst: settings.Instance, dbname: str, **kwargs) -> Postgrest:
        return cls(inst.dsn("authenticator", dbname), **kwargs)

    def verify(self, token: str | None) -> dict:
        if token is None:
            return {"role": ANON_ROLE}
        try:
            # Like PostgREST: exp is checked when present, aud only when configured.
            return jwt.decode(
                token,
                self.jwt_secret,
                algorithms=["HS256"],
                audience=self.jwt_aud,
                options={"verify_aud": self.jwt_aud is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise PostgrestError(401, "PGRST303", "JWT expired") from exc
        except jwt.InvalidTokenError as exc:
            raise PostgrestError(401, "PGRST301", f"JWT invalid: {exc}") from exc

    @contextmanager
    def request(
        self,
        token: str | None = None,
        method: str = "GET",
        path: str = "/",
        headers: dict | None = None,
    ) -> Iterator[Request]:
        """A request's transaction; it commits on success like PostgREST, else rolls back."""
        claims = self.verify(token)
        role = claims.get("role") or ANON_ROLE
        all_headers = {"user-agent": "fieldbase-tests", **(headers or {})}
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        conn = _session(self.dsn)
        try:
            read_only = is_read_only(conn, method, path)
            role_settings = self.role_settings(conn, role)
            conn.autocommit = False
            conn.read_only = read_only
            if role_settings:
                # Before the role, as PostgREST sets them: authenticator may set what it was
                # granted, the role perhaps not.
                conn.execute(
                    sql.SQL("select {}").format(
                        sql.SQL(", ").join(
                            sql.SQL("set_config({}, {}, true)").format(
                                sql.Literal(key), sql.Literal(value)
                            )
                            for key, value in role_settings
                        )
                    )
                )
            try:
                conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
            except psycopg.errors.InvalidParameterValue as exc:
                raise PostgrestError(401, "PGRST301", f'role "{role}" does not exist') from exc
            except psycopg.errors.InsufficientPrivilege as exc:
                raise PostgrestError(
                    401, "42501", f'permission denied to set role "{role}"'
                ) from exc
            conn.execute(
                "select set_config('search_path', %s, true),"
                " set_config('request.jwt.claims', %s, true),"
                " set_config('request.headers', %s, true),"
                " set_config('request.method', %s, true),"
                " set_config('request.path', %s, true)",
                (
                    EXTRA_SEARCH_PATH,
                    json.dumps(claims),
                    json.dumps({k.lower(): v for k, v in all_headers.items()}),
                    method,
                    path,
                ),
            )
            try:
                if self.pre_request:
                    conn.execute(
                        sql.SQL("select {}()").format(sql.Identifier(*self.pre_request.split(".")))
                    )
                yield Request(conn, role, claims, read_only)
            except psycopg.Error as exc:
                conn.rollback()
                diag = exc.diag
                sqlstate = diag.sqlstate or "XX000"
                raise PostgrestError(
                    http_status(sqlstate, authenticated=role != ANON_ROLE),
                    sqlstate,
                    diag.message_primary or str(exc),
                    diag.message_detail,
                    diag.message_hint,
                ) from exc
            conn.commit()
        finally:
            _keep(self.dsn, conn)
