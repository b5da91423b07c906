"""Prometheus metrics and the worker's small HTTP server: /healthz, /metrics, /hooks/resend."""

from __future__ import annotations

import bisect
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, make_wsgi_app
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

log = logging.getLogger(__name__)


class _Buckets:
    """One labelled histogram's counts. Observed on the event loop only, per job: a bisect and
    two additions, where prometheus_client's Histogram takes a lock per bucket and per sum (two
    observations a job were a tenth of the worker's time in a drain of quick jobs). Read by the
    scrape thread; a scrape may see a count and its sum one observation apart."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]):
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last: above every bound (+Inf)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value


class LightHistogram(Collector):
    """A Prometheus histogram by label value, exported as prometheus_client's would be."""

    def __init__(self, name: str, documentation: str, label: str, buckets: tuple[float, ...]):
        self.name, self.documentation, self.label = name, documentation, label
        self.bounds = tuple(sorted(buckets))
        self._children: dict[str, _Buckets] = {}

    def labels(self, value: str) -> _Buckets:
        child = self._children.get(value)
        if child is None:
            child = self._children[value] = _Buckets(self.bounds)
        return child

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=[self.label])
        for value, child in list(self._children.items()):
            counts, running, buckets = list(child.counts), 0, []
            for bound, count in zip((*self.bounds, float("inf")), counts, strict=True):
                running += count
                buckets.append((floatToGoString(bound), running))
            family.add_metric([value], buckets, sum_value=child.total)
        yield family


@dataclass(frozen=True)
class KindMetrics:
    """One kind's metric children, looked up once: labels() costs microseconds a call, and a
    job would otherwise pay it four times."""

    claimed: Any
    succeeded: Any
    retried: Any
    dead: Any
    duration: Any
    start_latency: Any


class Metrics:
    def __init__(self) -> None:
        self._kinds: dict[str, KindMetrics] = {}
        self.registry = CollectorRegistry()
        self.claimed = Counter(
            "fieldbase_jobs_claimed", "Jobs claimed", ["kind"], registry=self.registry
        )
        self.succeeded = Counter(
            "fieldbase_jobs_succeeded", "Jobs that succeeded", ["kind"], registry=self.registry
        )
        self.failed = Counter(
            "fieldbase_jobs_failed",
            "Failed attempts, by what happens next (retry or dead)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.duration = LightHistogram(
            "fieldbase_job_duration_seconds",
            "Time a handler ran",
            "kind",
            buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.start_latency = LightHistogram(
            "fieldbase_job_start_latency_seconds",
            "Time from when a job was due to when a worker started it",
            "kind",
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300),
        )
        self.registry.register(self.duration)
        self.registry.register(self.start_latency)
        self.in_flight = Gauge(
            "fieldbase_jobs_in_flight", "Jobs this worker is running", registry=self.registry
        )
        self.queue_depth = Gauge(
            "fieldbase_queue_depth",
            "Jobs waiting or running, by kind and status (all workers)",
            ["kind", "status"],
            registry=self.registry,
        )

    def kind(self, kind: str) -> KindMetrics:
        found = self._kinds.get(kind)
        if found is None:
            found = self._kinds[kind] = KindMetrics(
                claimed=self.claimed.labels(kind),
                succeeded=self.succeeded.labels(kind),
                retried=self.failed.labels(kind, "retry"),
                dead=self.failed.labels(kind, "dead"),
                duration=self.duration.labels(kind),
                start_latency=self.start_latency.labels(kind),
            )
        return found

    def set_depth(self, rows: list[dict[str, Any]]) -> None:
        self.queue_depth.clear()
        for row in rows:
            self.queue_depth.labels(row["kind"], row["status"]).set(row["jobs"])


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http " + format, *args)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class HttpServer:
    """Serves /healthz (from health()) and /metrics in a background thread, for the internal
    network (the endpoints that face the internet are worker/inbound.py)."""

    def __init__(
        self,
        host: str,
        port: int,
        metrics: Metrics,
        health: Callable[[], tuple[bool, dict[str, Any]]],
    ):
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._health = health
        self._server = make_server(host, port, self._app, _Server, _QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="worker-http", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/metrics" and method == "GET":
            return self._metrics_app(environ, start_response)
        if path == "/healthz" and method == "GET":
            ok, detail = self._health()
            return json_response(start_response, 200 if ok else 503, detail)
        return json_response(start_response, 404, {"error": "not found"})


def json_response(start_response: Callable, status: int, body: dict[str, Any]) -> list[bytes]:
    """A WSGI JSON answer (the internal server's and the inbound endpoints')."""
    data = json.dumps(body, default=str).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


class Liveness:
    """When the loop last went round and when the database last answered."""

    def __init__(self, stale_after: float):
        self.stale_after = stale_after
        self.loop_at = time.monotonic()
        self.database_at = 0.0
        self.database_error: str | None = None
        self.stopping = False

    def report(self) -> tuple[bool, dict[str, Any]]:
        now = time.monotonic()
        loop_age = now - self.loop_at
        db_age = now - self.database_at if self.database_at else None
        ok = (
            not self.stopping
            and loop_age < self.stale_after
            and db_age is not None
            and db_age < self.stale_after
        )
        return ok, {
            "ok": ok,
            "stopping": self.stopping,
            "loop_seconds_ago": round(loop_age, 3),
            "database_seconds_ago": None if db_age is None else round(db_age, 3),
            "database_error": self.database_error,
        }
