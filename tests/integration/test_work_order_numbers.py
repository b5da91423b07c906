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
            numbers = [
                row[0]
                for row in conn.execute(
                    "select number from public.work_orders where organization_id = %s "
                    "order by number",
                    (org,),
                )
            ]
            assert numbers, org
            assert numbers == list(range(1, len(numbers) + 1)), f"gaps or duplicates in {org}"
