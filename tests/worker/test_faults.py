"""Faults, small and fast versions of the soak: the database restarted under running workers
(fast and immediate), and a poison job beside healthy ones. In each, every job ends succeeded
or dead with a reason, and no effect happens twice (counted where it lands: the SMTP sink by
Message-ID)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest
from psycopg.rows import dict_row

from fieldbase_local import cluster
from tests.worker.conftest import TEST_REGISTRY, WorkerProcess, enqueue, wait_until

TRIAL = {"name": "R", "trial_ends_at": "2026-12-05T00:00:00+00:00"}


def statuses(db, ids) -> Counter:
    with psycopg.connect(db.dsn(), row_factory=dict_row) as conn:
        rows = conn.execute(
            "select status::text as status from queue.all_jobs where id = any(%s)", (ids,)
        ).fetchall()
    return Counter(r["status"] for r in rows)


def settled(db, ids) -> Counter | None:
    try:
        counts = statuses(db, ids)
    except psycopg.OperationalError:
        return None
    return counts if counts["succeeded"] + counts["dead"] == len(ids) else None


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_database_restart_under_running_workers_loses_and_repeats_nothing(
    sql, settings, db, mail_sink, tmp_path, mode
):
    ids = [enqueue(sql, "email.trial_expiring", {"to": f"r{n}@x.test", **TRIAL}) for n in range(60)]
    workers = [
        WorkerProcess(
            settings,
            tmp_path / f"w{n}.log",
            worker_id=f"w{n}",
            email_rate_per_second=15,
            lease_seconds=5,
            heartbeat_seconds=1,
        )
        for n in range(2)
    ]
    try:
        wait_until(lambda: statuses(db, ids)["succeeded"] >= 10, timeout=30)
        cluster.restart(db.inst, mode)
        back = time.monotonic()
        before = statuses(db, ids)["succeeded"]
        wait_until(lambda: statuses(db, ids)["succeeded"] > before, timeout=20)
        resumed_after = time.monotonic() - back
        final = wait_until(lambda: settled(db, ids), timeout=60)
    finally:
        for worker in workers:
            worker.stop()
    assert final == Counter({"succeeded": 60}), [w.log()[-2000:] for w in workers]
    messages = mail_sink.wait_for(60)
    by_id = Counter(m["Message-ID"] for m in messages)
    assert len(by_id) == 60 and max(by_id.values()) == 1, "every email went out exactly once"
    assert resumed_after < 5, f"work resumed {resumed_after:.1f}s after the restart"


def test_an_email_sent_just_before_the_database_goes_away_is_not_sent_again(
    sql, settings, db, mail_sink, tmp_path
):
    job_id = enqueue(sql, "email.trial_expiring", {"to": "once@x.test", **TRIAL})
    restarted = threading.Event()

    def database_goes_away(_message) -> None:
        # Accepted by the server; before the worker can record it, the database stops, and
        # comes back two seconds later.
        if restarted.is_set():
            return
        restarted.set()
        cluster.stop(db.inst)
        threading.Timer(2, lambda: cluster.start(db.inst)).start()

    mail_sink.on_message = database_goes_away
    worker = WorkerProcess(
        settings, tmp_path / "w.log", lease_seconds=5, heartbeat_seconds=1, poll_seconds=0.2
    )
    try:
        final = wait_until(lambda: settled(db, [job_id]), timeout=60)
        time.sleep(1)  # a second delivery, were there one, would be on its way by now
    finally:
        worker.stop()
    assert restarted.is_set()
    assert final == Counter({"succeeded": 1}), worker.log()[-3000:]
    assert [m["To"] for m in mail_sink.messages] == ["once@x.test"], "sent once"


def test_a_poison_job_beside_healthy_ones_goes_dead_and_the_rest_flow(sql, settings, tmp_path):
    poison = [
        enqueue(sql, "test.fail", {"message": "always broken"}, max_attempts=2) for _ in range(3)
    ]
    healthy = [enqueue(sql, "test.noop") for _ in range(100)]
    worker = WorkerProcess(settings, tmp_path / "w.log", registry=TEST_REGISTRY, poll_seconds=0.2)
    try:
        wait_until(lambda: statuses_of(sql, healthy) == {"succeeded"}, timeout=30)
        # Retries come on a backoff: bring them forward rather than wait.
        for _ in range(2):
            sql.execute("update queue.job_queue set run_at = now() where status = 'retrying'")
            time.sleep(1)
        wait_until(lambda: statuses_of(sql, poison) == {"dead"}, timeout=30)
    finally:
        worker.stop()
    errors = sql.execute(
        "select last_error from queue.all_jobs where id = any(%s)", (poison,)
    ).fetchall()
    assert {e["last_error"] for e in errors} == {"RuntimeError: always broken"}


def statuses_of(sql, ids) -> set[str]:
    rows = sql.execute(
        "select status::text as status from queue.all_jobs where id = any(%s)", (ids,)
    ).fetchall()
    return {r["status"] for r in rows}
