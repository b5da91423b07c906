"""Money under concurrency: invoice numbers stay gap-free when many sessions send at once (some
rolling back), and retried payment requests racing each other record one payment."""

from __future__ import annotations

import random
import threading

ACME = "a1000000-0000-4000-8000-000000000000"
CITY_DELI = "a3000000-0000-4000-8000-000000000001"

DRAFT = """
with made as (
  insert into public.invoices (organization_id, customer_id, title)
  values (%(org)s, %(customer)s, 'Concurrent') returning id
)
insert into public.invoice_lines (organization_id, invoice_id, description, unit_price_cents)
select %(org)s, id, 'Test', 10000 from made
returning invoice_id
"""


def run_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(seed: int) -> None:
        try:
            target(seed)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(seed,)) for seed in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_sends_number_invoices_gap_free(fresh_db):
    with fresh_db.connect() as conn:
        (before,) = conn.execute(
            "select coalesce(max(number), 0) from public.invoices where organization_id = %s",
            (ACME,),
        ).fetchone()
        drafts = [
            conn.execute(DRAFT, {"org": ACME, "customer": CITY_DELI}).fetchone()[0]
            for _ in range(60)
        ]
        conn.commit()
    chunks = [drafts[i::6] for i in range(6)]
    sent: list[str] = []

    def send(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - which transactions roll back, not a secret
        with fresh_db.connect() as conn:
            for invoice in chunks[seed]:
                conn.execute("select private.issue_invoice(%s)", (invoice,))
                # Some sends are undone: their numbers go back to the pool.
                if rng.random() < 0.3:
                    conn.rollback()
                else:
                    conn.commit()
                    sent.append(invoice)

    assert run_threads(send, 6) == []
    with fresh_db.connect() as conn:
        numbers = [
            row[0]
            for row in conn.execute(
                "select number from public.invoices where organization_id = %s"
                " and number is not null order by number",
                (ACME,),
            )
        ]
    assert numbers == list(range(1, before + len(sent) + 1))


def test_racing_retries_of_one_payment_record_it_once(fresh_db):
    with fresh_db.connect() as conn:
        invoice = conn.execute(DRAFT, {"org": ACME, "customer": CITY_DELI}).fetchone()[0]
        conn.execute("select private.issue_invoice(%s)", (invoice,))
        conn.commit()
    barrier = threading.Barrier(8)
    results: list[str] = []

    def pay(_seed: int) -> None:
        with fresh_db.connect() as conn:
            barrier.wait()
            # What record_payment does after authorising: lock the invoice, apply once per key.
            row = conn.execute(
                "select (private.apply_payment(i, 2500, 'card', 'retry', null, 'same-key')).id"
                " from (select * from public.invoices where id = %s for update) as i",
                (invoice,),
            ).fetchone()
            conn.commit()
            results.append(str(row[0]))

    assert run_threads(pay, 8) == []
    assert len(set(results)) == 1
    with fresh_db.connect() as conn:
        paid = conn.execute(
            "select count(*), sum(amount_cents)::int from public.payments where invoice_id = %s",
            (invoice,),
        ).fetchone()
        status = conn.execute(
            "select status::text, total_cents - balance_cents from public.invoices where id = %s",
            (invoice,),
        ).fetchone()
    assert paid == (1, 2500)
    assert status == ("partially_paid", 2500)
