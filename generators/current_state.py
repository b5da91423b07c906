"""supabase/current/: what runs today, one file per area. Every function, trigger and view of
ours (schemas public, private and queue, and our triggers on auth and storage tables) has its one
definition there, with its grants; RLS policies have theirs in supabase/policies/. Migrations
stay history: a change is made in these files, and `scripts/db diff <name>` turns it into a
migration with pg-delta (`supabase db diff --use-pg-delta`), which carries only what changed.

- ``snapshot`` writes the files from a migrated database (how they were first made; run again
  only to start over).
- ``declared`` reads which objects the files define, so a test can hold every object to exactly
  one file.
- ``apply`` runs the files (then the policy files) on a migrated database: the database "built
  from the current-state files". pg-delta between it and the migrations' database is empty
  while both agree, and is the next migration when they do not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pglast import parse_sql

from fieldbase_local import bootstrap, settings, supabase_cli
from generators import api_reference, policies

CURRENT_DIR = settings.SUPABASE_DIR / "current"
MIGRATIONS_DIR = settings.SUPABASE_DIR / "migrations"
OUR_SCHEMAS = ("public", "private", "queue")
API_ROLES = ("public", "anon", "authenticated", "service_role")


@dataclass(frozen=True)
class Definition:
    kind: str  # function, view, trigger
    key: str  # private.authorize(uuid,text[]), public.v, trigger t on public.x
    sql: str
    migration: str  # the migration that created it first


def slug(area: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", area.lower()).strip("_")


def area_files() -> list[tuple[str, Path]]:
    """(area, file) in the areas' order."""
    return [
        (area, CURRENT_DIR / f"{n:02d}_{slug(area)}.sql")
        for n, area in enumerate(api_reference.AREAS, start=1)
    ]


# --- reading the database --------------------------------------------------------------------

FUNCTIONS = """
select p.oid, n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
  pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_result(p.oid),
  l.lanname, p.provolatile, p.prosecdef, p.proisstrict, p.proleakproof, p.proparallel,
  p.proconfig, p.prosrc, p.proacl is null,
  array(
    select a.grantee::regrole::text from aclexplode(p.proacl) as a
    where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner and a.grantee <> 0
    order by 1
  ),
  exists (
    select from aclexplode(p.proacl) as a where a.privilege_type = 'EXECUTE' and a.grantee = 0
  )
from pg_catalog.pg_proc as p
inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
inner join pg_catalog.pg_language as l on p.prolang = l.oid
where n.nspname = any(%s) and p.prokind in ('f', 'p')
  and not exists (
    select from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
  )
order by n.nspname, p.proname, 4
"""

VIEWS = """
select n.nspname, c.relname, c.reloptions, pg_catalog.pg_get_viewdef(c.oid, true),
  array(
    select format('%%s:%%s', a.grantee::regrole::text, a.privilege_type)
    from aclexplode(c.relacl) as a
    where a.grantee <> c.relowner and a.grantee <> 0
    order by 1
  )
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where c.relkind = 'v' and n.nspname = any(%s)
order by n.nspname, c.relname
"""

TRIGGERS = """
select t.tgname, n.nspname, c.relname, pg_catalog.pg_get_triggerdef(t.oid), t.tgconstraint <> 0
from pg_catalog.pg_trigger as t
inner join pg_catalog.pg_class as c on t.tgrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_proc as p on t.tgfoid = p.oid
where not t.tgisinternal and p.pronamespace::regnamespace::text = any(%s)
order by n.nspname, c.relname, t.tgname
"""

VOLATILITY = {"i": "immutable", "s": "stable", "v": None}
PARALLEL = {"s": "parallel safe", "r": "parallel restricted", "u": None}


def _dollar_quote(body: str) -> str:
    for tag in ("$$", "$fn$", "$body$", "$function_body$"):
        if tag not in body:
            return tag
    raise ValueError("no dollar quote fits this body")


def split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses, brackets and quotes."""
    parts, depth, quote, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quote = not quote
        elif not quote and char in "([":
            depth += 1
        elif not quote and char in ")]":
            depth -= 1
        elif not quote and depth == 0 and char == ",":
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    return [*parts, tail] if tail else parts


def _signature(schema: str, name: str, arguments: str) -> str:
    """schema.name(arguments), one argument a line when it would not fit on one."""
    one_line = f"{schema}.{name}({arguments})"
    if len(one_line) <= 80:
        return one_line
    return f"{schema}.{name}(\n  " + ",\n  ".join(split_top_level(arguments)) + "\n)"


TRIGGER_WORDS = re.compile(
    r"\b(CREATE OR REPLACE TRIGGER|CREATE CONSTRAINT TRIGGER|CREATE TRIGGER|"
    r"BEFORE|AFTER|INSTEAD OF|"
    r"INSERT|UPDATE|DELETE|TRUNCATE|OR|OF|ON|FROM|NOT DEFERRABLE|DEFERRABLE|INITIALLY IMMEDIATE|"
    r"INITIALLY DEFERRED|REFERENCING|NEW TABLE AS|OLD TABLE AS|FOR EACH ROW|FOR EACH STATEMENT|"
    r"WHEN|EXECUTE FUNCTION)\b"
)


def _trigger_sql(definition: str) -> str:
    """pg_get_triggerdef, lower case outside the WHEN condition, one clause a line."""
    when = definition.find(" WHEN (")
    head, condition = (definition, "") if when < 0 else (definition[:when], definition[when:])
    cut = condition.rfind(" EXECUTE FUNCTION ")
    if cut >= 0:
        condition, call = condition[:cut], condition[cut:]
    else:
        condition, call = "", head[head.find(" EXECUTE FUNCTION ") :]
    if not condition:
        head = head[: head.find(" EXECUTE FUNCTION ")]
    lower = lambda text: TRIGGER_WORDS.sub(lambda m: m.group(0).lower(), text)  # noqa: E731
    text = re.sub(r" on (\w+\.\w+)", r"\non \1", lower(head), count=1)
    for clause in (" for each ", " referencing ", " deferrable ", " not deferrable "):
        text = text.replace(clause, "\n" + clause.strip() + " ")
    if condition:
        text += "\nwhen " + condition.strip()[len("WHEN ") :]
    return text + "\n" + lower(call).strip()


def _setting(entry: str) -> str:
    name, _, value = entry.partition("=")
    if value in ('""', "''"):
        return f"set {name} = ''"
    return f"set {name} = '{value.replace(chr(39), chr(39) * 2)}'"


def render_function(row) -> str:
    (
        _oid,
        schema,
        name,
        identity,
        arguments,
        result,
        language,
        volatility,
        definer,
        strict,
        leakproof,
        parallel,
        config,
        body,
        default_acl,
        grantees,
        public,
    ) = row
    attributes = [
        f"language {language}",
        VOLATILITY[volatility],
        "strict" if strict else None,
        "security definer" if definer else None,
        "leakproof" if leakproof else None,
        PARALLEL[parallel],
    ]
    lines = [f"create or replace function {_signature(schema, name, arguments)}"]
    lines.append(f"returns {result}")
    lines.append(" ".join(a for a in attributes if a))
    lines.extend(_setting(entry) for entry in config or [])
    tag = _dollar_quote(body)
    lines.append(f"as {tag}{body}{tag};")
    if not default_acl:
        target = f"{schema}.{name}({identity})"
        lines.append(f"revoke all on function {target}\nfrom {', '.join(API_ROLES)};")
        granted = [*grantees, *(["public"] if public else [])]
        if granted:
            lines.append(f"grant execute on function {target}\nto {', '.join(granted)};")
    return "\n".join(lines)


def render_view(row) -> str:
    schema, name, options, definition, grants = row
    with_options = f" with ({', '.join(options)})" if options else ""
    lines = [
        f"create or replace view {schema}.{name}{with_options} as",
        definition.rstrip(";\n ") + ";",
    ]
    lines.append(f"revoke all on table {schema}.{name} from {', '.join(API_ROLES)};")
    by_role: dict[str, list[str]] = defaultdict(list)
    for grant in grants:
        role, _, privilege = grant.partition(":")
        by_role[role].append(privilege.lower())
    for role, privileges in sorted(by_role.items()):
        lines.append(f"grant {', '.join(sorted(privileges))} on table {schema}.{name} to {role};")
    return "\n".join(lines)


def render_trigger(row) -> str:
    name, schema, table, definition, is_constraint = row
    text = _trigger_sql(definition) + ";"
    if is_constraint:
        # A constraint trigger cannot be replaced in place.
        return f"drop trigger if exists {name} on {schema}.{table};\n{text}"
    return text.replace("create trigger", "create or replace trigger", 1)


# --- which migration (and so which area) created an object ---------------------------------


def _migrations() -> list[tuple[str, str]]:
    return [
        (path.stem.split("_", 1)[1], path.read_text())
        for path in sorted(MIGRATIONS_DIR.glob("*.sql"))
    ]


def first_migration(pattern: str, migrations: list[tuple[str, str]]) -> str:
    """The first migration that creates what pattern names, else the first that mentions it
    (an object moved into its schema by ALTER ... SET SCHEMA, say)."""
    for regex in (rf"create\s+(?:or\s+replace\s+)?(?:constraint\s+)?{pattern}", pattern):
        compiled = re.compile(regex, re.IGNORECASE)
        for name, text in migrations:
            if compiled.search(text):
                return name
    raise LookupError(f"no migration matches {pattern}")


def latest_comment(pattern: str, migrations: list[tuple[str, str]]) -> str:
    """The -- lines right above the last commented statement matching pattern: why the object
    is as it is, in the words of the migration that made it so."""
    regex = re.compile(r"^create\s+(or\s+replace\s+)?" + pattern, re.IGNORECASE | re.MULTILINE)
    comment = ""
    for _name, text in migrations:
        for match in regex.finditer(text):
            above = text[: match.start()].rstrip("\n").split("\n")
            lines = []
            while above and above[-1].startswith("--") and not above[-1].startswith("-- ==="):
                lines.append(above.pop())
            if lines:  # a later restatement without a comment keeps the earlier one
                comment = "\n".join(reversed(lines))
    return comment + "\n" if comment else ""


def definitions(conn: psycopg.Connection) -> list[Definition]:
    migrations = _migrations()
    found: list[Definition] = []
    for row in conn.execute(FUNCTIONS, (list(OUR_SCHEMAS),)):
        schema, name, identity = row[1], row[2], row[3]
        pattern = rf"function\s+{schema}\.{name}\s*\("
        created = first_migration(pattern, migrations)
        sql = latest_comment(pattern, migrations) + render_function(row)
        found.append(Definition("function", f"{schema}.{name}({identity})", sql, created))
    for row in conn.execute(VIEWS, (list(OUR_SCHEMAS),)):
        schema, name = row[0], row[1]
        pattern = rf"view\s+{schema}\.{name}\b"
        created = first_migration(pattern, migrations)
        sql = latest_comment(pattern, migrations) + render_view(row)
        found.append(Definition("view", f"{schema}.{name}", sql, created))
    for row in conn.execute(TRIGGERS, (list(OUR_SCHEMAS),)):
        name, schema, table = row[0], row[1], row[2]
        # A trigger belongs with its table (enforce_organization_writable is on many tables);
        # on auth's and storage's tables, with the migration that made it.
        try:
            created = first_migration(rf"table\s+{schema}\.{table}\b", migrations)
        except LookupError:
            created = first_migration(rf"trigger\s+{name}\b", migrations)
        key = f"{name} on {schema}.{table}"
        found.append(Definition("trigger", key, render_trigger(row), created))
    return found


HEADER = """-- {area}: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.
"""


def snapshot(dsn: str, out_dir: Path = CURRENT_DIR) -> list[Path]:
    """Write the current-state files from a migrated database."""
    with psycopg.connect(dsn) as conn:
        found = definitions(conn)
    order = {name: n for n, (name, _text) in enumerate(_migrations())}
    by_area: dict[str, list[Definition]] = defaultdict(list)
    for definition in found:
        bare = re.sub(r"^\w+\.|\(.*$", "", definition.key)
        moved = api_reference.MOVED.get(bare) if definition.kind == "function" else None
        by_area[moved or api_reference.area_of(definition.migration)].append(definition)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    kinds = {"function": 0, "view": 1, "trigger": 2}
    for area, path in area_files():
        items = sorted(
            by_area.get(area, []), key=lambda d: (kinds[d.kind], order[d.migration], d.key)
        )
        text = HEADER.format(area=area)
        for item in items:
            text += f"\n{item.sql}\n"
        path.write_text(text)
        written.append(path)
    return written


# --- what the files declare ----------------------------------------------------------------


def declared(paths: list[Path] | None = None) -> dict[str, list[str]]:
    """{object key: [files declaring it]} for functions, views and triggers."""
    paths = paths if paths is not None else sorted(CURRENT_DIR.glob("*.sql"))
    found: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        for raw in parse_sql(path.read_text()):
            statement = raw.stmt
            kind = type(statement).__name__
            if kind == "CreateFunctionStmt":
                schema, name = (n.sval for n in statement.funcname)
                found[f"function {schema}.{name}"].append(path.name)
            elif kind == "ViewStmt":
                view = statement.view
                found[f"view {view.schemaname}.{view.relname}"].append(path.name)
            elif kind == "CreateTrigStmt":
                relation = statement.relation
                table = f"{relation.schemaname}.{relation.relname}"
                found[f"trigger {statement.trigname} on {table}"].append(path.name)
    return found


def areas_of_objects() -> dict[tuple[str, str], str]:
    """(kind, public name) -> the area whose files define it: functions and views by their
    supabase/current file, tables by the supabase/policies file holding their policies."""
    area_by_file = {path.name: area for area, path in area_files()}
    found: dict[tuple[str, str], str] = {}
    for key, files in declared().items():
        kind, name = key.split(" ", 1)
        if kind in ("function", "view") and name.startswith("public.") and files:
            found[(kind, name.removeprefix("public."))] = area_by_file[files[0]]
    for path in policies.policy_files():
        for schema, table, _name in policies.declared_names(path.read_text()):
            if schema == "public" and path.name in area_by_file:
                found.setdefault(("table", table), area_by_file[path.name])
    return found


def live_objects(conn: psycopg.Connection) -> set[str]:
    """The same keys for what a migrated database holds (functions by name: overloads share a
    file)."""
    keys = {f"function {r[1]}.{r[2]}" for r in conn.execute(FUNCTIONS, (list(OUR_SCHEMAS),))}
    keys |= {f"view {r[0]}.{r[1]}" for r in conn.execute(VIEWS, (list(OUR_SCHEMAS),))}
    triggers = conn.execute(TRIGGERS, (list(OUR_SCHEMAS),))
    keys |= {f"trigger {r[0]} on {r[1]}.{r[2]}" for r in triggers}
    return keys


def apply(
    dsn: str, current_dir: Path = CURRENT_DIR, policies_dir: Path = policies.POLICIES_DIR
) -> None:
    """Run the current-state files, then the policy files, on a migrated database."""
    paths = sorted(current_dir.glob("*.sql"))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("set check_function_bodies = off")
        for path in paths:
            with conn.transaction():
                conn.execute(path.read_text())
        # What the files no longer declare goes, so the delta drops it too.
        with conn.transaction():
            for statement in _drops_of_undeclared(conn, set(declared(paths))):
                conn.execute(statement)
    policies.sync(dsn, policies_dir)


def _drops_of_undeclared(conn: psycopg.Connection, keys: set[str]) -> list[str]:
    drops = [
        f"drop trigger {r[0]} on {r[1]}.{r[2]}"
        for r in conn.execute(TRIGGERS, (list(OUR_SCHEMAS),))
        if f"trigger {r[0]} on {r[1]}.{r[2]}" not in keys
    ]
    drops += [
        f"drop view {r[0]}.{r[1]}"
        for r in conn.execute(VIEWS, (list(OUR_SCHEMAS),))
        if f"view {r[0]}.{r[1]}" not in keys
    ]
    drops += [
        f"drop function {r[1]}.{r[2]}({r[3]})"
        for r in conn.execute(FUNCTIONS, (list(OUR_SCHEMAS),))
        if f"function {r[1]}.{r[2]}" not in keys
    ]
    return drops


# --- the delta ------------------------------------------------------------------------------

# pg-delta's notes to the reader (box-drawing lines) are not SQL.
_NOTE = re.compile(r"^[\u2500-\u257f\u25a0-\u25ff]")


def diff(from_dsn: str, to_dsn: str) -> str:
    """pg-delta's migration from one database to the other (`supabase db diff --use-pg-delta`),
    empty when they agree."""
    result = supabase_cli.run(
        "db",
        "diff",
        "--use-pg-delta",
        "--from",
        supabase_cli.db_url(from_dsn),
        "--to",
        supabase_cli.db_url(to_dsn),
    )
    lines = [line for line in result.stdout.splitlines() if not _NOTE.match(line)]
    sql = "\n".join(lines).strip()
    # With nothing else to say, pg-delta still sets check_function_bodies.
    if re.fullmatch(r"(?i)set local check_function_bodies = off;", sql):
        return ""
    return sql


def build_pair(inst, migrated: str, current: str) -> tuple[str, str]:
    """Two databases on inst: ``migrated`` built by `supabase db push` from Supabase's bootstrap,
    and ``current`` the same with the current-state and policy files applied. Returns their
    DSNs."""
    bootstrap.create_database(inst, settings.MAIN_DATABASE)
    supabase_cli.push(inst.dsn())
    bootstrap.clone_database(inst, settings.MAIN_DATABASE, migrated)
    bootstrap.clone_database(inst, settings.MAIN_DATABASE, current)
    apply(inst.dsn(dbname=current))
    return inst.dsn(dbname=migrated), inst.dsn(dbname=current)


MIGRATION_HEADER = """-- {name}
-- Generated by `scripts/db diff` (pg-delta) from supabase/current/ and supabase/policies/.
-- Say here why the change was made.
-- The statements are pg-delta's, as it prints them: sqlfluff leaves them alone.
-- noqa: disable=all

-- Wait for a busy table at most this long rather than queue every query behind the change.
set local lock_timeout = '5s';

"""


def write_migration(sql: str, name: str, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d%H%M%S")
    path = MIGRATIONS_DIR / f"{stamp}_{name}.sql"
    path.write_text(MIGRATION_HEADER.format(name=name) + sql + "\n")
    return path
