"""The worker's own histogram exports exactly what prometheus_client's Histogram would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from worker.observability import LightHistogram

BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300)


def exported(registry: CollectorRegistry) -> list[str]:
    # prometheus_client adds a _created sample (when the child was made); ours has none.
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if "_created" not in line]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["email.send", "pdf.render"]),
            # Bounds themselves included: a value on a bound falls in that bound's bucket.
            st.one_of(st.sampled_from(BUCKETS), st.floats(0, 1000, allow_nan=False)),
        ),
        max_size=60,
    )
)
def test_the_light_histogram_exports_what_prometheus_client_would(observations):
    theirs_registry, ours_registry = CollectorRegistry(), CollectorRegistry()
    theirs = Histogram(
        "job_seconds", "Seconds", ["kind"], buckets=BUCKETS, registry=theirs_registry
    )
    ours = LightHistogram("job_seconds", "Seconds", "kind", buckets=BUCKETS)
    ours_registry.register(ours)
    for kind, value in observations:
        theirs.labels(kind).observe(value)
        ours.labels(kind).observe(value)
    assert exported(ours_registry) == exported(theirs_registry)
