"""The embedded default (SQLite) through the full stack vs plain `eventsourcing` on SQLite."""

from typing import Any

from tests.bench.baseline import plain_application, save_rate
from tests.bench.context import BenchContext
from tests.bench.harness import Figure, alternate, ratio_figure
from tests.bench.load import run_load_process
from tests.bench.server import ledger_server


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    directory = ctx.scratch / "sqlite"
    directory.mkdir(parents=True, exist_ok=True)
    library = plain_application(
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(directory / "library.db"),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    )
    loads: list[dict[str, Any]] = []
    try:
        with ledger_server(directory, f"sqlite:///{directory / 'ledger.db'}") as server:
            base = server.base
            clients = scale.sqlite_clients
            save_rate(library, threads=clients, seconds=scale.warmup)
            run_load_process(base, clients=clients, seconds=scale.warmup)

            def full_stack() -> float:
                result = run_load_process(base, clients=clients, seconds=scale.seconds)
                loads.append(result)
                return float(result["rate"])

            pairs = alternate(
                scale.rounds,
                lambda: save_rate(library, threads=clients, seconds=scale.seconds),
                full_stack,
            )
    finally:
        library.close()
    p99 = sorted(float(load["p99_ms"]) for load in loads)[len(loads) // 2]
    return [
        ratio_figure(
            f"SQLite embedded default, full stack, {scale.sqlite_clients} clients",
            pairs,
            unit="events/s",
            target="report",
            passes=None,
            note=f"p99 {p99:.0f} ms",
        )
    ]
