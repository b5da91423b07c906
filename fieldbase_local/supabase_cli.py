"""The real Supabase CLI (npm package `supabase`, pinned in package.json), run against a database
URL: it applies migrations and seeds (`db push`), lists the history, and runs the advisors and
the linter. Our own migration runner and seed sender are gone: what the CLI refuses, we refuse.

Without Docker the CLI does everything here that takes `--db-url`; `start`, `test db`,
`gen types` and `db dump` need Docker and are not used.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from fieldbase_local import settings

CLI = settings.REPO_ROOT / "node_modules" / ".bin" / "supabase"


class CliError(Exception):
    """A CLI command that failed: the command, its exit status and everything it printed."""

    def __init__(self, args: list[str], returncode: int, output: str):
        self.args_, self.returncode, self.output = args, returncode, output
        super().__init__(f"supabase {' '.join(args)} exited with {returncode}:\n{output.strip()}")


def db_url(dsn: str) -> str:
    """The CLI insists on TLS unless told otherwise; the local cluster has none, so a loopback
    URL without an sslmode gets sslmode=disable. Any other URL is passed as given."""
    if "sslmode=" in dsn or not re.search(r"@(127\.0\.0\.1|localhost|\[::1\])[:/]", dsn):
        return dsn
    return dsn + ("&" if "?" in dsn else "?") + "sslmode=disable"


def run(
    *args: str, workdir: Path = settings.REPO_ROOT, timeout: float = 600, check: bool = True
) -> subprocess.CompletedProcess:
    """Run the CLI in workdir (the folder holding supabase/), answering yes to its prompts."""
    if not CLI.exists():
        raise CliError(list(args), 127, f"{CLI} is missing: run scripts/setup (npm ci)")
    result = subprocess.run(
        [str(CLI), *args, "--workdir", str(workdir), "--yes"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=_environment(),
    )
    if check and result.returncode != 0:
        raise CliError(list(args), result.returncode, result.stdout + result.stderr)
    return result


def _environment() -> dict[str, str]:
    # No telemetry, no update check: the CLI reaches nothing but the database.
    return {**os.environ, "SUPABASE_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1"}


def push(dsn: str, include_seed: bool = False, workdir: Path = settings.REPO_ROOT) -> str:
    """`supabase db push --db-url`: pending migrations in order, each in its own transaction,
    recorded in supabase_migrations.schema_migrations; with include_seed, then the seed files
    of [db.seed] (each one batch, recorded in supabase_migrations.seed_files)."""
    args = ["db", "push", "--db-url", db_url(dsn)]
    if include_seed:
        args.append("--include-seed")
    result = run(*args, workdir=workdir)
    return result.stdout + result.stderr


def migration_list(dsn: str, workdir: Path = settings.REPO_ROOT) -> str:
    result = run("migration", "list", "--db-url", db_url(dsn), workdir=workdir)
    return result.stdout + result.stderr


def advisors(dsn: str, fail_on: str = "warn") -> tuple[int, list[dict]]:
    """Supabase's database advisors (splinter), security and performance: the exit status with
    fail_on, and every finding at that level or above."""
    result = run(
        "db",
        "advisors",
        "--db-url",
        db_url(dsn),
        "--type",
        "all",
        "--level",
        fail_on,
        "--fail-on",
        fail_on,
        "--output-format",
        "json",
        check=False,
    )
    return result.returncode, _json_list(result.stdout)


def lint(dsn: str, fail_on: str = "error") -> tuple[int, list[dict]]:
    """`supabase db lint` (plpgsql_check over our schemas): the exit status with fail_on, and the
    functions with issues."""
    args = ["db", "lint", "--db-url", db_url(dsn), "--fail-on", fail_on, "--level", "warning"]
    result = run(*args, check=False)
    return result.returncode, _json_list(result.stdout)


def _json_list(output: str) -> list[dict]:
    """The findings a command printed as JSON: {"results": [...]} (advisors) or [...] (lint)."""
    starts = [i for i in (output.find("{"), output.find("[")) if i >= 0]
    if not starts:
        return []
    try:
        parsed = json.loads(output[min(starts) :])
    except json.JSONDecodeError:
        return []
    return parsed.get("results", []) if isinstance(parsed, dict) else parsed
