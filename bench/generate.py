"""Benchmark data: organizations with their people, customers, sites, assemblies, work orders,
visits, invoices and payments, generated set-based (bench/sql/generate.sql) in one
transaction.

    scripts/generate --organizations 1000 --work-orders 1000     # 1,000,000 work orders
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

from fieldbase_local import settings, stack

SQL = (Path(__file__).parent / "sql" / "generate.sql").read_text()


def generate(
    dsn: str,
    organizations: int,
    work_orders: int,
    customers: int | None = None,
    technicians: int = 5,
) -> dict[str, int]:
    """Add the data; returns the row counts it added, by table."""
    params = {
        "organizations": organizations,
        "work_orders": work_orders,
        "customers": customers or max(1, work_orders // 5),
        "technicians": technicians,
    }
    tables = (
        "organizations",
        "customers",
        "sites",
        "assemblies",
        "work_orders",
        "visits",
        "invoices",
        "payments",
    )
    count = " union all ".join(f"select '{t}', count(*) from public.{t}" for t in tables)
    # Client-side binding: the file is many statements, one transaction.
    with psycopg.connect(dsn, cursor_factory=psycopg.ClientCursor) as conn:
        before = dict(conn.execute(count).fetchall())
        conn.execute(SQL, params)
        conn.commit()
        after = dict(conn.execute(count).fetchall())
    return {table: after[table] - before[table] for table in tables}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--work-orders", type=int, default=1000, help="per organization")
    parser.add_argument("--customers", type=int, help="per organization (default: work orders / 5)")
    parser.add_argument("--technicians", type=int, default=5, help="per organization")
    args = parser.parse_args(argv)
    inst = settings.instance()
    stack.ensure_running(inst)
    started = time.monotonic()
    added = generate(
        inst.dsn(), args.organizations, args.work_orders, args.customers, args.technicians
    )
    elapsed = time.monotonic() - started
    for table, rows in added.items():
        print(f"{table:<14} {rows:>10,}")
    print(f"generated in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
