"""The queue's database functions, called the way the worker calls them (as fieldbase_worker)."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest
from psycopg.rows import dict_row

from fieldbase_local import settings
from tests.worker.conftest import WORKER_ROLE, enqueue, job


@pytest.fixture
def w(db):
    with psycopg.connect(db.dsn(WORKER_ROLE), autocommit=True, row_factory=dict_row) as conn:
        yield conn


def claim(w, worker="w1", kinds=("test.noop",), batch=10, lease="30 seconds", cap=None):
    return w.execute(
        "select * from queue.claim(%s, %s, %s, %s::interval, %s)",
        (worker, list(kinds) if kinds is not None else None, batch, lease, cap),
    ).fetchall()


def fail(w, job_id, error="boom", worker="w1", **extra):
    return w.execute(
        "select * from queue.fail(%s, %s::jsonb)",
        (worker, json.dumps([{"id": job_id, "error": error, **extra}])),
    ).fetchone()


def test_claim_takes_ready_jobs_by_priority_then_run_at(sql, w):
    low = enqueue(sql, "test.noop", priority=200)
    first = enqueue(sql, "test.noop")
    second = enqueue(sql, "test.noop")
    urgent = enqueue(sql, "test.noop", priority=1)
    later = enqueue(sql, "test.noop", run_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    other_kind = enqueue(sql, "test.sleep")

    claimed = claim(w, batch=10)

    assert [j["id"] for j in claimed] == [urgent, first, second, low]
    assert all(j["status"] == "running" and j["attempts"] == 1 for j in claimed)
    assert all(j["lease_owner"] == "w1" for j in claimed)
    assert job(sql, later)["status"] == "queued"
    assert job(sql, other_kind)["status"] == "queued"
    assert claim(w, worker="w2") == [], "a claimed job is not claimed again"


def test_a_claim_walks_the_claim_index_when_the_statistics_say_the_queue_is_empty(sql, db):
    """The hot table's statistics are stale by nature (a backlog comes and goes between two
    analyzes). Believing the queue nearly empty, the planner read every waiting job through a
    bitmap and sorted them all for each claim: 18 ms a claim on a 50,000-job backlog."""
    sql.execute("vacuum analyze queue.job_queue")
    sql.execute("select count(queue.enqueue('test.noop', '{}')) from generate_series(1, 5000)")
    plans: list[str] = []
    with psycopg.connect(db.dsn(settings.SUPERUSER), autocommit=True) as su:
        su.add_notice_handler(lambda diag: plans.append(diag.message_primary or ""))
        su.execute("load 'auto_explain'")
        su.execute("set auto_explain.log_min_duration = 0")
        su.execute("set auto_explain.log_nested_statements = on")
        su.execute("set client_min_messages = log")
        (claimed,) = su.execute(
            "select count(*) from queue.claim('w1', null, 50, '30 seconds'::interval, null)"
        ).fetchone()
    assert claimed == 50
    plans = [p for p in plans if "job_queue" in p]
    assert not [p for p in plans if "Bitmap Heap Scan on job_queue" in p], plans
    assert [p for p in plans if "Index Scan using job_queue_waiting_platform_idx" in p], plans


def test_claim_without_kinds_takes_every_kind(sql, w):
    ids = {enqueue(sql, "test.noop"), enqueue(sql, "some.unknown_kind")}
    assert {j["id"] for j in claim(w, kinds=None)} == ids


def test_batches_are_disjoint_between_concurrent_claimers(sql, db):
    ids = {enqueue(sql, "test.noop") for _ in range(30)}
    with (
        psycopg.connect(db.dsn(WORKER_ROLE), row_factory=dict_row) as a,
        psycopg.connect(db.dsn(WORKER_ROLE), row_factory=dict_row) as b,
    ):
        # a holds its claim open (uncommitted); b must skip a's rows, not wait for them.
        first = claim(a, worker="a", batch=10)
        second = claim(b, worker="b", batch=50)
        a.commit()
        b.commit()
    assert len(first) == 10 and len(second) == 20
    assert {j["id"] for j in first} | {j["id"] for j in second} == ids
    assert not {j["id"] for j in first} & {j["id"] for j in second}


def test_dedupe_key_returns_the_unfinished_job(sql, w):
    original = enqueue(sql, "test.noop", dedupe_key="invoice:42")
    assert enqueue(sql, "test.noop", dedupe_key="invoice:42") == original
    claim(w)
    assert enqueue(sql, "test.noop", dedupe_key="invoice:42") == original, "still running"
    w.execute("select queue.complete('w1', %s::jsonb)", (json.dumps([{"id": original}]),))
    assert enqueue(sql, "test.noop", dedupe_key="invoice:42") != original, "finished: a new one"


def test_enqueue_rejects_bad_kinds_and_payloads(sql):
    with pytest.raises(psycopg.errors.CheckViolation):
        enqueue(sql, "NoDots")
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.execute("select queue.enqueue('test.noop', '[1, 2]'::jsonb)")


def test_complete_records_the_result_and_drops_redacted_keys(sql, w):
    job_id = enqueue(sql, "test.noop", {"token": "secret", "keep": 1})
    claim(w)
    done = w.execute(
        "select * from queue.complete('w1', %s::jsonb) as id",
        (json.dumps([{"id": job_id, "result": {"sent": True}, "redact": ["token"]}]),),
    ).fetchall()
    row = job(sql, job_id)
    assert [d["id"] for d in done] == [job_id]
    assert row["status"] == "succeeded" and row["result"] == {"sent": True}
    assert row["payload"] == {"keep": 1}
    assert row["finished_at"] is not None and row["lease_owner"] is None


def test_only_the_lease_holder_can_complete_or_fail(sql, w):
    job_id = enqueue(sql, "test.noop")
    claim(w, worker="w1")
    assert (
        w.execute(
            "select * from queue.complete('intruder', %s::jsonb)", (json.dumps([{"id": job_id}]),)
        ).fetchall()
        == []
    )
    assert fail(w, job_id, worker="intruder") is None
    assert job(sql, job_id)["status"] == "running"


def test_failures_back_off_exponentially_with_jitter_then_go_dead(sql, w):
    job_id = enqueue(sql, "test.noop", max_attempts=3)
    delays = []
    for attempt in (1, 2):
        sql.execute("update queue.job_queue set run_at = now() where id = %s", (job_id,))
        claim(w)
        before = w.execute("select now() as now").fetchone()["now"]
        result = fail(w, job_id, error=f"failure {attempt}")
        assert result["status"] == "retrying"
        delays.append((result["run_at"] - before).total_seconds())
    # Default kind: 10 s * 2^(attempt-1), +/- 25%.
    assert 7.5 <= delays[0] <= 12.5
    assert 15 <= delays[1] <= 25
    sql.execute("update queue.job_queue set run_at = now() where id = %s", (job_id,))
    claim(w)
    assert fail(w, job_id, error="last")["status"] == "dead"
    row = job(sql, job_id)
    assert row["last_error"] == "last" and row["finished_at"] is not None
    assert [e["error"] for e in row["errors"]] == ["failure 1", "failure 2", "last"]


def test_webhooks_follow_the_standard_webhooks_schedule(sql, w):
    expected = [5, 300, 1800, 7200, 18000, 36000, 36000]
    got = [
        sql.execute(
            "select extract(epoch from queue.retry_delay('webhook.deliver', %s)) as s", (n,)
        ).fetchone()["s"]
        for n in range(1, 8)
    ]
    for want, seconds in zip(expected, got, strict=True):
        assert want <= float(seconds) <= want * 1.1
    assert job(sql, enqueue(sql, "webhook.deliver"))["max_attempts"] == 8


def test_permanent_failures_and_retry_after(sql, w):
    dead = enqueue(sql, "test.noop")
    later = enqueue(sql, "test.noop")
    claim(w)
    assert fail(w, dead, permanent=True)["status"] == "dead"
    before = w.execute("select now() as now").fetchone()["now"]
    result = fail(w, later, retry_in=600)
    assert result["status"] == "retrying"
    assert (result["run_at"] - before).total_seconds() >= 600


def test_heartbeat_extends_leases_and_reports_lost_jobs(sql, w):
    kept = enqueue(sql, "test.noop")
    cancelled = enqueue(sql, "test.noop")
    claim(w, lease="2 seconds")
    sql.execute("select queue.cancel(%s)", (cancelled,))
    held = w.execute(
        "select * from queue.heartbeat('w1', %s, '1 hour') as id", ([kept, cancelled],)
    ).fetchall()
    assert [h["id"] for h in held] == [kept]
    assert job(sql, kept)["lease_expires_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=50)
    assert job(sql, cancelled)["status"] == "cancelled"


def test_expired_leases_come_back_at_the_next_reap(sql, w):
    job_id = enqueue(sql, "test.noop", max_attempts=2)
    claim(w, worker="crashed", lease="1 second")
    assert claim(w, worker="w2") == []
    sql.execute("update queue.job_queue set lease_expires_at = now() - interval '1 ms'")
    # Claims do not reap (workers do, with their heartbeats): the worker role may.
    assert w.execute("select queue.reap_expired_leases() as n").fetchone()["n"] == 1
    again = claim(w, worker="w2")
    assert [j["id"] for j in again] == [job_id] and again[0]["attempts"] == 2
    assert "crashed stopped heartbeating" in again[0]["last_error"]
    # Its last attempt expiring too: dead, not retried forever.
    sql.execute("update queue.job_queue set lease_expires_at = now() - interval '1 ms'")
    assert sql.execute("select queue.reap_expired_leases() as n").fetchone()["n"] == 1
    assert job(sql, job_id)["status"] == "dead"


def test_a_reclaimed_job_keeps_its_place_in_the_queue(sql, w):
    crashed = enqueue(sql, "test.noop")
    stopped = enqueue(sql, "test.noop")
    sql.execute(
        "update queue.job_queue set run_at = now() - interval '10 minutes' where id in (%s, %s)",
        (crashed, stopped),
    )
    claim(w, worker="crashed", batch=1)
    claim(w, worker="stopping", batch=1)
    # Meanwhile a backlog builds up behind them.
    for _ in range(20):
        enqueue(sql, "test.noop")
    sql.execute(
        "update queue.job_queue set lease_expires_at = now() - interval '1 ms' where id = %s",
        (crashed,),
    )
    w.execute("select * from queue.release('stopping', %s)", ([stopped],))
    w.execute("select queue.reap_expired_leases()")
    first = claim(w, worker="w2", batch=2)
    assert sorted(j["id"] for j in first) == sorted([crashed, stopped])


def test_release_gives_jobs_back_without_using_an_attempt(sql, w):
    job_id = enqueue(sql, "test.noop")
    claim(w)
    released = w.execute("select * from queue.release('w1', %s) as id", ([job_id],)).fetchall()
    assert [r["id"] for r in released] == [job_id]
    row = job(sql, job_id)
    assert row["status"] == "queued" and row["attempts"] == 0 and row["lease_owner"] is None


def test_per_organization_cap_lets_other_tenants_through(sql, w):
    acme, beta = (
        r["id"] for r in sql.execute("select id from public.organizations order by slug limit 2")
    )
    burst = [enqueue(sql, "test.noop", organization_id=acme) for _ in range(20)]
    others = [enqueue(sql, "test.noop", organization_id=beta) for _ in range(3)]
    platform = enqueue(sql, "test.noop")

    first = claim(w, batch=10, cap=4)
    by_org = [j["organization_id"] for j in first]
    assert by_org.count(acme) == 4, "the burst is capped"
    assert {j["id"] for j in first} >= {*others, platform}, "other tenants are not starved"
    # With acme at its cap, the next claim takes none of acme's jobs.
    assert [j for j in claim(w, batch=10, cap=4) if j["organization_id"] == acme] == []
    assert len(burst) == 20


def test_cheap_trial_organizations_cannot_take_every_slot(sql, w):
    """Organizations are free to create: three throwaway trials once took all 16 slots."""
    trials = [
        sql.execute(
            "insert into public.organizations (name, slug, plan_id) values (%s, %s, 'trial') "
            "returning id",
            (f"Spam {n}", f"spam-{n}"),
        ).fetchone()["id"]
        for n in range(3)
    ]
    sql.execute("update queue.settings set trial_running_limit = 4")
    for trial in trials:
        for _ in range(16):
            enqueue(sql, "test.noop", organization_id=trial)
    paying = sql.execute("select id from public.organizations where slug = 'acme'").fetchone()["id"]
    # The paying tenant's jobs were queued last, behind 48 trial jobs.
    mine = [enqueue(sql, "test.noop", organization_id=paying) for _ in range(4)]

    first = claim(w, batch=16, cap=4)
    trial_jobs = [j for j in first if j["organization_id"] in trials]
    assert len(trial_jobs) == 4, "all trials together get the shared trial pool, no more"
    assert {j["id"] for j in first} >= set(mine), "the paying tenant is served at once"
    assert [j for j in claim(w, batch=16, cap=4) if j["organization_id"] in trials] == []


def test_cancel_and_retry_dead(sql, w):
    queued = enqueue(sql, "test.noop")
    assert sql.execute("select queue.cancel(%s) as ok", (queued,)).fetchone()["ok"]
    assert job(sql, queued)["status"] == "cancelled"
    dead = enqueue(sql, "test.noop", max_attempts=1, dedupe_key="once")
    claim(w)
    fail(w, dead)
    assert job(sql, dead)["status"] == "dead"
    assert sql.execute("select queue.retry_dead(%s) as ok", (dead,)).fetchone()["ok"]
    row = job(sql, dead)
    assert row["status"] == "queued" and row["attempts"] == 0
    # A dead job whose dedupe key is taken by a newer unfinished job cannot come back.
    claim(w)
    fail(w, dead)
    enqueue(sql, "test.noop", dedupe_key="once")
    with pytest.raises(psycopg.Error, match="already queued") as raised:
        sql.execute("select queue.retry_dead(%s)", (dead,))
    assert raised.value.sqlstate == "PT409"


def test_finished_jobs_are_purged_after_their_retention(sql, w):
    old, recent, dead = (enqueue(sql, "test.noop") for _ in range(3))
    claim(w)
    w.execute(
        "select queue.complete('w1', %s::jsonb)", (json.dumps([{"id": old}, {"id": recent}]),)
    )
    fail(w, dead, permanent=True)
    sql.execute(
        "update queue.job_history set finished_at = now() - interval '8 days' where id in (%s, %s)",
        (old, dead),
    )
    assert sql.execute("select queue.purge_finished() as n").fetchone()["n"] == 1
    remaining = {r["id"] for r in sql.execute("select id from queue.all_jobs")}
    assert remaining == {recent, dead}, "dead jobs are kept longer (30 days)"


def test_enqueue_notifies_listeners(db, sql):
    with psycopg.connect(db.dsn(WORKER_ROLE), autocommit=True) as listener:
        listener.execute("listen fieldbase_jobs")
        enqueue(sql, "test.noop")
        enqueue(sql, "test.sleep", run_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        notices = list(listener.notifies(timeout=1))
    assert [n.payload for n in notices] == ["test.noop"], "delayed jobs do not wake workers"


def test_the_worker_role_can_only_call_queue_functions(w):
    for statement in (
        "select * from queue.job_queue",
        "select * from queue.job_history",
        "select * from queue.all_jobs",
        "select * from queue.organization_running_jobs",
        "select * from public.organizations",
        "select * from private.email_suppressions",
        "select queue.cancel(1)",
        "select queue.retry_dead(1)",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            w.execute(statement)


def test_reaper_retention_and_history_days_are_scheduled(sql):
    jobs = {
        r["jobname"]: r["schedule"]
        for r in sql.execute(
            "select jobname, schedule from cron.job where jobname like 'fieldbase-queue-%'"
        )
    }
    assert jobs == {
        "fieldbase-queue-history-partitions": "41 2 * * *",
        "fieldbase-queue-reaper": "* * * * *",
        "fieldbase-queue-retention": "23 3 * * *",
    }


def test_follow_ups_are_queued_once_with_their_flag(sql, w):
    parent = enqueue(sql, "test.noop")
    claim(w)
    follow_ups = json.dumps([{"kind": "test.noop", "payload": {"n": 1}}])
    queue_them = "select queue.enqueue_follow_ups('w1', %s, %s::jsonb) as n"
    assert w.execute(queue_them, (parent, follow_ups)).fetchone()["n"] == 1
    # The follow-up runs and finishes; the parent is retried after losing its connection.
    sql.execute(
        "select queue.cancel_jobs(array(select id from queue.job_queue"
        " where dedupe_key like 'job:%%'), '{queued}')"
    )
    assert w.execute(queue_them, (parent, follow_ups)).fetchone()["n"] == 0
    assert job(sql, parent)["progress"] == {"follow_ups_queued": True}
    made = sql.execute(
        "select count(*) as n from queue.all_jobs where dedupe_key = %s", (f"job:{parent}:then:0",)
    ).fetchone()
    assert made["n"] == 1
    # Only the lease holder queues them.
    other = enqueue(sql, "test.noop")
    claim(w, worker="w9")
    assert w.execute(queue_them, (other, follow_ups)).fetchone()["n"] == 0
