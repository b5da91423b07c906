"""scripts/doctor against the local database: ready, then with each item broken in turn, each
named with what to do; platform_diagnostics shows the same items to platform staff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from fieldbase_local import auth, settings
from ops import doctor

HOOK = "public.custom_access_token_hook(jsonb)"


def items(db) -> dict[str, doctor.Item]:
    return {item.name: item for item in doctor.report(db.dsn())}


def as_superuser(db, statement: str) -> None:
    with psycopg.connect(db.inst.superuser_dsn(db.name), autocommit=True) as conn:
        conn.execute(statement)


def test_a_ready_database_passes_every_item(migrated_db, capsys):
    assert doctor.main(["--db-url", migrated_db.dsn()]) == 0
    out = capsys.readouterr().out
    for name in (
        "migrations",
        "access_token_hook",
        "rate_limiter",
        "worker_role",
        "cron_jobs",
        "job_history_days",
        "realtime",
        "documents_bucket",
    ):
        assert f"ok   {name}:" in out, out
    assert "8 of 8 ready" in out


BREAKAGES: dict[str, tuple[Callable, str]] = {
    "access_token_hook": (
        lambda db: as_superuser(db, f"grant execute on function {HOOK} to authenticated"),
        "EXECUTE is not supabase_auth_admin's alone",
    ),
    "rate_limiter": (
        lambda db: as_superuser(db, "delete from private.rate_limit_connection"),
        "requests are not rate limited",
    ),
    "cron_jobs": (
        lambda db: as_superuser(db, "delete from cron.job where jobname = 'fieldbase-kpis'"),
        "missing or inactive: fieldbase-kpis",
    ),
    "job_history_days": (
        # As if the daily schedule had stopped: only five days ahead are left.
        lambda db: as_superuser(
            db,
            "do $$ declare p record; begin"
            " for p in select partition_name from queue.history_partitions()"
            " where ends_at > now() + interval '5 days' loop"
            " execute format('drop table queue.%I', p.partition_name); end loop; end $$",
        ),
        "days ready only through",
    ),
    "realtime": (
        lambda db: as_superuser(
            db, "alter publication supabase_realtime drop table public.tickets"
        ),
        "does not publish tickets",
    ),
    "documents_bucket": (
        lambda db: as_superuser(
            db, "update storage.buckets set public = true where id = 'documents'"
        ),
        "the documents bucket is public",
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_each_broken_item_fails_with_what_to_do(migrated_db, capsys, name):
    breaks, expected = BREAKAGES[name]
    breaks(migrated_db)
    assert doctor.main(["--db-url", migrated_db.dsn()]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {name}: " in out and expected in out, out
    assert out.count("FAIL") == 1, "only the broken item fails"
    assert f"7 of 8 ready; fix: {name}" in out


def test_a_counting_connection_that_fails_is_named(migrated_db):
    as_superuser(
        migrated_db,
        "update private.rate_limit_connection"
        " set conninfo = replace(conninfo, 'password=', 'password=x')",
    )
    limiter = items(migrated_db)["rate_limiter"]
    assert not limiter.ok and limiter.detail.startswith("the counting connection fails")


def test_a_failed_last_run_is_named(migrated_db):
    as_superuser(
        migrated_db,
        "insert into cron.job_run_details (jobid, runid, status, return_message, start_time)"
        " select j.jobid, 999999, 'failed', 'boom', now() from cron.job as j"
        " where j.jobname = 'fieldbase-due-notices'",
    )
    cron = items(migrated_db)["cron_jobs"]
    assert not cron.ok and cron.detail == "last run failed: fieldbase-due-notices"


def test_jobs_in_the_histories_default_partition_are_named(migrated_db):
    as_superuser(
        migrated_db,
        "insert into queue.job_history (id, kind, status, finished_at)"
        " values (-1, 'test.noop', 'succeeded', now() + interval '1 year')",
    )
    history = items(migrated_db)["job_history_days"]
    assert not history.ok
    assert history.detail == "finished jobs are in queue.job_history_default"


def test_a_worker_role_that_cannot_log_in_is_named(migrated_db):
    as_superuser(migrated_db, "alter role fieldbase_worker nologin")
    try:
        worker = items(migrated_db)["worker_role"]
    finally:
        as_superuser(migrated_db, "alter role fieldbase_worker login")
    assert not worker.ok and "may not log in" in worker.detail


def test_a_pending_migration_is_named(migrated_db, tmp_path: Path):
    supabase_dir = tmp_path / "supabase"
    (supabase_dir / "migrations").mkdir(parents=True)
    (supabase_dir / "config.toml").write_text((settings.SUPABASE_DIR / "config.toml").read_text())
    for migration in (settings.SUPABASE_DIR / "migrations").glob("*.sql"):
        (supabase_dir / "migrations" / migration.name).symlink_to(migration)
    (supabase_dir / "migrations" / "20991231000000_not_yet.sql").write_text("select 1;\n")
    item = doctor.migrations_item(migrated_db.dsn(), workdir=tmp_path)
    assert not item.ok and item.detail == "pending: 20991231000000"


def test_an_unmigrated_database_says_so(bootstrapped_db, capsys):
    assert doctor.main(["--db-url", bootstrapped_db.dsn()]) == 1
    assert "fieldbase's migrations have not run here" in capsys.readouterr().out


def test_platform_staff_see_the_same_items(migrated_db):
    as_superuser(migrated_db, "delete from private.rate_limit_connection")
    with migrated_db.postgrest().request(auth.api_key("service_role")) as staff:
        rows = staff.execute(
            "select name, value, detail from public.platform_diagnostics"
            " where section = 'readiness'"
        ).fetchall()
    readiness = {name: (value, detail) for name, value, detail in rows}
    assert readiness["rate_limiter"][0] == 0
    assert readiness["rate_limiter"][1]["level"] == "warning"
    assert readiness["access_token_hook"][0] == 1
