"""The API reference cannot drift: every exposed table, view, column, RPC and enum carries a
COMMENT, and docs/api.md is what the migrations generate, with who may do what and the errors
each RPC raises read from the database itself."""

from __future__ import annotations

import psycopg
import pytest

from generators import api_reference


def section(docs: str, title: str) -> str:
    return docs.split(f"#### `{title}", 1)[1].split("\n#### ", 1)[0]


def test_every_exposed_object_has_a_comment(exposed_schema):
    assert exposed_schema.relations and exposed_schema.functions and exposed_schema.enums
    assert exposed_schema.uncommented() == [], "comment them in a migration (api_reference draft)"


def test_the_reference_says_who_may_do_what_and_what_each_rpc_raises(exposed_schema):
    docs = api_reference.render(exposed_schema, api_reference.migration_files())
    payment = section(docs, "record_payment(")
    # Which arguments a call may leave out.
    assert "reference text DEFAULT NULL::text" in payment
    assert "**Callable by:** authenticated; member roles owner, admin." in payment
    assert "member roles owner, admin (aal2 where the organization requires MFA)." in section(
        docs, "refund_payment("
    )
    assert (
        "member roles owner, admin, dispatcher, technician; the customer's portal user."
        in section(docs, "approve_estimate(")
    )
    assert "| 42501 | 403 | Sign in first |" in payment
    assert "| 42501 | 403 | Only owners and admins … |" in payment  # a message built with ||
    assert "| PT409 | 409 | Idempotency key … was used for another payment |" in payment
    assert "| PT404 | 404 | Invoice … was not found |" in payment
    assert "its data is read-only" in payment  # the suspended organization's refusal
    # Sensitive RPCs ask for MFA where the organization requires it; plain ones do not.
    assert "requires multi-factor authentication" in section(docs, "refund_payment(")
    assert "requires multi-factor authentication" not in payment
    # A portal user's refusal comes from the portal guard.
    assert "| 42501 | 403 | Only the customer decides on its estimates |" in section(
        docs, "approve_estimate("
    )
    # Column grants: what frontends may write at all; policies: which rows.
    work_orders = section(docs, "work_orders` (table)")
    assert "- authenticated: select; insert (organization_id, customer_id," in work_orders
    assert (
        "- insert (authenticated): Owners, admins and dispatchers can create work orders"
        in work_orders
    )
    # Constraints by name: a 23514 or 23505 error names the one it broke.
    assert "- `work_orders_title_check`: `CHECK (((char_length(title) >= 1)" in work_orders
    # A partial unique index backs no constraint, and a 23505 names it all the same.
    contacts = section(docs, "customer_contacts` (table)")
    assert "- `customer_contacts_primary_idx`: `UNIQUE (customer_id) WHERE is_primary`" in contacts
    assert "- authenticated: select (all but token_hash)" in section(docs, "invitations` (table)")
    # Which tables a live UI can subscribe to.
    assert "**Realtime:**" in work_orders
    assert "**Realtime:**" not in section(docs, "invoices` (table)")
    assert "**Callable by:** anon, authenticated, service_role." in section(docs, "health(")


def test_an_uncommented_object_breaks_the_convention_and_drafts_from_the_migration(
    migrated_db, tmp_path
):
    table = tmp_path / "20991231000000_gadgets.sql"
    table.write_text(
        "-- A gadget a technician carries.\n"
        "create table public.gadgets (\n"
        "  id uuid primary key,\n"
        "  organization_id uuid not null references public.organizations (id),\n"
        "  -- Its colour, as the maker names it.\n"
        "  colour text,\n"
        "  weight_grams integer\n"
        ");\n"
    )
    view = tmp_path / "20991231000100_gadget_owners.sql"
    view.write_text(
        "-- Gadgets with their organization's name.\n"
        "create view public.gadget_owners with (security_invoker = true) as\n"
        "select g.id, g.colour, o.name from public.gadgets as g\n"
        "inner join public.organizations as o on g.organization_id = o.id;\n"
    )
    files = [*api_reference.migration_files(), table, view]
    with migrated_db.connect(autocommit=True) as conn:
        conn.execute(table.read_text())
        schema = api_reference.read_schema(conn)
        assert schema.uncommented() == [
            "table public.gadgets",
            "column public.gadgets.id",
            "column public.gadgets.organization_id",
            "column public.gadgets.colour",
            "column public.gadgets.weight_grams",
        ]
        draft = api_reference.draft(schema, files)
        assert draft.splitlines() == [
            "comment on table public.gadgets is 'A gadget a technician carries.';",
            "comment on column public.gadgets.id is 'Primary key.';",
            "comment on column public.gadgets.organization_id is "
            "'The organization this row belongs to; every policy filters on it.';",
            "comment on column public.gadgets.colour is 'Its colour, as the maker names it.';",
            "comment on column public.gadgets.weight_grams is 'TODO';",
        ]
        conn.execute("\n".join(draft.splitlines()[:-1]))
        conn.execute("comment on column public.gadgets.weight_grams is 'Its weight.'")
        assert api_reference.read_schema(conn).uncommented() == []
        # A view's columns say what the columns they show say.
        conn.execute(view.read_text())
        draft = api_reference.draft(api_reference.read_schema(conn), files)
        organization_name = conn.execute(
            "select col_description('public.organizations'::regclass, 2)"
        ).fetchone()[0]
        quoted = organization_name.replace("'", "''")
        assert draft.splitlines() == [
            "comment on view public.gadget_owners is 'Gadgets with their organization''s name.';",
            "comment on column public.gadget_owners.id is 'Primary key.';",
            "comment on column public.gadget_owners.colour is "
            "'Its colour, as the maker names it.';",
            f"comment on column public.gadget_owners.name is '{quoted}';",
        ]
        # And the reference needs to know the new migrations' area.
        with pytest.raises(KeyError, match="migration gadget_owners is in no area"):
            api_reference.render(api_reference.read_schema(conn), files)


def test_a_comments_example_values_are_values_its_check_allows(exposed_schema):
    assert api_reference.example_value_problems(exposed_schema) == []


def test_an_example_the_check_refuses_is_found(migrated_db):
    with psycopg.connect(migrated_db.dsn(), autocommit=True) as conn:
        conn.execute(
            "comment on column public.water_authorities.required_fields is"
            " 'Fields (e.g. ''water_account_number'', ''permit_number'')'"
        )
        schema = api_reference.read_schema(conn)
    assert api_reference.example_value_problems(schema) == [
        "water_authorities.required_fields: the comment's example 'permit_number' is refused by"
        " water_authorities_required_fields_known"
    ]


def test_an_rpc_lists_the_errors_of_the_triggers_on_the_tables_it_writes(exposed_schema):
    """finalize_backflow_test updates the report; a trigger refuses it while a field the water
    authority requires is missing (found only in the trigger, not in the RPC's body)."""
    finalize = next(f for f in exposed_schema.functions if f.name == "finalize_backflow_test")
    found = api_reference.checks(
        finalize.body, exposed_schema.private_bodies, exposed_schema.table_triggers
    )
    assert (
        "23514",
        "The water authority requires … before this report can be filed",
    ) in found.errors
    without_triggers = api_reference.checks(finalize.body, exposed_schema.private_bodies)
    assert ("23514", "The water authority requires … before this report can be filed") not in (
        without_triggers.errors
    )


def test_every_migration_belongs_to_an_area():
    """The area is the unit: its migrations, its section of docs/api.md, its current-state file."""
    names = [path.stem.split("_", 1)[1] for path in api_reference.migration_files()]
    assert [
        name for name in names if not any(name in m for m in api_reference.AREAS.values())
    ] == []
