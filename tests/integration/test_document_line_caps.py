"""A document holds at most 500 lines (invoices, estimates across their options, work-order
checklists): the database refuses the next with a 23514 a frontend shows, whoever writes, in one
statement or in two transactions at once, and a refused bulk insert leaves nothing behind."""

from __future__ import annotations

import threading

import psycopg
import pytest

from fieldbase_local import auth
from fieldbase_local.postgrest import PostgrestError, route

ACME = "a1000000-0000-4000-8000-000000000000"
ACME_ADMIN = "a0000000-0000-4000-8000-000000000002"
DRAFT_INVOICE = "a9400000-0000-4000-8000-000000000001"
WORK_ORDER = "a8000000-0000-4000-8000-000000000001"
CUSTOMER = "a3000000-0000-4000-8000-000000000001"
SITE = "a4000000-0000-4000-8000-000000000001"
CAP = 500

INVOICE_LINES = (
    "insert into public.invoice_lines (organization_id, invoice_id, description, unit_price_cents)"
    " select %s, %s, 'Line ' || n, 100 from generate_series(1, %s) as n"
)
CHECKLIST = (
    "insert into public.work_order_checklist_items (organization_id, work_order_id, label)"
    " select %s, %s, 'Step ' || n from generate_series(1, %s) as n"
)


def lines(conn, table, column, parent) -> int:
    return conn.execute(
        f"select count(*) from public.{table} where {column} = %s", (parent,)
    ).fetchone()[0]


def as_admin(db, statement, params):
    bearer = auth.mint_access_token(db.inst, ACME_ADMIN, db.name)
    with db.postgrest().request(bearer, *route(statement)) as req:
        req.execute(statement, params)


def test_an_invoice_takes_500_lines_and_refuses_the_501st_with_a_clear_400(fresh_db):
    with fresh_db.connect(autocommit=True) as conn:
        have = lines(conn, "invoice_lines", "invoice_id", DRAFT_INVOICE)
        conn.execute(INVOICE_LINES, (ACME, DRAFT_INVOICE, CAP - have))
        assert lines(conn, "invoice_lines", "invoice_id", DRAFT_INVOICE) == CAP
    with pytest.raises(PostgrestError) as refused:
        as_admin(fresh_db, INVOICE_LINES, (ACME, DRAFT_INVOICE, 1))
    assert refused.value.status == 400 and refused.value.code == "23514"
    assert refused.value.message == "An invoice has at most 500 lines"
    assert refused.value.hint.startswith("Split the work")


def test_a_20000_line_invoice_is_refused_whole(fresh_db):
    with fresh_db.connect(autocommit=True) as conn:
        have = lines(conn, "invoice_lines", "invoice_id", DRAFT_INVOICE)
        total = conn.execute(
            "select total_cents from public.invoices where id = %s", (DRAFT_INVOICE,)
        ).fetchone()[0]
    with pytest.raises(PostgrestError) as refused:
        as_admin(fresh_db, INVOICE_LINES, (ACME, DRAFT_INVOICE, 20_000))
    assert refused.value.code == "23514"
    with fresh_db.connect(autocommit=True) as conn:
        assert lines(conn, "invoice_lines", "invoice_id", DRAFT_INVOICE) == have
        assert (
            conn.execute(
                "select total_cents from public.invoices where id = %s", (DRAFT_INVOICE,)
            ).fetchone()[0]
            == total
        ), "nothing of it is left in the totals"


def test_two_transactions_adding_lines_at_once_cannot_pass_the_cap_together(fresh_db):
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute("delete from public.invoice_lines where invoice_id = %s", (DRAFT_INVOICE,))
    outcome: dict[str, BaseException | None] = {}
    with fresh_db.connect() as first:
        first.execute(INVOICE_LINES, (ACME, DRAFT_INVOICE, 300))

        def second() -> None:
            try:
                with fresh_db.connect() as conn:
                    conn.execute(INVOICE_LINES, (ACME, DRAFT_INVOICE, 300))
                outcome["second"] = None
            except psycopg.Error as error:
                outcome["second"] = error

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1)
        assert thread.is_alive(), "the second waits for the first's lines to be counted"
        first.commit()
        thread.join(10)
    assert isinstance(outcome["second"], psycopg.errors.CheckViolation)
    with fresh_db.connect(autocommit=True) as conn:
        assert lines(conn, "invoice_lines", "invoice_id", DRAFT_INVOICE) == 300


def test_an_estimate_counts_the_lines_of_all_its_options(fresh_db):
    with fresh_db.connect(autocommit=True) as conn:
        estimate = conn.execute(
            "insert into public.estimates (organization_id, customer_id, site_id, title)"
            " values (%s, %s, %s, 'Big job') returning id",
            (ACME, CUSTOMER, SITE),
        ).fetchone()[0]
        options = [
            conn.execute(
                "insert into public.estimate_options (organization_id, estimate_id, name, position)"
                " values (%s, %s, %s, %s) returning id",
                (ACME, estimate, name, n),
            ).fetchone()[0]
            for n, name in enumerate(["Good", "Better"])
        ]
        for option in options:
            conn.execute(
                "insert into public.estimate_lines (organization_id, estimate_id, option_id,"
                " description, unit_price_cents)"
                " select %s, %s, %s, 'Line ' || n, 100 from generate_series(1, 250) as n",
                (ACME, estimate, option),
            )
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            conn.execute(
                "insert into public.estimate_lines (organization_id, estimate_id, option_id,"
                " description, unit_price_cents) values (%s, %s, %s, 'One more', 100)",
                (ACME, estimate, options[0]),
            )
    assert refused.value.diag.message_primary == "An estimate has at most 500 lines"
    assert refused.value.diag.constraint_name == "estimate_lines_per_document_cap"


def test_a_work_order_checklist_takes_500_items(fresh_db):
    with fresh_db.connect(autocommit=True) as conn:
        have = lines(conn, "work_order_checklist_items", "work_order_id", WORK_ORDER)
        conn.execute(CHECKLIST, (ACME, WORK_ORDER, CAP - have))
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            conn.execute(CHECKLIST, (ACME, WORK_ORDER, 1))
    assert refused.value.diag.message_primary == "A work order checklist has at most 500 lines"
