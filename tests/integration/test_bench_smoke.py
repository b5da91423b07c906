"""A small run of scripts/bench, so the benchmarks cannot rot: every figure the benchmarks issue
names comes out, and the measurements are numbers. (The targets are for the full run.)"""

from __future__ import annotations

import json
import subprocess
import sys

from fieldbase_local import settings

FIGURES = [
    "rls_overhead_ratio",
    "rls_p95_ms",
    "rls_plan_checks",
    "rls_prepared_overhead_ratio",
    "rls_prepared_p95_ms",
    "rls_two_backends_overhead_ratio",
    "queue_jobs_per_s",
    "queue_jobs_per_s_4_workers",
    "queue_jobs_per_s_pooler",
    "queue_enqueue_jobs_per_s",
    "queue_latency_p50_ms",
    "queue_latency_p95_ms",
    "audit_insert_ratio",
    "pre_request_overhead_ms",
    "pre_request_round_trip_ms",
    "pdf_invoices_per_s",
    "emails_per_s",
    "webhooks_per_s",
    "queue_worker_cpu_us_per_job",
    "queue_server_cpu_us_per_job",
    "queue_wal_bytes_per_job",
]
# Counts that may be zero (the soak's faults must lose nothing).
COUNTS = [
    "soak_jobs_lost",
    "soak_jobs_duplicated_effects",
    "soak_jobs_wrongly_dead",
    "soak_recovery_s",
]


def test_a_smoke_run_prints_every_figure():
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--json"],
        cwd=settings.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    missing = [name for name in FIGURES + COUNTS if name not in figures]
    assert missing == []
    numbers = {k: v for k, v in figures.items() if k in FIGURES and k != "rls_plan_checks"}
    not_positive = {k: v for k, v in numbers.items() if not (isinstance(v, int | float) and v > 0)}
    assert not_positive == {}
    assert figures["rls_plan_checks"] == "pass" or isinstance(figures["rls_plan_checks"], list)
    assert "queue_graphile_worker_jobs_per_s" in figures
    assert "queue_procrastinate_jobs_per_s" in figures
    # The soak killed a worker, restarted the database, and lost nothing and killed nothing.
    assert figures["soak_kills"] >= 1 and figures["soak_database_restarts"] == 1
    assert figures["soak_jobs_lost"] == 0 and figures["soak_jobs_wrongly_dead"] == 0
    # None when the killed worker held nothing; else within a lease, the reaping period and the
    # soak's 0.1 s look (half a second for a loaded 2-core machine).
    recovery = figures["soak_recovery_s"]
    bound = figures["soak_lease_seconds"] + figures["soak_reap_seconds"] + 0.6
    assert recovery is None or recovery <= bound
