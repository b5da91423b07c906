"""The API reference, from the database itself: every table, view, column, RPC and enum in an
exposed schema carries a COMMENT (PostgREST serves them as its OpenAPI descriptions), and
docs/api.md lists them by area with who may do what and the errors each RPC raises.

    python -m generators.api_reference draft  # `comment on` statements for what lacks one

`draft` is where a new migration's comments start: it takes the `--` comment above each
table, column or function in the migrations, describes the columns every table shares and
foreign keys from their constraint, and leaves `TODO` where a person has to write.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from fieldbase_local import postgrest, settings, stack

DOCS_FILE = settings.REPO_ROOT / "docs" / "api.md"
MIGRATIONS_DIR = settings.SUPABASE_DIR / "migrations"
SQL = Path(__file__).parent / "sql" / "api_reference"

# The area each migration's objects belong to, in the order the reference lists them. An
# object belongs to the migration that first creates it.
AREAS: dict[str, list[str]] = {
    "Organizations and members": [
        "private_schema",
        "organizations",
        "profiles",
        "memberships",
        "organization_functions",
        "invitations",
        "access_token_hook",
        "api_surface",
        "authorization_guard",
        "policy_helpers_cache_their_plans",
        "support_lookup_for_staff_only",
        "rpcs_planned_once_per_session",
        "live_memberships_table",
        "live_memberships_kept_by_triggers",
        "authorize_reads_live_memberships",
        "membership_moved_into_deleted_organization",
        "own_rows_by_membership_pairs",
        "organization_ids_for_in_one_query",
        "api_caller_check_planned_once",
        "organization_writable_guard_says_what_it_installs",
        "sync_policies",
        "api_comments",
    ],
    "Activity, notifications and audit": [
        "activity_and_notifications",
        "audit_log",
        "audit_and_activity_allowlists",
        "realtime",
    ],
    "Feature flags, usage and health": [
        "feature_flags_and_usage",
        "rate_limit",
        "health",
        "rate_limit_counts_every_request",
        "platform_housekeeping",
        "rate_limit_helpers_cache_their_plans",
        "readiness_report",
        "rate_limit_counting_session",
        "rate_limiter_reopens_its_counting_session",
        "rate_limiter_parses_the_claims_once",
        "rate_limiter_fails_open_when_it_cannot_count",
        "rate_limiter_helpers_run_as_their_caller",
        "readiness_checks_history_days",
    ],
    "Background jobs": [
        "job_queue",
        "job_queue_operations",
        "queue_hot_path",
        "claim_without_bitmap_scans",
        "running_jobs_inserted_counted_by_row",
        "fair_claims",
        "reclaimed_jobs_keep_their_place",
        "follow_ups_queued_once",
        "claims_take_turns",
        "platform_jobs_claimed_in_order",
        "job_history_by_day",
        "job_history_partitions_kept",
    ],
    "Email, documents and webhooks": [
        "email_delivery",
        "documents",
        "webhooks",
        "outbound_email_bounds",
        "document_line_caps",
        "invitations_name_their_inviter",
    ],
    "Customers and sites": ["customers_and_sites", "required_fields_example"],
    "Work orders": [
        "work_orders",
        "work_order_checklists_notes_attachments",
        "checklists_edited_by_planners",
        "bulk_work_order_numbers",
        "assignments_member_index",
        "list_indexes_members_can_use",
        "technician_helpers_without_nested_calls",
        "caller_assignments_view",
    ],
    "Scheduling": [
        "visits_and_time",
        "visit_events",
        "availability_and_authority_fields",
        "technicians_own_rows_first",
    ],
    "Backflow testing and compliance": [
        "backflow_test_reports",
        "compliance",
        "authority_submission_outcome",
        "technicians_stay_inside_their_work",
        "technicians_policies_stay_inside_their_work",
        "authority_submissions_recorded_by_the_worker",
        "compliance_dates_are_local_tables",
        "compliance_dates_are_local",
        "authority_thresholds_tables",
        "authority_thresholds",
        "air_gap_assemblies",
        "authority_report_fields_tables",
        "authority_report_fields",
        "authority_batches_tables",
        "authority_batches",
        "field_photos",
    ],
    "Service agreements": ["service_agreements"],
    "Price book and estimates": ["price_book", "estimates"],
    "Invoices and payments": ["invoices_and_payments", "stripe_events"],
    "Customer portal": ["customer_portal", "portal_and_technician_access"],
    "Support tickets": ["support_tickets"],
    "Dashboards and exports": [
        "dashboards_and_exports",
        "exports_for_leaving",
        "exports_of_work_orders_and_assemblies",
    ],
    "Subscriptions and billing": [
        "trial_expired_status",
        "subscriptions_and_billing_tables",
        "subscriptions_and_billing",
        "storage_quota_speaks_to_members_only",
        "billing_status_leaves_the_lifecycle_to_its_trigger",
    ],
    "Bulk import": ["bulk_import_tables", "bulk_import", "import_rows_retention"],
    "Customer messages": ["customer_messages_tables", "customer_messages"],
    "Offline sync": [
        "offline_writes_tables",
        "sync_conflicts_table",
        "offline_writes",
        "powersync_publication",
    ],
    "Signatures": ["signatures_tables", "signatures", "review_messages_sync_signatures"],
}

# Functions that belong to another area than the migration that created them, for
# current_state.snapshot (which wrote supabase/current/ once); the reference then places every
# object by the file that defines it.
MOVED = {
    "send_estimate": "Price book and estimates",
    "approve_estimate": "Price book and estimates",
    "decline_estimate": "Price book and estimates",
    "convert_estimate": "Price book and estimates",
}


# Columns most tables share, described once.
SHARED_COLUMNS = {
    "id": "Primary key.",
    "organization_id": "The organization this row belongs to; every policy filters on it.",
    "created_at": "When the row was created.",
    "updated_at": "When the row last changed.",
    "created_by": "The user who created it.",
    "deleted_at": "When it was archived; null while it is active.",
}


# ------------------------------------------------------------------------------------------
# What the migrations say about each object
# ------------------------------------------------------------------------------------------

_CREATE = re.compile(
    r'create\s+(?:or\s+replace\s+)?(table|view|function|type)\s+"?(public|private)"?\."?(\w+)"?',
    re.I,
)
_ALTER = re.compile(r"alter\s+table\s+(?:only\s+)?public\.(\w+)(.*)", re.I)
_ADD_COLUMN = re.compile(r"add\s+column\s+(?:if\s+not\s+exists\s+)?(\w+)", re.I)
_COLUMN = re.compile(r"(\w+)\s+\S")
_NOT_COLUMNS = {"constraint", "primary", "unique", "check", "foreign", "exclude", "like"}


def _origins(
    files: list[Path],
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], tuple[str, int]]]:
    """(kind, name) -> the `--` comment just above its creation; and -> the creating migration
    and the object's place in the order of creation.

    Columns are named "table.column"; a private function's comment stands for the public
    wrapper of the same name when the wrapper has none."""
    comments: dict[tuple[str, str], str] = {}
    created_in: dict[tuple[str, str], tuple[str, int]] = {}
    for path in files:
        migration = path.stem.split("_", 1)[1]
        block: list[str] = []
        table = alter = None
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if line.startswith("--"):
                text = line[2:].strip()
                if text and not set(text) <= set("=-"):
                    block.append(text)
                continue
            if not line:
                block = []
                continue
            code, _, inline = line.partition(" -- ")
            text = " ".join(block) or inline.strip()
            if created := _CREATE.match(code):
                kind, schema, name = created.group(1).lower(), created.group(2), created.group(3)
                if schema == "public":
                    created_in.setdefault((kind, name), (migration, len(created_in)))
                    table = name if kind == "table" else None
                key = (kind, name) if schema == "public" else ("private function", name)
                if text:
                    comments[key] = text
            elif table and raw.startswith(")"):
                table = None
            elif (
                table
                and text
                and re.match(r"  \w", raw)
                and (column := _COLUMN.match(line))
                and column.group(1).lower() not in _NOT_COLUMNS
            ):
                comments[("column", f"{table}.{column.group(1)}")] = text
            if altered := _ALTER.match(code):
                alter, code = altered.group(1), altered.group(2)
            if alter:
                if (added := _ADD_COLUMN.search(code)) and text:
                    comments[("column", f"{alter}.{added.group(1)}")] = text
                if code.rstrip().endswith(";"):
                    alter = None
            block = []
    return comments, created_in


def area_of(migration: str) -> str:
    for area, migrations in AREAS.items():
        if migration in migrations:
            return area
    raise KeyError(f"migration {migration} is in no area: add it to api_reference.AREAS")


# ------------------------------------------------------------------------------------------
# The exposed schema, as the database has it
# ------------------------------------------------------------------------------------------


@dataclass
class Column:
    name: str
    type: str
    nullable: bool
    comment: str | None
    references: str | None  # the table a foreign key on this column points at
    view_source: str | None  # for a view column: "table.column" it shows, if plain


@dataclass
class Relation:
    name: str
    kind: str  # table or view
    comment: str | None
    privileges: dict[str, list[str]]
    policies: list[tuple[str, str, str]]  # (command, roles, name)
    rls: bool
    realtime: bool  # in the supabase_realtime publication
    columns: list[Column] = field(default_factory=list)
    constraints: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)


@dataclass
class Function:
    name: str
    arguments: str
    arguments_with_defaults: str  # an argument with a default may be left out of the call
    returns: str
    comment: str | None
    callers: list[str]
    body: str


@dataclass
class Enum:
    name: str
    labels: list[str]
    comment: str | None


@dataclass
class Schema:
    relations: list[Relation]
    functions: list[Function]
    enums: list[Enum]
    private_bodies: dict[str, str]  # private function name -> its bodies, joined
    # table ("public.invoices") -> the private trigger functions on it, in firing order
    table_triggers: dict[str, list[str]] = field(default_factory=dict)

    def uncommented(self) -> list[str]:
        missing = [f"{r.kind} public.{r.name}" for r in self.relations if not r.comment]
        missing += [
            f"column public.{r.name}.{c.name}"
            for r in self.relations
            for c in r.columns
            if not c.comment
        ]
        missing += [f"function public.{f.name}" for f in self.functions if not f.comment]
        missing += [f"type public.{e.name}" for e in self.enums if not e.comment]
        return missing


def read_schema(conn: psycopg.Connection) -> Schema:
    relations = {
        name: Relation(name, kind, comment, defaultdict(list), [], rls, realtime)
        for name, kind, comment, rls, realtime in conn.execute((SQL / "relations.sql").read_text())
    }
    for table, role, privilege, whole, columns, others in conn.execute(
        (SQL / "privileges.sql").read_text()
    ):
        if whole:
            relations[table].privileges[role].append(privilege)
        elif columns and len(others) < len(columns):
            relations[table].privileges[role].append(f"{privilege} (all but {', '.join(others)})")
        elif columns:
            relations[table].privileges[role].append(f"{privilege} ({', '.join(columns)})")
    for table, command, roles, name in conn.execute((SQL / "policies.sql").read_text()):
        relations[table].policies.append((command, roles, name))
    for table, name, definition, _ in conn.execute((SQL / "constraints.sql").read_text()):
        relations[table].constraints.append((name, definition))
    for row in conn.execute((SQL / "columns.sql").read_text()):
        relations[row[0]].columns.append(Column(*row[1:]))
    functions = [Function(*row) for row in conn.execute((SQL / "functions.sql").read_text())]
    enums = [Enum(*row) for row in conn.execute((SQL / "enums.sql").read_text())]
    bodies: dict[str, str] = defaultdict(str)
    for name, body in conn.execute((SQL / "private_bodies.sql").read_text()):
        bodies[name] += body
    triggers: dict[str, list[str]] = defaultdict(list)
    for table, function in conn.execute((SQL / "table_triggers.sql").read_text()):
        triggers[table].append(function)
    return Schema(list(relations.values()), functions, enums, dict(bodies), dict(triggers))


# A check that lists the values a column may hold: "x = ANY (ARRAY[...])" or "x <@ ARRAY[...]".
_ALLOWED_VALUES = re.compile(r"\(*(\w+)\s*(?:<@|=\s*ANY)\s*\(*ARRAY\[(.*?)\]", re.S)


def example_value_problems(schema: Schema) -> list[str]:
    """Quoted example values in a column's comment that the column's own check refuses."""
    problems = []
    for relation in schema.relations:
        comments = {c.name: c.comment for c in relation.columns if c.comment}
        for name, definition in relation.constraints:
            for column, values in _ALLOWED_VALUES.findall(definition):
                allowed = set(re.findall(r"'([^']*)'", values))
                for example in re.findall(r"'([a-z_]+)'", comments.get(column, "")):
                    if example not in allowed:
                        problems.append(
                            f"{relation.name}.{column}: the comment's example '{example}' is"
                            f" refused by {name}"
                        )
    return problems


# ------------------------------------------------------------------------------------------
# Errors an RPC raises
# ------------------------------------------------------------------------------------------

_RAISE = re.compile(r"raise\s+exception\s+'((?:[^']|'')*)'(.*?);", re.I | re.S)
_ERRCODE = re.compile(r"errcode\s*=\s*'(\w+)'", re.I)
_CALL = re.compile(r"private\.(\w+)\s*\(")
# Trigger functions whose raises no request meets: the audit trigger's configuration checks, and
# the audit log's guard against updates (the trigger only ever inserts).
_INTERNAL_TRIGGERS = {"audit_changes", "audit_log_append_only"}
# The tables a body writes: their triggers' errors are the caller's too.
_WRITE = re.compile(r"\b(?:insert\s+into|update|delete\s+from)\s+((?:public|queue)\.\w+)", re.I)
_AUTHORIZE = re.compile(r"private\.authorize(_portal)?\s*\((.*?)\)\s*;", re.I | re.S)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
# Guards whose errors depend on how they are called: described from the call instead.
_GUARDS = {
    "authorize",
    "authorize_portal",
    "assert_organization_writable",
    "assert_mfa_if_required",
}


def _message(template: str) -> str:
    return template.replace("''", "'").replace("%", "…")


@dataclass
class Checks:
    """What an RPC checks before it acts, read from its body and the private functions it calls."""

    errors: list[tuple[str, str]]  # (SQLSTATE, message), in the order the body checks them
    roles: list[str]  # the member roles private.authorize lets through
    portal: bool  # the customer's portal user may call it (private.authorize_portal)
    mfa: bool  # an aal2 session where the organization requires MFA


def _raises(text: str) -> list[tuple[str, str]]:
    """(SQLSTATE, message) of each `raise exception` in a body. A message that is only an
    argument ('%') is described where the caller passes it (private.authorize's denial)."""
    found = []
    for raised in _RAISE.finditer(text):
        code = _ERRCODE.search(raised.group(2))
        if raised.group(1) != "%":
            found.append((code.group(1) if code else "P0001", _message(raised.group(1))))
    return found


def checks(
    body: str, private_bodies: dict[str, str], table_triggers: dict[str, list[str]] | None = None
) -> Checks:
    found = Checks([], [], False, False)
    seen: set[str] = set()
    table_triggers = table_triggers or {}

    def visit(text: str) -> None:
        for call in _AUTHORIZE.finditer(text):
            portal, arguments = call.group(1), call.group(2)
            found.portal = found.portal or bool(portal)
            if not portal:
                found.errors.append(("42501", "Sign in first"))
            quoted = list(_QUOTED.finditer(arguments))
            for literal in quoted:
                if literal.group(1).startswith("{"):
                    found.roles += literal.group(1).strip("{}").split(",")
            # The denial message: the quoted argument that is not a role array.
            for literal in quoted:
                if not literal.group(1).startswith("{"):
                    # A message built with || ends in the part only known when it runs.
                    built = arguments[literal.end() :].lstrip().startswith("||")
                    message = _message(literal.group(1)).strip() + (" …" if built else "")
                    found.errors.append(("42501", message))
                    break
            if not re.search(r"writing\s*=>\s*false", arguments):
                visit_guard("assert_organization_writable")
            if re.search(r"sensitive\s*=>\s*true", arguments):
                found.mfa = True
                visit_guard("assert_mfa_if_required")
        for guard in ("assert_organization_writable", "assert_mfa_if_required"):
            if f"private.{guard}(" in text:
                found.mfa = found.mfa or guard == "assert_mfa_if_required"
                visit_guard(guard)
        found.errors += _raises(text)
        called = _CALL.findall(text)
        for table in dict.fromkeys(t.lower() for t in _WRITE.findall(text)):
            called += [f for f in table_triggers.get(table, []) if f not in _INTERNAL_TRIGGERS]
        for name in called:
            if name not in seen and name not in _GUARDS and name in private_bodies:
                seen.add(name)
                visit(private_bodies[name])

    def visit_guard(name: str) -> None:
        found.errors += _raises(private_bodies.get(name, ""))

    visit(body)
    found.errors = list(dict.fromkeys(found.errors))
    found.roles = list(dict.fromkeys(found.roles))
    return found


# ------------------------------------------------------------------------------------------
# Drafting comments
# ------------------------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _referenced(table: str) -> str:
    if table == "auth.users":
        return "The user (auth.users)."
    if table == "memberships":
        return "The member (a membership of the same organization)."
    noun = table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
    return f"The {noun.replace('_', ' ')} (public.{table})."


def draft(schema: Schema, files: list[Path]) -> str:
    """`comment on` statements for every exposed object without a comment."""
    comments, _ = _origins(files)
    # A view's column says what the table column it shows says.
    live = {
        f"{r.name}.{c.name}": c.comment for r in schema.relations for c in r.columns if c.comment
    }
    lines: list[str] = []

    def put(target: str, text: str | None) -> None:
        lines.append(f"comment on {target} is {_literal(text or 'TODO')};")

    for enum in schema.enums:
        if not enum.comment:
            put(f"type public.{enum.name}", comments.get(("type", enum.name)))
    for relation in schema.relations:
        if not relation.comment:
            put(
                f"{relation.kind} public.{relation.name}",
                comments.get((relation.kind, relation.name)),
            )
        for column in relation.columns:
            if column.comment:
                continue
            text = comments.get(("column", f"{relation.name}.{column.name}"))
            if not text and column.view_source:
                text = live.get(column.view_source) or comments.get(("column", column.view_source))
            if not text and column.name in SHARED_COLUMNS:
                text = SHARED_COLUMNS[column.name]
            if not text and column.references:
                text = _referenced(column.references)
            put(f"column public.{relation.name}.{column.name}", text)
    for function in schema.functions:
        if not function.comment:
            text = comments.get(("function", function.name)) or comments.get(
                ("private function", function.name)
            )
            put(f"function public.{function.name}({function.arguments})", text)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------
# docs/api.md
# ------------------------------------------------------------------------------------------


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _access(privileges: dict[str, list[str]]) -> list[str]:
    granted = [f"- {role}: {'; '.join(p)}" for role, p in privileges.items() if p]
    return ["**Grants:**", "", *granted] if granted else ["**Grants:** none to an API role."]


def _render_relation(relation: Relation) -> list[str]:
    out = [f"#### `{relation.name}` ({relation.kind})", "", relation.comment or "", ""]
    out += [*_access(relation.privileges), ""]
    if relation.kind == "table":
        out.append(
            "Row-level security is on; what a role sees and changes is what these policies allow:"
            if relation.rls
            else "Row-level security is off."
        )
    else:
        out.append("A security invoker view: the policies of the tables it reads apply.")
    out.append("")
    for command, roles, name in relation.policies:
        out.append(f"- {command} ({roles}): {name}")
    if relation.policies:
        out.append("")
    if relation.realtime:
        out += [
            "**Realtime:** inserts, updates and deletes are streamed to subscribers who may read"
            " the row under these policies.",
            "",
        ]
    out += ["| Column | Type | Description |", "| --- | --- | --- |"]
    for column in relation.columns:
        kind = column.type + ("" if column.nullable else ", not null")
        out.append(f"| `{column.name}` | {kind} | {_cell(column.comment)} |")
    if relation.constraints:
        out += ["", "Constraints (an error names the one it broke):", ""]
        out += [f"- `{name}`: `{definition}`" for name, definition in relation.constraints]
    return [*out, ""]


def _who(found: Checks) -> str:
    who = []
    if found.roles:
        who.append("member roles " + ", ".join(found.roles))
    if found.portal:
        who.append("the customer's portal user")
    if not who:
        return ""  # no role guard: the description says who may call it
    return (
        "; " + "; ".join(who) + (" (aal2 where the organization requires MFA)" if found.mfa else "")
    )


def _render_function(function: Function, schema: Schema) -> list[str]:
    found = checks(function.body, schema.private_bodies, schema.table_triggers)
    out = [
        f"#### `{function.name}({function.arguments_with_defaults})` → {function.returns}",
        "",
        function.comment or "",
        "",
        f"**Callable by:** {', '.join(function.callers) or 'no API role'}{_who(found)}.",
        "",
    ]
    if found.errors:
        out += ["| SQLSTATE | HTTP | Message |", "| --- | --- | --- |"]
        for code, message in found.errors:
            out.append(f"| {code} | {postgrest.http_status(code)} | {_cell(message)} |")
        out.append("")
    return out


GROUPS = ("tables and views", "RPCs", "enums")


def _render_enum(enum: Enum) -> list[str]:
    values = ", ".join(f"`{label}`" for label in enum.labels)
    return [f"#### `{enum.name}` (enum)", "", enum.comment or "", "", f"Values: {values}.", ""]


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def render(schema: Schema, files: list[Path]) -> str:
    _, created_in = _origins(files)
    from generators import current_state  # it reads AREAS from here

    defined_in = current_state.areas_of_objects()
    # area -> group -> [(place in the order of creation, name, lines)]
    by_area: dict[str, dict[str, list[tuple[int, str, list[str]]]]] = {
        area: {group: [] for group in GROUPS} for area in AREAS
    }

    def place(kind: str, name: str, group: str, lines: list[str]) -> None:
        # The area whose supabase/current or supabase/policies file defines the object; an
        # enum, or a table without policies, goes with the migration that created it.
        migration, order = created_in[(kind, name)]
        area = defined_in.get((kind, name)) or area_of(migration)
        by_area[area][group].append((order, name, lines))

    for relation in schema.relations:
        place(relation.kind, relation.name, GROUPS[0], _render_relation(relation))
    for function in schema.functions:
        place("function", function.name, GROUPS[1], _render_function(function, schema))
    for enum in schema.enums:
        place("type", enum.name, GROUPS[2], _render_enum(enum))
    out = [
        "# fieldbase API reference",
        "",
        "Generated from the database by `scripts/regenerate` (`generators/api_reference.py`):",
        "do not edit it by hand. Descriptions are the `comment on` statements of the migrations;",
        "PostgREST serves the same text in its OpenAPI document.",
        "",
        "Everything here is in the `public` schema, which PostgREST exposes. Frontends call it",
        "with the user's JWT as `authenticated` (or `anon` before signing in); `service_role` is a",
        "backend's secret key and bypasses row-level security. On a table, the grants say which",
        "columns a role may write at all, and the policies which rows. An RPC checks the caller's",
        "role in the organization itself. Errors come back as PostgREST errors: `code` is the",
        "SQLSTATE, `message` the text below with its blanks (…) filled in, and the HTTP status",
        "follows from the code (PTnnn is status nnn). Besides the errors listed, a write that",
        "breaks a constraint fails with 23505 / 23503 (409) or 23514 (400), naming it.",
        "",
        "## Areas",
        "",
    ]
    for area, groups in by_area.items():
        if any(groups.values()):
            names = "; ".join(
                f"{group}: " + ", ".join(f"`{name}`" for _, name, _ in sorted(items))
                for group, items in groups.items()
                if items
            )
            out.append(f"- [{area}](#{_anchor(area)}): {names}")
    out.append("")
    for area, groups in by_area.items():
        if not any(groups.values()):
            continue
        out += [f"## {area}", ""]
        for group, items in groups.items():
            if items:
                out += [f"### {area}: {group}", ""]
                for _, _, lines in sorted(items, key=lambda item: item[0]):
                    out += lines
    return "\n".join(line.rstrip() for line in out).rstrip() + "\n"


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("*.sql"))


def main(argv: list[str]) -> int:
    """`draft`: the `comment on` statements a new migration still lacks (docs/api.md itself is
    written by scripts/regenerate)."""
    if argv[:1] != ["draft"]:
        print(__doc__, file=sys.stderr)
        return 2
    # Building the database reports its progress: on stderr, so `draft` prints only SQL.
    with contextlib.redirect_stdout(sys.stderr):
        dsn = stack.scratch_database()
    with psycopg.connect(dsn) as conn:
        schema = read_schema(conn)
    print(draft(schema, migration_files()), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
