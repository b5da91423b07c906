"""The benchmarks (scripts/bench): RLS cost, queue throughput against its peers, latency,
writes, handlers and the soak, on data generated set-based (scripts/generate)."""
