"""An import accepts what a direct insert accepts, stored the same way: for any cell, read by the
statement every import runs (private.read_import_cells), if the table takes the value, the
import reads it to what the table stores; and whatever the import reads a cell to, the table
takes unchanged. The import may read more forms (us for US, RPZ for
rp) but never one the table would refuse. Property-tested against the real tables."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from psycopg.rows import dict_row

ACME = "a1000000-0000-4000-8000-000000000000"
# The blanks an import trims from a cell's ends (PostgreSQL's \s).
BLANKS = " \t\n\r\f\v"
# PostgreSQL's date input also takes words ("today", "epoch") and forms no file means; an import
# reads ISO and month-first dates only, so for dates only the second direction holds.
WIDER_TABLE_INPUT = {"date"}

# Per value type, a direct insert that stores the value (%(v)s) where an import would put it.
CUSTOMER = "insert into public.customers (organization_id, name{c}) values (%(org)s{v})"
SITE = (
    "insert into public.sites (organization_id, customer_id, line1, {c})"
    " values (%(org)s, %(customer)s, '2 Probe St', %(v)s)"
)
ASSEMBLY = (
    "insert into public.assemblies (organization_id, site_id, serial_number, kind{c})"
    " values (%(org)s, %(site)s, 'PROBE-1', {kind})"
)
TARGETS = {
    "email": CUSTOMER.format(c=", email", v=", 'Probe', %(v)s") + " returning email",
    "phone": CUSTOMER.format(c=", phone", v=", 'Probe', %(v)s") + " returning phone",
    "country": CUSTOMER.format(c=", billing_country", v=", 'Probe', %(v)s")
    + " returning billing_country",
    "customer_kind": CUSTOMER.format(c=", kind", v=", 'Probe', %(v)s") + " returning kind::text",
    "name": CUSTOMER.format(c="", v=", %(v)s") + " returning name",
    "time_zone": SITE.format(c="time_zone") + " returning time_zone",
    "hazard": ASSEMBLY.format(c=", hazard", kind="'rp', %(v)s") + " returning hazard",
    "assembly_kind": ASSEMBLY.format(c="", kind="%(v)s") + " returning kind::text",
    "date": ASSEMBLY.format(c=", installed_on", kind="'rp', %(v)s")
    + " returning installed_on::text",
    "months": ASSEMBLY.format(c=", test_interval_months", kind="'rp', %(v)s")
    + " returning test_interval_months::text",
}

cells = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A[+]?[0-9 ().-]{0,20}\Z"),
    st.from_regex(r"\A[A-Za-z0-9._%+-]{1,12}@[A-Za-z0-9-]{1,10}(\.[A-Za-z]{2,4}){0,2}\Z"),
    st.sampled_from(
        [
            "US",
            "us",
            "U.S.",
            "residential",
            "Commercial",
            "high",
            "LOW",
            "rp",
            "RPZ",
            "dcva",
            "boiler",
            "America/Chicago",
            "Europe/Paris",
            "UTC",
            "Mars/Olympus",
            "2024-02-29",
            "2023-02-29",
            "2/29/2024",
            "13/1/2024",
            "12",
            "0",
            "121",
            " x ",
            "a" * 201,
            "a" * 200,
        ]
    ),
)


@pytest.fixture
def conn(migrated_db):
    with psycopg.connect(migrated_db.dsn(), row_factory=dict_row) as c:
        customer = c.execute(
            "insert into public.customers (organization_id, name) values (%s, 'Rules')"
            " returning id",
            (ACME,),
        ).fetchone()["id"]
        site = c.execute(
            "insert into public.sites (organization_id, customer_id, line1)"
            " values (%s, %s, '1 Rule St') returning id",
            (ACME, customer),
        ).fetchone()["id"]
        yield c, customer, site
        c.rollback()


def direct_insert(c, customer, site, value_type: str, value: str) -> tuple[bool, str | None]:
    """Whether the table takes the value, and what it stores."""
    c.execute("savepoint probe")
    try:
        stored = c.execute(
            TARGETS[value_type], {"org": ACME, "customer": customer, "site": site, "v": value}
        ).fetchone()
        return True, next(iter(stored.values()))
    except psycopg.Error:
        return False, None
    finally:
        c.execute("rollback to savepoint probe")


# The field of an import that reads each value type, and an import kind that takes it.
FIELD_OF = {
    "email": ("customers", "customer_email"),
    "phone": ("customers", "customer_phone"),
    "country": ("customers", "billing_country"),
    "customer_kind": ("customers", "customer_kind"),
    "name": ("customers", "customer_name"),
    "time_zone": ("sites", "site_time_zone"),
    "hazard": ("assemblies", "hazard"),
    "assembly_kind": ("assemblies", "assembly_kind"),
    "date": ("assemblies", "installed_on"),
    "months": ("assemblies", "test_interval_months"),
}


def import_read(c, value_type: str, value: str) -> tuple[str | None, str | None]:
    """The cell as an import reads it: one row of a one-column file through
    private.read_import_cells, the statement every import runs."""
    kind, field = FIELD_OF[value_type]
    import_id = c.execute(
        "insert into public.imports (organization_id, kind, storage_path, mapping)"
        " values (%s, %s, %s || '/imports/rules.csv', jsonb_build_object('Cell', %s::text))"
        " returning id",
        (ACME, kind, ACME, field),
    ).fetchone()["id"]
    c.execute(
        "insert into public.import_rows (organization_id, import_id, row_number, cells)"
        " values (%s, %s, 2, jsonb_build_object('Cell', %s::text))",
        (ACME, import_id, value),
    )
    c.execute(
        "select private.read_import_cells(i) from public.imports as i where i.id = %s", (import_id,)
    )
    row = c.execute(
        "select r.fields ->> %s as normalized,"
        " (select e ->> 'message' from jsonb_array_elements(r.cell_errors) as e"
        "  where e ->> 'message' not like '%% is required') as problem"
        " from public.import_rows as r where r.import_id = %s",
        (field, import_id),
    ).fetchone()
    return row["normalized"], row["problem"]


@pytest.mark.parametrize("value_type", sorted(TARGETS))
@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=cells)
def test_an_import_accepts_what_the_table_accepts_and_nothing_it_refuses(conn, value_type, value):
    c, customer, site = conn
    if "\x00" in value:
        return  # PostgreSQL text cannot hold NUL; the worker's reader never hands one over.
    normalized, problem = import_read(c, value_type, value)
    took, stored = direct_insert(c, customer, site, value_type, value)
    if value.strip(BLANKS) == "":
        assert normalized is None and problem is None  # an empty cell fills nothing
        return
    if took and value == value.strip(BLANKS) and value_type not in WIDER_TABLE_INPUT:
        assert problem is None, f"the table takes {value!r}, the import refused it: {problem}"
        assert normalized == stored
    if problem is None:
        took_normalized, stored_normalized = direct_insert(
            c, customer, site, value_type, normalized
        )
        assert took_normalized, f"the import read {value!r} to {normalized!r}, the table refuses it"
        assert stored_normalized == normalized
    else:
        assert normalized is None and problem.strip()
