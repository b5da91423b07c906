"""The history of finished jobs, one partition a day (UTC): finished jobs land in their day's
partition, which only grows (a job is never written into space a purge freed); the days are
created two weeks ahead and the schedule's gaps are repaired; the purge drops whole days past
both retentions and skips a day it cannot lock at once rather than hold completions up."""

from __future__ import annotations

import datetime as dt
import json
import threading

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.worker.conftest import WORKER_ROLE, enqueue


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def day_name(day: dt.date) -> str:
    return f"job_history_{day:%Y%m%d}"


def partitions(sql) -> dict[str, str]:
    """{partition: its bound}, the default one included."""
    return {
        r["name"]: r["bound"]
        for r in sql.execute(
            "select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound"
            " from pg_inherits as i join pg_class as c on c.oid = i.inhrelid"
            " where i.inhparent = 'queue.job_history'::regclass"
        )
    }


def finish(sql, db, count: int = 1, finished_at: dt.datetime | None = None) -> list[int]:
    """Jobs run and completed as the worker does; finished_at moved if given (a partition key
    update moves the row to that day's partition)."""
    ids = [enqueue(sql, "test.noop") for _ in range(count)]
    with psycopg.connect(db.dsn(WORKER_ROLE), autocommit=True) as w:
        w.execute(
            "select * from queue.claim('w1', null, %s, '30 seconds'::interval, null)", (count,)
        )
        w.execute("select queue.complete('w1', %s::jsonb)", (json.dumps([{"id": i} for i in ids]),))
    if finished_at is not None:
        sql.execute(
            "update queue.job_history set finished_at = %s where id = any(%s)", (finished_at, ids)
        )
    return ids


def partition_of(sql, job_id: int) -> str:
    return sql.execute(
        "select tableoid::regclass::text as p from queue.job_history where id = %s", (job_id,)
    ).fetchone()["p"]


def catch_up(sql) -> None:
    """The daily run, should midnight (UTC) have passed since the migrations ran."""
    sql.execute("select queue.add_history_partitions()")


def test_the_next_two_weeks_have_a_partition_each_and_jobs_land_in_their_day(sql, db):
    catch_up(sql)
    names = partitions(sql)
    for ahead in range(1, 15):
        assert day_name(today() + dt.timedelta(days=ahead)) in names, ahead
    assert "job_history_default" in names and names["job_history_default"] == "DEFAULT"
    assert "(MINVALUE)" in names["job_history_before_daily_partitions"]

    noon_in_three_days = dt.datetime.combine(
        today() + dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC
    )
    (job_id,) = finish(sql, db, finished_at=noon_in_three_days)
    assert partition_of(sql, job_id) == f"queue.{day_name(today() + dt.timedelta(days=3))}"
    row = sql.execute("select * from queue.all_jobs where id = %s", (job_id,)).fetchone()
    assert row["status"] == "succeeded" and row["finished_at"] == noon_in_three_days


def test_each_day_has_the_histories_indexes_check_rls_and_a_comment(sql):
    catch_up(sql)
    day = day_name(today() + dt.timedelta(days=7))
    indexes = {
        r["indexdef"].split(" USING ")[1]
        for r in sql.execute(
            "select indexdef from pg_indexes where schemaname = 'queue' and tablename = %s", (day,)
        )
    }
    assert indexes == {
        "brin (id) WITH (pages_per_range='8', autosummarize='on')",
        "btree (organization_id, id) WHERE (organization_id IS NOT NULL)",
        "btree (kind) WHERE (status = 'dead'::queue.job_status)",
    }
    row = sql.execute(
        "select c.relrowsecurity, obj_description(c.oid, 'pg_class') as comment"
        " from pg_class as c where c.oid = %s::regclass",
        (f"queue.{day}",),
    ).fetchone()
    assert row["relrowsecurity"] and f"{today() + dt.timedelta(days=7):%Y-%m-%d}" in row["comment"]
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.execute(
            f"insert into queue.{day} (id, kind, status, finished_at)"
            " values (1, 'test.noop', 'running', %s)",
            (dt.datetime.combine(today() + dt.timedelta(days=7), dt.time(1), tzinfo=dt.UTC),),
        )


def test_adding_days_is_idempotent_and_extends_the_horizon(sql):
    catch_up(sql)
    assert sql.execute("select queue.add_history_partitions() as n").fetchone()["n"] == 0
    assert sql.execute("select queue.add_history_partitions(20) as n").fetchone()["n"] == 6
    assert day_name(today() + dt.timedelta(days=20)) in partitions(sql)
    for bad in (0, 367, None):
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="between 1 and 366"):
            sql.execute("select queue.add_history_partitions(%s)", (bad,))


def test_a_day_the_schedule_missed_is_created_with_the_jobs_the_default_partition_took(sql, db):
    catch_up(sql)
    last = today() + dt.timedelta(days=14)
    sql.execute(f"drop table queue.{day_name(last)}")
    late = dt.datetime.combine(last, dt.time(9), tzinfo=dt.UTC)
    ids = finish(sql, db, count=3, finished_at=late)
    assert {partition_of(sql, i) for i in ids} == {"queue.job_history_default"}

    assert sql.execute("select queue.add_history_partitions() as n").fetchone()["n"] == 1
    assert {partition_of(sql, i) for i in ids} == {f"queue.{day_name(last)}"}
    assert sql.execute("select count(*) as n from queue.job_history_default").fetchone()["n"] == 0


def test_the_purge_drops_whole_days_past_both_retentions_and_deletes_within_the_rest(sql, db):
    # As if days had passed: negative retentions put "now minus the retention" ahead of now,
    # four days for dead jobs and five for the rest (dead jobs are kept longer).
    sql.execute(
        "update queue.settings set succeeded_retention = '-5 days', dead_retention = '-4 days'"
    )
    now = sql.execute("select now() as t").fetchone()["t"]
    keep_dead_after = now + dt.timedelta(days=4)
    keep_all_after = now + dt.timedelta(days=5)
    # Partitions end at midnight: those ending by the midnight before keep_dead_after go whole.
    last_midnight_dropped = dt.datetime.combine(keep_dead_after.date(), dt.time(0), tzinfo=dt.UTC)

    in_a_dropped_day = finish(sql, db, count=2, finished_at=now + dt.timedelta(days=1))
    succeeded_past_retention = finish(sql, db, finished_at=keep_dead_after + dt.timedelta(hours=2))
    kept = finish(sql, db, finished_at=keep_all_after + dt.timedelta(hours=1))
    dead_kept = enqueue(sql, "test.noop")
    with psycopg.connect(db.dsn(WORKER_ROLE), autocommit=True) as w:
        w.execute("select * from queue.claim('w1', null, 1, '30 seconds'::interval, null)")
        w.execute(
            "select queue.fail('w1', %s::jsonb)",
            (json.dumps([{"id": dead_kept, "error": "boom", "permanent": True}]),),
        )
    sql.execute(
        "update queue.job_history set finished_at = %s where id = %s",
        (keep_dead_after + dt.timedelta(hours=1), dead_kept),
    )
    in_dropped_days = sql.execute(
        "select count(*) as n from queue.job_history where finished_at < %s",
        (last_midnight_dropped,),
    ).fetchone()["n"]
    assert in_dropped_days >= len(in_a_dropped_day)

    purged = sql.execute("select queue.purge_finished() as n").fetchone()["n"]

    assert purged == in_dropped_days + len(succeeded_past_retention)
    names = partitions(sql)
    assert "job_history_before_daily_partitions" not in names
    assert day_name((now + dt.timedelta(days=1)).date()) not in names
    assert day_name(keep_dead_after.date()) in names
    remaining = {r["id"] for r in sql.execute("select id from queue.job_history")}
    assert remaining == {dead_kept, *kept}


def test_a_day_that_cannot_be_locked_at_once_is_dropped_at_the_next_purge(sql, db):
    sql.execute(
        "update queue.settings set succeeded_retention = '-2 days', dead_retention = '-2 days'"
    )
    reader_has_read = threading.Event()
    reader_may_go = threading.Event()

    def long_reader() -> None:
        # An open transaction that read the history holds a lock a drop must wait for.
        with psycopg.connect(db.dsn(), row_factory=dict_row) as reader:
            reader.execute("select count(*) from queue.job_history")
            reader_has_read.set()
            reader_may_go.wait(30)

    thread = threading.Thread(target=long_reader)
    thread.start()
    try:
        assert reader_has_read.wait(30)
        warnings: list[str] = []
        sql.add_notice_handler(lambda diag: warnings.append(diag.message_primary or ""))
        assert sql.execute("select queue.purge_finished() as n").fetchone()["n"] == 0
        assert "job_history_before_daily_partitions" in partitions(sql)
        assert any("dropped at the next purge" in w for w in warnings), warnings
    finally:
        reader_may_go.set()
        thread.join(30)
    sql.execute("select queue.purge_finished()")
    assert "job_history_before_daily_partitions" not in partitions(sql)
