"""pytest plugin: the test cluster, a clean database per test, and pgTAP files as items.

Per session: the ``test`` instance is started; its ``postgres`` database is reset (bootstrap,
migrations, policies, seeds) and copied to templates: as migrated (what pgTAP files run on, as
`supabase test db` would), with the test helpers committed (for Python tests, which create
users through them), the same built with Supabase's "Default privileges for new entities" on
(``auto_expose``), and the bootstrap alone (for migration-runner tests). Per test: a template
copy, dropped afterwards. Every pgTAP file in supabase/tests runs in its own copy through psql,
exactly as pg_prove runs it.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from fieldbase_local import bootstrap, settings, stack
from fieldbase_local.postgrest import Postgrest

MIGRATED_TEMPLATE = "fieldbase_template"
PGTAP_TEMPLATE = "fieldbase_migrated"
AUTO_EXPOSE_TEMPLATE = "fieldbase_auto_expose"
BOOTSTRAP_TEMPLATE = "fieldbase_bootstrapped"
PGTAP_DIR = settings.SUPABASE_DIR / "tests"
PGTAP_TESTS_DIR = PGTAP_DIR / "database"
HELPERS_FILE = PGTAP_DIR / "helpers" / "fieldbase.psql"

_counter = itertools.count()


@dataclass(frozen=True)
class Database:
    """A throwaway database of the test cluster."""

    inst: settings.Instance
    name: str

    def dsn(self, role: str = settings.SCHEMA_OWNER) -> str:
        return self.inst.dsn(role, self.name)

    def connect(self, role: str = settings.SCHEMA_OWNER, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.dsn(role), **kwargs)

    def postgrest(self, **kwargs) -> Postgrest:
        return Postgrest.for_instance(self.inst, self.name, **kwargs)


def psql(dsn: str, path: Path) -> subprocess.CompletedProcess:
    """Run a SQL file the way pg_prove does."""
    return subprocess.run(
        [
            "psql",
            "-X",
            "--no-align",
            "--quiet",
            "--tuples-only",
            "--pset",
            "pager=off",
            "--set",
            "ON_ERROR_STOP=1",
            "-d",
            dsn,
            "-f",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


_TEMPLATES = pytest.StashKey[settings.Instance]()


def ensure_templates(config: pytest.Config) -> settings.Instance:
    """Build both templates once per session (shared by fixtures and pgTAP items)."""
    if _TEMPLATES not in config.stash:
        config.stash[_TEMPLATES] = build_templates()
    return config.stash[_TEMPLATES]


def build_templates() -> settings.Instance:
    inst = settings.instance("test")
    stack.ensure_running(inst)
    # Every template is a copy of the postgres database (pg_cron can only be created there).
    # First as a project that switched "Default privileges for new entities" back on.
    bootstrap.create_database(inst, settings.MAIN_DATABASE, auto_expose=True)
    stack.migrate(inst)
    stack.seed(inst)
    bootstrap.clone_database(inst, settings.MAIN_DATABASE, AUTO_EXPOSE_TEMPLATE)
    # Then as every project is since 2026-10-30.
    bootstrap.create_database(inst, settings.MAIN_DATABASE, auto_expose=False)
    bootstrap.clone_database(inst, settings.MAIN_DATABASE, BOOTSTRAP_TEMPLATE)
    stack.migrate(inst)
    stack.seed(inst)
    bootstrap.clone_database(inst, settings.MAIN_DATABASE, PGTAP_TEMPLATE)
    install_helpers(inst.dsn())
    bootstrap.clone_database(inst, settings.MAIN_DATABASE, MIGRATED_TEMPLATE)
    return inst


def install_helpers(dsn: str) -> None:
    """Commit the pgTAP helpers into a throwaway local database, for Python tests."""
    result = psql(dsn, HELPERS_FILE)
    if result.returncode != 0:
        raise RuntimeError(f"installing the pgTAP helpers failed:\n{result.stderr}")


@pytest.fixture(scope="session")
def templates(pytestconfig: pytest.Config) -> settings.Instance:
    return ensure_templates(pytestconfig)


@contextmanager
def _fresh(inst: settings.Instance, template: str, prefix: str) -> Iterator[Database]:
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    bootstrap.clone_database(inst, template, name)
    try:
        yield Database(inst, name)
    finally:
        bootstrap.drop_database(inst, name)


@pytest.fixture
def fresh_db(templates: settings.Instance) -> Iterator[Database]:
    """A migrated, seeded database with the test helpers, all to this test."""
    with _fresh(templates, MIGRATED_TEMPLATE, "t") as database:
        yield database


@pytest.fixture
def migrated_db(templates: settings.Instance) -> Iterator[Database]:
    """A migrated, seeded database without the test helpers (as a real project has it)."""
    with _fresh(templates, PGTAP_TEMPLATE, "m") as database:
        yield database


@pytest.fixture
def auto_expose_db(templates: settings.Instance) -> Iterator[Database]:
    """A migrated, seeded database of a project with "Default privileges for new entities" on."""
    with _fresh(templates, AUTO_EXPOSE_TEMPLATE, "x") as database:
        yield database


@pytest.fixture
def bootstrapped_db(templates: settings.Instance) -> Iterator[Database]:
    """A database with Supabase's bootstrap and no migration, all to this test."""
    with _fresh(templates, BOOTSTRAP_TEMPLATE, "b") as database:
        yield database


# --- pgTAP files as pytest items ---------------------------------------------------------------

TAP_PLAN = re.compile(r"^1\.\.(\d+)")
TAP_RESULT = re.compile(r"^(not )?ok (\d+)(.*)$")


@dataclass
class TapReport:
    planned: int | None
    passed: list[str]
    failed: list[str]

    def problems(self) -> list[str]:
        problems = [f"failed: {line}" for line in self.failed]
        ran = len(self.passed) + len(self.failed)
        if self.planned is None:
            problems.append("no plan found in the TAP output")
        elif self.planned != ran:
            problems.append(f"planned {self.planned} tests but ran {ran}")
        return problems


def parse_tap(output: str) -> TapReport:
    planned, passed, failed = None, [], []
    for line in output.splitlines():
        line = line.strip()
        if match := TAP_PLAN.match(line):
            planned = int(match[1])
        elif match := TAP_RESULT.match(line):
            is_todo = "# TODO" in match[3] or "# SKIP" in match[3]
            (failed if match[1] and not is_todo else passed).append(line)
    return TapReport(planned, passed, failed)


class PgTapFailure(Exception):
    pass


class PgTapItem(pytest.Item):
    def runtest(self) -> None:
        inst = ensure_templates(self.config)
        with _fresh(inst, PGTAP_TEMPLATE, "tap") as database:
            result = psql(database.dsn(), self.path)
        report = parse_tap(result.stdout)
        problems = report.problems()
        if result.returncode != 0:
            problems.append(f"psql exited with {result.returncode}")
        if problems:
            raise PgTapFailure(
                "\n".join(problems)
                + "\n--- TAP output ---\n"
                + result.stdout
                + "\n--- psql stderr ---\n"
                + result.stderr
            )

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PgTapFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"pgTAP: {self.path.name}"


class PgTapFile(pytest.File):
    def collect(self):
        yield PgTapItem.from_parent(self, name=self.path.name)


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".sql" and PGTAP_TESTS_DIR in file_path.parents:
        return PgTapFile.from_parent(parent, path=file_path)
    return None
