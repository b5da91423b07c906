"""scripts/db and the Supabase bootstrap behind it."""

from __future__ import annotations

import socket
import subprocess
import sys

import psycopg
import pytest

from fieldbase_local import bootstrap, cluster, settings
from fieldbase_local.settings import Instance


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fieldbase_local.cli", "--instance", "test", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.REPO_ROOT,
    )


def test_url_prints_a_working_libpq_url_for_the_schema_owner(templates):
    result = cli("url")
    url = result.stdout.strip()
    assert result.returncode == 0
    assert url == f"postgresql://postgres:postgres@127.0.0.1:{templates.port}/postgres"
    with psycopg.connect(url) as conn:
        row = conn.execute("select current_user, current_database()").fetchone()
    assert row == ("postgres", "postgres")


def test_status_says_running_with_port_and_data_folder(templates):
    result = cli("status")
    assert result.returncode == 0
    assert "status:   running" in result.stdout
    assert str(templates.port) in result.stdout
    assert str(templates.pgdata) in result.stdout


def test_psql_passes_its_arguments_through(templates):
    result = cli("psql", "-XAtc", "select 40 + 2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"


def test_the_server_runs_with_pg_cron_and_pg_stat_statements_preloaded(templates):
    with psycopg.connect(templates.superuser_dsn()) as conn:
        preload = conn.execute("show shared_preload_libraries").fetchone()[0]
        cron = conn.execute("select count(*) from pg_extension where extname = 'pg_cron'")
        assert cron.fetchone()[0] == 1
    assert {"pg_cron", "pg_stat_statements"} <= {p.strip() for p in preload.split(",")}


def test_commits_are_durable_across_a_server_crash_as_on_supabase(templates):
    with psycopg.connect(templates.superuser_dsn()) as conn:
        assert conn.execute("show synchronous_commit").fetchone()[0] == "on"


def test_the_bootstrap_can_run_again_without_changing_anything(bootstrapped_db):
    bootstrap.bootstrap_cluster(bootstrapped_db.inst)
    with psycopg.connect(
        bootstrapped_db.inst.superuser_dsn(bootstrapped_db.name), autocommit=True
    ) as conn:
        conn.execute((settings.BOOTSTRAP_SQL_DIR / "database.sql").read_text())
    with bootstrapped_db.connect() as conn:
        assert conn.execute("select count(*) from auth.users").fetchone()[0] == 0
        assert (
            conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]
            is False
        )


def test_the_owner_role_cannot_touch_supabase_owned_schemas_ddl(bootstrapped_db):
    with bootstrapped_db.connect() as conn:
        try:
            conn.execute("alter table auth.users add column hacked int")
        except psycopg.errors.InsufficientPrivilege:
            return
    raise AssertionError("postgres must not own auth.users")


def test_a_port_held_by_something_else_is_named_plainly(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        inst = Instance(name="elsewhere", state_dir=tmp_path / "elsewhere", port=port)
        with pytest.raises(cluster.ClusterError) as refused:
            cluster._refuse_if_port_taken(inst)
    assert f"port {port} on 127.0.0.1 is already in use" in str(refused.value)
    assert "FIELDBASE_DB_PORT" in str(refused.value)


def test_each_checkout_has_its_own_test_port():
    assert settings._checkout_port(55000) == settings.DEFAULT_PORTS["test"]
    assert 55000 <= settings.DEFAULT_PORTS["test"] < 56000
    assert settings.DEFAULT_PORTS["test"] != settings.DEFAULT_PORTS["dev"]
