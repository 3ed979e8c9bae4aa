"""Append through the full stack on PostgreSQL vs the library's lock-bound save() rate."""

import statistics
from typing import Any

from tests.bench.baseline import plain_application, save_rate
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, library_settings, url_for
from tests.bench.harness import Figure, alternate, ratio_figure
from tests.bench.load import run_load_process
from tests.bench.server import ledger_server

# The library's pool for its 32 threads: its table lock admits one writer at a time, so more
# connections than this only queue inside PostgreSQL (and the server is shared).
BASELINE_POOL = 16


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    with fresh_schema() as library_schema, fresh_schema() as ledger_schema:
        library = plain_application(library_settings(library_schema, pool_size=BASELINE_POOL))
        try:
            with ledger_server(
                ctx.scratch / "append",
                url_for(ledger_schema),
                LEDGER_THREADS=str(scale.clients),
            ) as base:
                save_rate(library, threads=scale.threads, seconds=scale.warmup)
                run_load_process(base, clients=scale.clients, seconds=scale.warmup)
                loads: list[dict[str, Any]] = []

                def full_stack() -> float:
                    result = run_load_process(base, clients=scale.clients, seconds=scale.seconds)
                    loads.append(result)
                    return float(result["rate"])

                pairs = alternate(
                    scale.rounds,
                    lambda: save_rate(library, threads=scale.threads, seconds=scale.seconds),
                    full_stack,
                )
        finally:
            library.close()
    failures: dict[str, int] = {}
    for load in loads:
        for status, count in load["failures"].items():
            failures[status] = failures.get(status, 0) + count
    note = f"failed requests: {failures}" if failures else ""
    p99s = [float(load["p99_ms"]) for load in loads]
    p99 = statistics.median(p99s)
    return [
        ratio_figure(
            f"append, full stack over HTTP, {scale.clients} clients",
            pairs,
            unit="events/s",
            target="≥ 1.5 x library save() rate",
            passes=lambda ratio: ratio >= 1.5,
            note=note,
        ),
        Figure(
            name=f"append p99 latency, {scale.clients} clients",
            value=p99,
            unit="ms",
            baseline=None,
            ratio=None,
            target="p99 ≤ 50 ms",
            passed=p99 <= 50,
            note=f"min {min(p99s):.1f} / max {max(p99s):.1f} ms over rounds",
        ),
    ]
