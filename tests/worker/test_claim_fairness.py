"""queue.claim under the shapes real queues take: many jobs from one statement (one run_at),
tied priorities, trial organizations sharing a pool, one organization's backlog beside another's
first job. Claims are made as the worker makes them (batch, per-organization limit, trial pool)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from fieldbase_local import auth
from tests.worker.conftest import (
    TEST_REGISTRY,
    WORKER_ROLE,
    BackgroundWorker,
    configured,
    enqueue,
    wait_until,
)
from tests.worker.test_webhooks import deliveries, hostile_endpoint, send_test

ACME = "a1000000-0000-4000-8000-000000000000"
TRIAL_POOL = 4
CAP = 8
BATCH = 50
TRIAL_ENDS = "2026-12-20T00:00:00+00:00"


@pytest.fixture
def w(db):
    with psycopg.connect(db.dsn(WORKER_ROLE), autocommit=True, row_factory=dict_row) as conn:
        yield conn


def organizations(sql, count: int, plan: str) -> list[uuid.UUID]:
    return [
        sql.execute(
            "insert into public.organizations (name, slug, plan_id) values (%s, %s, %s)"
            " returning id",
            (f"{plan} {n}", f"{plan}-{uuid.uuid4().hex[:8]}", plan),
        ).fetchone()["id"]
        for n in range(count)
    ]


def enqueue_at_once(sql, organization_id, count, priority=100, age="0 seconds", kind="test.noop"):
    """count jobs queued by one statement: they share run_at (now() is the statement's time)."""
    sql.execute(
        "select count(queue.enqueue(%s, '{}'::jsonb, %s, null, now() - %s::interval,"
        " %s::smallint)) from generate_series(1, %s)",
        (kind, organization_id, age, priority, count),
    )


def claim(w, batch=BATCH, cap=CAP, kinds=None):
    return w.execute(
        "select * from queue.claim('w1', %s, %s, '30 seconds', %s)", (kinds, batch, cap)
    ).fetchall()


def complete(w, jobs):
    w.execute(
        "select queue.complete('w1', %s::jsonb)", (json.dumps([{"id": j["id"]} for j in jobs]),)
    )


def running_by_organization(sql) -> dict:
    rows = sql.execute(
        "select j.organization_id, o.plan_id = 'trial' as trial, count(*) as n"
        " from queue.all_jobs as j left join public.organizations as o"
        " on j.organization_id = o.id where j.status = 'running'"
        " group by j.organization_id, o.plan_id"
    ).fetchall()
    return {r["organization_id"]: (r["trial"], r["n"]) for r in rows}


def drain(sql, w, batch=BATCH, cap=CAP) -> int:
    """Claim and complete as a worker does until nothing waits; every claim must take a job and
    keep every limit. Returns how many claims it took."""
    claims = 0
    while True:
        ready = sql.execute(
            "select count(*) as n from queue.all_jobs where status in ('queued', 'retrying')"
        ).fetchone()["n"]
        if not ready:
            return claims
        got = claim(w, batch=batch, cap=cap)
        claims += 1
        assert got, f"claim {claims} returned nothing with {ready} jobs ready and nothing running"
        running = running_by_organization(sql)
        assert all(n <= cap for _, n in running.values()), "the per-organization limit held"
        trial_running = sum(n for trial, n in running.values() if trial)
        assert trial_running <= TRIAL_POOL, "the trial pool's limit held"
        complete(w, got)


def test_the_running_counters_follow_every_way_a_job_is_written(sql, w):
    """The cap reads per-organization counters that triggers keep: they equal the running rows
    after claims, completions, deletes, and jobs inserted already running (a restore)."""
    first, second = organizations(sql, 2, "pro")
    enqueue_at_once(sql, first, 5)
    enqueue_at_once(sql, second, 3)

    def counters() -> dict:
        rows = sql.execute("select * from queue.organization_running_jobs where running <> 0")
        return {r["organization_id"]: r["running"] for r in rows}

    def running() -> dict:
        return {org: n for org, (_trial, n) in running_by_organization(sql).items() if org}

    assert counters() == running() == {}
    sql.execute(
        "insert into queue.job_queue"
        " (kind, payload, organization_id, status, attempts, lease_owner, lease_expires_at)"
        " select 'test.noop', '{}', o, 'running', 1, 'restored', now() + interval '1 minute'"
        " from unnest(%s::uuid[]) as o, generate_series(1, 2)",
        ([first, second],),
    )
    assert counters() == running() == {first: 2, second: 2}
    claimed = claim(w, batch=6, cap=None)
    assert counters() == running() and sum(counters().values()) == 10
    complete(w, claimed[:3])
    assert counters() == running() and sum(counters().values()) == 7
    sql.execute("delete from queue.job_queue where lease_owner = 'restored'")
    assert counters() == running() and sum(counters().values()) == 3


def test_trial_jobs_queued_by_one_statement_are_all_claimed(sql, w):
    """The reported stall: 3 trial organizations x 150 jobs at one run_at gave claims of 0."""
    for trial in organizations(sql, 3, "trial"):
        enqueue_at_once(sql, trial, 150)
    assert drain(sql, w) == math.ceil(450 / TRIAL_POOL), "four trial jobs per claim, every claim"


def test_tied_priorities_and_a_mix_of_trial_and_paying_organizations(sql, w):
    trials = organizations(sql, 3, "trial")
    paying = organizations(sql, 2, "pro")
    for n, org in enumerate(trials + paying):
        # Two priorities, each queued by one statement: ties inside each, across organizations.
        enqueue_at_once(sql, org, 40, priority=10)
        enqueue_at_once(sql, org, 40, priority=100 if n % 2 else 10)
    enqueue_at_once(sql, None, 30)
    first = claim(w)
    by_org = {o: sum(j["organization_id"] == o for j in first) for o in trials + paying}
    assert sum(by_org[t] for t in trials) == TRIAL_POOL
    assert all(by_org[p] == CAP for p in paying), "paying tenants fill their caps at once"
    complete(w, first)
    assert drain(sql, w) <= math.ceil(3 * 80 / TRIAL_POOL)


def test_a_new_trial_organization_is_not_behind_another_ones_backlog(sql, w):
    busy, new = organizations(sql, 2, "trial")
    enqueue_at_once(sql, busy, 100, age="10 minutes")
    invitation = enqueue(
        sql,
        "test.noop",
        organization_id=new,
        run_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    first = claim(w)
    assert invitation in [j["id"] for j in first], "the new company's first job is in the pool"
    assert len(first) == TRIAL_POOL
    assert [j["id"] for j in first].index(invitation) <= 1, "behind at most one job of the other"


def test_organizations_take_turns_whatever_their_backlog(sql, w):
    a, b, c = organizations(sql, 3, "pro")
    enqueue_at_once(sql, a, 100, age="1 hour")
    enqueue_at_once(sql, b, 5, age="1 minute")
    enqueue_at_once(sql, c, 1)
    first = claim(w, batch=6, cap=None)
    assert [j["organization_id"] for j in first] == [a, b, c, a, b, a], "one each, in turns"
    assert [j["organization_id"] for j in claim(w, batch=4, cap=None)] == [a, b, a, b]


def test_a_trial_backlog_on_a_tarpit_receiver_does_not_hold_a_new_companys_email(
    db, sql, settings, mail_sink
):
    """Acme (on trial) has deliveries queued ten minutes ago to a receiver that drips its answer
    until the deadline; a new trial company's email queued five minutes ago is sent at once."""
    sql.execute("update public.organizations set plan_id = 'trial' where id = %s", (ACME,))
    server, _handler, endpoint_id = hostile_endpoint(db, "drip")
    try:
        for _ in range(12):
            send_test(db, endpoint_id)
        sql.execute(
            "update queue.job_queue set run_at = now() - interval '10 minutes'"
            " where kind = 'webhook.deliver'"
        )
        (new,) = organizations(sql, 1, "trial")
        email = enqueue(
            sql,
            "email.trial_expiring",
            {
                "to": "first@newco.test",
                "name": "Newco",
                "trial_ends_at": "2026-12-20T00:00:00+00:00",
            },
            organization_id=new,
            run_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
        )
        started = time.monotonic()
        with BackgroundWorker(configured(settings, webhook_timeout_seconds=4)):
            wait_until(lambda: mail_sink.messages, timeout=15)
            waited = time.monotonic() - started
            held = sql.execute(
                "select count(*) as n from queue.all_jobs"
                " where kind = 'webhook.deliver' and status = 'running'"
            ).fetchone()["n"]
    finally:
        server.shutdown()
    assert waited < 3, f"the email waited {waited:.1f}s behind the tarpit (its deadline is 4s)"
    assert held >= TRIAL_POOL - 1, "the rest of the pool still serves the busy organization"
    assert (
        sql.execute("select status from queue.all_jobs where id = %s", (email,)).fetchone()[
            "status"
        ]
        == "succeeded"
    )
    assert all(not d["succeeded"] for d in deliveries(sql, endpoint_id)), "none got an answer"


def test_a_stall_is_logged_once_and_shown_in_diagnostics(db, sql, settings, caplog):
    """Ready jobs the worker cannot take (here: rows locked by a stuck transaction) for longer
    than a lease: one error with the counts, and platform_diagnostics shows their age."""
    ids = [enqueue(sql, "test.noop", organization_id=ACME) for _ in range(3)]
    with psycopg.connect(db.dsn()) as stuck:
        stuck.execute("select id from queue.job_queue where id = any(%s) for update", (ids,))
        caplog.set_level(logging.INFO, logger="worker")
        with BackgroundWorker(
            configured(
                settings,
                registry=TEST_REGISTRY,
                lease_seconds=1,
                heartbeat_seconds=0.3,
                poll_seconds=0.1,
            )
        ):
            wait_until(
                lambda: [r for r in caplog.records if "claims have found nothing" in r.message],
                timeout=10,
            )
            time.sleep(2.5)  # a second check passes: still one error
            with db.postgrest().request(auth.api_key("service_role")) as staff:
                rows = staff.execute(
                    "select name, value from public.platform_diagnostics"
                    " where section = 'queue_ready'"
                ).fetchall()
            stuck.rollback()
            wait_until(
                lambda: (
                    sql.execute(
                        "select count(*) filter (where status = 'succeeded') as n"
                        " from queue.all_jobs where id = any(%s)",
                        (ids,),
                    ).fetchone()["n"]
                    == 3
                )
            )
            wait_until(lambda: [r for r in caplog.records if "take jobs again" in r.message])
    errors = [r for r in caplog.records if "claims have found nothing" in r.message]
    assert len(errors) == 1 and errors[0].levelno == logging.ERROR
    assert "3 job(s) are ready (3 claimable" in errors[0].getMessage()
    figures = dict(rows)
    assert figures["ready_unclaimed"] == 3
    assert figures["oldest_ready_seconds"] >= 1


def test_jobs_held_back_by_their_organizations_limit_are_not_a_stall(sql, w):
    enqueue_at_once(sql, ACME, 10)
    claim(w, cap=2)
    backlog = w.execute("select * from queue.ready_backlog(null, 2)").fetchone()
    assert backlog["ready"] == 8 and backlog["claimable"] == 0 and backlog["running"] == 2


# --- the property ------------------------------------------------------------------------------

JOB = st.tuples(
    st.integers(0, 6),  # organization: 0-2 trial, 3-5 paying, 6 platform (none)
    st.sampled_from([1, 100]),  # priority: ties are the point
    st.sampled_from([0, 0, 0, -1, -60, 60]),  # seconds from now: mostly one run_at; 60 is future
    st.sampled_from(["queued", "queued", "queued", "running"]),
)


@pytest.fixture
def property_db(db):
    with psycopg.connect(db.dsn(), autocommit=True, row_factory=dict_row) as conn:
        trials = organizations(conn, 3, "trial")
        paying = organizations(conn, 3, "pro")
    with psycopg.connect(db.dsn(), row_factory=dict_row) as conn:
        yield conn, [*trials, *paying, None]


@hsettings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    jobs=st.lists(JOB, max_size=40),
    batch=st.integers(1, 10),
    cap=st.integers(1, 4),
    pool=st.integers(1, 4),
)
def test_claims_progress_keep_limits_and_take_turns(property_db, jobs, batch, cap, pool):
    conn, orgs = property_db
    trial = {o: n < 3 for n, o in enumerate(orgs)}
    try:
        conn.execute("delete from queue.job_queue")
        conn.execute("update queue.settings set trial_running_limit = %s", (pool,))
        for org, priority, offset, status in jobs:
            conn.execute(
                "insert into queue.job_queue (organization_id, kind, priority, run_at, status,"
                " lease_owner, lease_expires_at, attempts)"
                " values (%s, 'test.noop', %s, now() + make_interval(secs => %s), %s,"
                " case when %s = 'running' then 'other' end,"
                " case when %s = 'running' then now() + interval '1 hour' end, 0)",
                (orgs[org], priority, offset, status, status, status),
            )
        before = {o: 0 for o in orgs}
        ready = {o: 0 for o in orgs}
        for org, _, offset, status in jobs:
            if status == "running":
                before[orgs[org]] += 1
            elif offset <= 0:
                ready[orgs[org]] += 1
        trial_before = sum(n for o, n in before.items() if o and trial[o])

        got = conn.execute(
            "select * from queue.claim('w1', null, %s, '30 seconds', %s)", (batch, cap)
        ).fetchall()

        taken = {o: 0 for o in orgs}
        for j in got:
            taken[j["organization_id"]] += 1
        assert len(got) <= batch
        for o in orgs:
            assert taken[o] <= ready[o]
            if o is not None:
                assert before[o] + taken[o] <= max(cap, before[o]), "per-organization limit"
        trial_taken = sum(n for o, n in taken.items() if o and trial[o])
        assert trial_before + trial_taken <= max(pool, trial_before), "trial pool"

        runnable = any(
            ready[o] and (o is None or (before[o] < cap and (not trial[o] or trial_before < pool)))
            for o in orgs
        )
        assert bool(got) == runnable, "a claim takes a job whenever one could run"

        # Turns: of two organizations of the same kind, one gets at most one more job than the
        # other unless the other had nothing more it could take.
        for x in orgs:
            for y in orgs:
                if x is None or y is None or trial[x] != trial[y]:
                    continue
                y_could_take_more = ready[y] > taken[y] and before[y] + taken[y] < cap
                if trial[y]:
                    y_could_take_more &= trial_before + trial_taken < pool
                if y_could_take_more:
                    assert taken[x] <= taken[y] + 1, (x, y, taken)
    finally:
        conn.rollback()
