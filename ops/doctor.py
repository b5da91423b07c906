"""scripts/doctor --db-url URL: is a real project ready? A read-only report, one line per item,
with what to do about each one that fails. Exit status 0 when everything holds, 1 otherwise.

The items are private.readiness_report() (the access-token hook's grants, the rate limiter's
counting connection, the worker's role, every cron job and its last run, the Realtime
publication, the documents bucket) and, from the Supabase CLI, no migration pending.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

from fieldbase_local import settings, supabase_cli


@dataclass(frozen=True)
class Item:
    name: str
    ok: bool
    detail: str
    remedy: str

    def line(self) -> str:
        head = f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"
        return head if self.ok else f"{head}\n     -> {self.remedy}"


def database_items(db_url: str) -> list[Item]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        # Look, never touch: every statement of this session is refused a write.
        conn.execute("set default_transaction_read_only = on")
        present = conn.execute(
            "select to_regprocedure('private.readiness_report()') is not null"
        ).fetchone()[0]
        if not present:
            return [
                Item(
                    "migrations",
                    False,
                    "fieldbase's migrations have not run here"
                    " (private.readiness_report is missing)",
                    "supabase db push --db-url <url>",
                )
            ]
        rows = conn.execute(
            "select item, ok, detail, remedy from private.readiness_report()"
        ).fetchall()
    return [Item(*row) for row in rows]


VERSION = re.compile(r"\d{14}")


def migrations_item(db_url: str, workdir: Path = settings.REPO_ROOT) -> Item:
    remedy = "supabase db push --db-url <url> (after reviewing what it will apply)"
    try:
        listing = supabase_cli.migration_list(db_url, workdir=workdir)
    except supabase_cli.CliError as error:
        return Item("migrations", False, f"supabase migration list failed: {error}", remedy)
    local, remote = set(), set()
    # Rows read "`<local>` | `<remote>` | `<time>`", a missing side left blank.
    for line in listing.splitlines():
        cells = line.split("|")
        if len(cells) == 3:
            local.update(VERSION.findall(cells[0]))
            remote.update(VERSION.findall(cells[1]))
    pending, unknown = sorted(local - remote), sorted(remote - local)
    if not pending and not unknown:
        return Item("migrations", True, f"{len(remote)} applied, none pending", remedy)
    detail = "; ".join(
        part
        for part in (
            f"pending: {', '.join(pending)}" if pending else "",
            f"applied but not in supabase/migrations: {', '.join(unknown)}" if unknown else "",
        )
        if part
    )
    return Item("migrations", False, detail, remedy)


def report(db_url: str, workdir: Path = settings.REPO_ROOT) -> list[Item]:
    return [migrations_item(db_url, workdir), *database_items(db_url)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/doctor", description=__doc__)
    parser.add_argument("--db-url", required=True, help="the project's database, as postgres")
    parser.add_argument(
        "--workdir", type=Path, default=settings.REPO_ROOT, help="the folder holding supabase/"
    )
    args = parser.parse_args(argv)
    try:
        items = report(args.db_url, args.workdir)
    except psycopg.Error as error:
        print(f"FAIL database: cannot connect: {error}".strip())
        return 1
    for item in items:
        print(item.line())
    failed = [item.name for item in items if not item.ok]
    print(
        f"{len(items) - len(failed)} of {len(items)} ready"
        + (f"; fix: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
