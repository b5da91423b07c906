"""The benchmark data generator makes data the application would have made."""

from __future__ import annotations

from bench.generate import generate


def test_a_small_generation_is_complete_and_consistent(fresh_db):
    added = generate(fresh_db.dsn(), organizations=3, work_orders=40, customers=8, technicians=2)
    assert added == {
        "organizations": 3,
        "customers": 24,
        "sites": 24,
        "assemblies": 24,
        "work_orders": 120,
        "visits": 108,  # every work order but the drafts
        "invoices": 36,  # every completed work order
        "payments": 30,  # all but one in six
    }
    with fresh_db.connect() as conn:
        numbers = conn.execute(
            "select o.name, array_agg(w.number order by w.number) from public.work_orders as w "
            "join public.organizations as o on o.id = w.organization_id "
            "where o.name like 'Bench %' group by o.name"
        ).fetchall()
        assert [n for _, n in numbers] == [list(range(1, 41))] * 3
        # The counters continue where the generator stopped.
        org, customer, site = conn.execute(
            "select w.organization_id, w.customer_id, w.site_id from public.work_orders as w "
            "join public.organizations as o on o.id = w.organization_id "
            "where o.name = 'Bench 1' limit 1"
        ).fetchone()
        (number,) = conn.execute(
            "insert into public.work_orders (organization_id, customer_id, site_id, title) "
            "values (%s, %s, %s, 'Next') returning number",
            (org, customer, site),
        ).fetchone()
        assert number == 41
        # Every visit's technician is assigned to its work order, and the triggers are back on.
        unassigned = conn.execute(
            "select count(*) from public.visits as v where not exists (select from "
            "public.work_order_assignments as a where a.work_order_id = v.work_order_id "
            "and a.user_id = v.user_id)"
        ).fetchone()[0]
        assert unassigned == 0
        disabled = conn.execute(
            "select count(*) from pg_trigger where not tgisinternal and tgenabled = 'D'"
        ).fetchone()[0]
        assert disabled == 0
        # Invoices add up as the database would have made them.
        wrong = conn.execute(
            "select count(*) from public.invoices as i where i.total_cents <> (select "
            "sum(l.net_cents + round(l.net_cents * l.tax_rate)) from public.invoice_lines as l "
            "where l.invoice_id = i.id) or i.paid_cents <> (select "
            "coalesce(sum(p.amount_cents), 0) from public.payments as p where p.invoice_id = i.id)"
        ).fetchone()[0]
        assert wrong == 0
