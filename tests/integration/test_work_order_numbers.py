"""Work order numbers stay gap-free and unique when many sessions create work at once."""

from __future__ import annotations

import random
import threading

ACME = "a1000000-0000-4000-8000-000000000000"
BETA = "b1000000-0000-4000-8000-000000000000"

SETUP = """
with customer as (
  insert into public.customers (organization_id, name) values (%(org)s, 'Numbers Test')
  returning id
)
insert into public.sites (organization_id, customer_id, line1)
select %(org)s, id, '1 Count St' from customer
returning customer_id, id
"""

INSERT = """
insert into public.work_orders (organization_id, customer_id, site_id, title)
values (%s, %s, %s, 'Concurrent') returning number
"""


def numbers_of(conn, org: str) -> list[int]:
    return [
        row[0]
        for row in conn.execute(
            "select number from public.work_orders where organization_id = %s order by number",
            (org,),
        )
    ]


def test_concurrent_inserts_get_gap_free_unique_numbers(fresh_db):
    targets = {}
    with fresh_db.connect() as conn:
        for org in (ACME, BETA):
            targets[org] = conn.execute(SETUP, {"org": org}).fetchone()
        conn.commit()
    errors: list[BaseException] = []

    def create(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - which transactions roll back, not a secret
        try:
            with fresh_db.connect() as conn:
                for _ in range(30):
                    org = rng.choice((ACME, BETA))
                    customer, site = targets[org]
                    conn.execute(INSERT, (org, customer, site))
                    # Some transactions give their number back.
                    if rng.random() < 0.3:
                        conn.rollback()
                    else:
                        conn.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=create, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with fresh_db.connect() as conn:
        for org in (ACME, BETA):
            numbers = numbers_of(conn, org)
            assert numbers, org
            assert numbers == list(range(1, len(numbers) + 1)), f"gaps or duplicates in {org}"


BULK = """
insert into public.work_orders (organization_id, customer_id, site_id, title)
select t.org, t.customer, t.site, 'Bulk ' || g
from generate_series(1, %(rows)s) as g
cross join (values (%(a)s::uuid, %(ac)s::uuid, %(as)s::uuid), (%(b)s, %(bc)s, %(bs)s))
  as t (org, customer, site)
"""


def test_a_bulk_insert_is_numbered_gap_free_and_a_deleted_number_is_not_given_again(fresh_db):
    with fresh_db.connect() as conn:
        (ac, as_), (bc, bs) = (conn.execute(SETUP, {"org": org}).fetchone() for org in (ACME, BETA))
        conn.execute(
            BULK, {"rows": 3000, "a": ACME, "ac": ac, "as": as_, "b": BETA, "bc": bc, "bs": bs}
        )
        for org in (ACME, BETA):
            numbers = numbers_of(conn, org)
            assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3000, org
            (counted,) = conn.execute(
                "select last_number from private.work_order_counters where organization_id = %s",
                (org,),
            ).fetchone()
            assert counted == numbers[-1], "the counter moved past every number given"
        newest = numbers[-1]
        conn.execute(
            "delete from public.work_orders where organization_id = %s and number = %s",
            (BETA, newest),
        )
        (number,) = conn.execute(INSERT, (BETA, bc, bs)).fetchone()
        assert number == newest + 1, "a deleted work order's number is not reused"
