"""The worker as it runs in production: processes, signals, crashes, reconnects, NOTIFY,
a transaction-mode pgbouncer, health and metrics."""

from __future__ import annotations

import logging
import signal
import threading
import time

import httpx
import psycopg

from fieldbase_local.net import free_port
from tests.worker import support
from tests.worker.conftest import (
    TEST_REGISTRY,
    BackgroundWorker,
    WorkerProcess,
    configured,
    enqueue,
    job,
    wait_until,
)


def statuses(sql, ids):
    rows = sql.execute("select id, status::text from queue.all_jobs where id = any(%s)", (ids,))
    return {r["id"]: r["status"] for r in rows}


def test_outcomes_bad_payloads_and_unknown_kinds(sql, run):
    ok = enqueue(sql, "test.noop")
    retry = enqueue(sql, "test.fail", {"message": "flaky"})
    permanent = enqueue(sql, "test.fail", {"message": "no such customer", "permanent": True})
    bad = enqueue(sql, "test.sleep", {"seconds": "soon"})
    unknown = enqueue(sql, "test.what_is_this")

    assert run(registry=TEST_REGISTRY) == 5

    assert job(sql, ok)["status"] == "succeeded" and job(sql, ok)["result"] == {"ok": True}
    assert job(sql, retry)["status"] == "retrying"
    assert job(sql, retry)["last_error"] == "RuntimeError: flaky"
    assert job(sql, permanent)["status"] == "dead"
    assert job(sql, permanent)["last_error"] == "no such customer"
    assert job(sql, bad)["status"] == "dead"
    assert (
        job(sql, bad)["last_error"] == "Invalid payload: seconds: Input should be a valid number, "
        "unable to parse string as a number"
    )
    assert job(sql, unknown)["status"] == "dead"
    assert job(sql, unknown)["last_error"] == "No handler for job kind 'test.what_is_this'"


def test_a_succeeded_job_logs_nothing_at_info_and_a_failure_warns(sql, run, caplog):
    enqueue(sql, "test.noop")
    enqueue(sql, "test.fail", {"message": "flaky"})
    with caplog.at_level(logging.INFO, logger="worker"):
        run(registry=TEST_REGISTRY)
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("worker")]
    assert not any("succeeded" in m for level, m in messages if level >= logging.INFO), messages
    assert any(level == logging.WARNING and "flaky" in m for level, m in messages), messages


def test_concurrent_workers_never_run_a_job_twice(sql, settings, tmp_path):
    ids = [enqueue(sql, "test.record", {"seconds": 0.01}) for _ in range(150)]
    workers = [
        WorkerProcess(
            settings,
            tmp_path / f"w{n}.log",
            worker_id=f"w{n}",
            registry=TEST_REGISTRY,
            concurrency=8,
            batch_size=5,
        )
        for n in range(3)
    ]
    try:
        wait_until(lambda: set(statuses(sql, ids).values()) == {"succeeded"}, timeout=60)
    finally:
        for w in workers:
            w.stop()
    runs = sql.execute(
        "select job_id, count(*) as n from public.test_runs group by job_id"
    ).fetchall()
    assert len(runs) == 150 and {r["n"] for r in runs} == {1}, "every job ran exactly once"
    by_worker = sql.execute("select count(distinct worker) as n from public.test_runs").fetchone()
    assert by_worker["n"] >= 2, "the replicas shared the work"


def test_a_killed_worker_loses_nothing(sql, settings, tmp_path):
    job_id = enqueue(sql, "test.record", {"seconds": 3})
    crashed = WorkerProcess(
        settings,
        tmp_path / "crashed.log",
        worker_id="crashed",
        registry=TEST_REGISTRY,
        lease_seconds=2,
        heartbeat_seconds=0.5,
    )
    try:
        wait_until(lambda: job(sql, job_id)["lease_owner"] == "crashed")
        crashed.signal(signal.SIGKILL)
        crashed.wait(10)
    finally:
        crashed.stop()
    killed_at = time.monotonic()
    rescuer = WorkerProcess(
        settings,
        tmp_path / "rescuer.log",
        worker_id="rescuer",
        registry=TEST_REGISTRY,
        lease_seconds=2,
        heartbeat_seconds=0.5,
        poll_seconds=0.2,
    )
    try:
        wait_until(lambda: job(sql, job_id)["lease_owner"] == "rescuer", timeout=10)
        back_after = time.monotonic() - killed_at
        wait_until(lambda: job(sql, job_id)["status"] == "succeeded", timeout=15)
    finally:
        rescuer.stop()
    assert back_after < 2 + 1, f"back within one lease period (took {back_after:.1f}s)"
    row = job(sql, job_id)
    assert row["attempts"] == 2 and "crashed stopped heartbeating" in row["errors"][0]["error"]
    runs = sql.execute("select worker, attempt from public.test_runs").fetchall()
    assert runs == [{"worker": "rescuer", "attempt": 2}]


def test_sigterm_drains_then_releases_what_did_not_finish(sql, settings, tmp_path):
    quick = [enqueue(sql, "test.record", {"seconds": 0.5}) for _ in range(2)]
    slow = enqueue(sql, "test.sleep", {"seconds": 60})
    worker = WorkerProcess(
        settings, tmp_path / "w.log", registry=TEST_REGISTRY, shutdown_grace_seconds=2
    )
    try:
        wait_until(lambda: set(statuses(sql, [*quick, slow]).values()) == {"running"})
        started = time.monotonic()
        worker.signal(signal.SIGTERM)
        assert worker.wait(15) == 0, worker.log()
        took = time.monotonic() - started
    finally:
        worker.stop()
    assert statuses(sql, quick) == dict.fromkeys(quick, "succeeded"), "in-flight work finished"
    row = job(sql, slow)
    assert row["status"] == "queued" and row["attempts"] == 0, "the rest was given back"
    assert took < 6, f"stopped within the grace period (took {took:.1f}s)"


def test_worker_reconnects_after_its_connections_are_killed(sql, settings, db):
    with BackgroundWorker(configured(settings, registry=TEST_REGISTRY, poll_seconds=0.2)):
        first = enqueue(sql, "test.noop")
        wait_until(lambda: job(sql, first)["status"] == "succeeded")
        with psycopg.connect(db.inst.superuser_dsn(db.name), autocommit=True) as admin:
            killed = admin.execute(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                "where usename = 'fieldbase_worker' and datname = current_database()"
            ).fetchone()[0]
        assert killed >= 2, "the pool and the LISTEN connection were cut"
        later = [enqueue(sql, "test.noop") for _ in range(5)]
        wait_until(lambda: set(statuses(sql, later).values()) == {"succeeded"}, timeout=20)


def test_notify_wakes_an_idle_worker_at_once(sql, settings):
    with BackgroundWorker(configured(settings, registry=TEST_REGISTRY, poll_seconds=30)):
        time.sleep(0.5)  # let it claim nothing and go idle
        latencies = []
        for _ in range(5):
            job_id = enqueue(sql, "test.noop")
            started = time.monotonic()
            wait_until(lambda job_id=job_id: job(sql, job_id)["status"] == "succeeded", every=0.002)
            latencies.append(time.monotonic() - started)
    print(f"enqueue-to-done with NOTIFY: max {max(latencies) * 1000:.1f} ms")
    assert max(latencies) < 5, "a 30 s poll interval was not what woke it"


def test_health_and_metrics_endpoints(sql, settings):
    with BackgroundWorker(
        configured(settings, registry=TEST_REGISTRY, http_port=free_port(), http_host="127.0.0.1")
    ) as background:
        pass_id = enqueue(sql, "test.noop")
        enqueue(sql, "test.fail", {"permanent": True})
        wait_until(lambda: job(sql, pass_id)["status"] == "succeeded")
        wait_until(lambda: background.worker.http is not None)
        base = f"http://127.0.0.1:{background.worker.http.port}"
        health = httpx.get(f"{base}/healthz")
        metrics = wait_until(
            lambda: (
                (m := httpx.get(f"{base}/metrics").text)
                and 'fieldbase_jobs_failed_total{kind="test.fail",outcome="dead"} 1.0' in m
                and m
            )
        )
    assert health.status_code == 200 and health.json()["ok"] is True
    assert 'fieldbase_jobs_succeeded_total{kind="test.noop"} 1.0' in metrics
    assert 'fieldbase_jobs_claimed_total{kind="test.noop"} 1.0' in metrics
    assert 'fieldbase_job_duration_seconds_count{kind="test.noop"} 1.0' in metrics
    assert 'fieldbase_job_start_latency_seconds_bucket{kind="test.noop",le="+Inf"} 1.0' in metrics
    assert "fieldbase_jobs_in_flight 0.0" in metrics


def test_through_pgbouncer_in_transaction_mode(sql, settings, db):
    from fieldbase_local.pgbouncer import Pgbouncer

    with Pgbouncer(db.inst, {"fieldbase_worker": "postgres"}) as bouncer:
        pooled = bouncer.dsn("fieldbase_worker", db.name)
        # LISTEN on a direct connection, everything else through the pooler.
        with BackgroundWorker(
            configured(
                settings,
                registry=TEST_REGISTRY,
                database_url=pooled,
                listen_url=db.dsn("fieldbase_worker"),
            )
        ):
            ids = [enqueue(sql, "test.record", {"seconds": 0.01}) for _ in range(100)]
            wait_until(lambda: set(statuses(sql, ids).values()) == {"succeeded"}, timeout=30)
        # No direct connection at all: poll through the pooler.
        with BackgroundWorker(
            configured(settings, registry=TEST_REGISTRY, database_url=pooled, listen_url="off")
        ):
            more = [enqueue(sql, "test.record", {"seconds": 0.01}) for _ in range(20)]
            wait_until(lambda: set(statuses(sql, more).values()) == {"succeeded"}, timeout=30)
        assert "user=fieldbase_worker" in bouncer.log()
    runs = sql.execute("select count(*) as n, count(distinct job_id) as jobs from public.test_runs")
    assert runs.fetchone() == {"n": 120, "jobs": 120}


def test_blocking_io_of_every_job_in_flight_runs_at_once(sql, settings):
    # 16 jobs that each wait in a thread until all 16 are waiting: Python's default executor
    # (CPU count + 4 threads) would hold them to a few at a time and the barrier would break,
    # as a slow mail server's sends would queue behind each other.
    support.BARRIERS["sixteen"] = threading.Barrier(16, timeout=10)
    ids = [enqueue(sql, "test.blocking_io", {"name": "sixteen"}) for _ in range(16)]
    with BackgroundWorker(
        configured(settings, registry=TEST_REGISTRY, concurrency=32, per_organization_limit=0)
    ):
        wait_until(lambda: not set(statuses(sql, ids).values()) & {"queued", "running"}, timeout=20)
    assert set(statuses(sql, ids).values()) == {"succeeded"}, job(sql, ids[0])["last_error"]


def test_a_local_queue_holds_claimed_jobs_until_a_slot_frees_and_gives_them_back_on_stop(
    sql, settings
):
    """One at a time with four held: the held jobs are leased and heartbeated while they wait,
    start as the slot frees, and a stopping worker hands back those it never started without
    using an attempt."""
    slow = [enqueue(sql, "test.sleep", {"seconds": 1.5}) for _ in range(5)]
    with BackgroundWorker(
        configured(
            settings,
            registry=TEST_REGISTRY,
            concurrency=1,
            local_queue_size=4,
            batch_size=10,
            lease_seconds=1,
            heartbeat_seconds=0.3,
        )
    ) as background:
        wait_until(lambda: set(statuses(sql, slow).values()) == {"running"})
        assert len(background.worker._waiting) == 4, "one runs, four wait in the local queue"
        # Held past their first lease (1 s): the heartbeats kept them, no reaper took them.
        time.sleep(2)
        assert set(statuses(sql, slow).values()) <= {"running", "succeeded"}
        assert sum(1 for s in statuses(sql, slow).values() if s == "succeeded") >= 1
    after = {j: job(sql, j) for j in slow}
    given_back = [j for j, row in after.items() if row["status"] == "queued"]
    assert given_back, "the unstarted jobs were released at stop"
    assert all(after[j]["attempts"] == 0 for j in given_back)
    assert all(row["status"] in ("queued", "succeeded") for row in after.values())


def test_a_worker_takes_back_the_jobs_of_a_dead_one_when_it_reaps(sql, settings):
    """Claims do not reap; a live worker's reaper does, and then runs the job."""
    job_id = enqueue(sql, "test.noop")
    sql.execute(
        "update queue.job_queue set status = 'running', attempts = 1, lease_owner = 'dead-one',"
        " lease_expires_at = now() - interval '1 second' where id = %s",
        (job_id,),
    )
    with BackgroundWorker(
        configured(
            settings, registry=TEST_REGISTRY, heartbeat_seconds=4, reap_seconds=0.2, lease_seconds=5
        )
    ):
        wait_until(lambda: job(sql, job_id)["status"] == "succeeded", timeout=10)
    row = job(sql, job_id)
    assert row["attempts"] == 2 and "dead-one stopped heartbeating" in row["last_error"]
