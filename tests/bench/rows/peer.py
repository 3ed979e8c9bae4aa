"""The full stack vs the peer to beat (tests/bench/peer), under the same server shape.

Both services serve the same closed-loop load (32 keep-alive clients: register, seven
transitions, one read) on the same PostgreSQL, in turns (A B, B A, ...), at one process and at
one process per CPU (waitress 1 x 16 threads; gunicorn N x 16). The ledger runs as production
does with its projections in a worker process of their own (rows/append.py): off here.
"""

import os
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.harness import Figure, alternate, ratio_figure
from tests.bench.load import run_load_process
from tests.bench.rows.append import PROJECTIONS
from tests.bench.server import Server, ledger_server, peer_server

THREADS = 16  # per server process, both services (the ledger's default LEDGER_THREADS)
READS = 1  # GETs of each complaint after its loop


def shapes(scale_name: str) -> list[int]:
    """Server processes to compare at: one, and one per CPU (the tiny run: one only, for time)."""
    per_core = os.cpu_count() or 1
    if scale_name == "tiny":
        return [1]
    return [1] if per_core == 1 else [1, per_core]


def _failures(loads: list[dict[str, Any]]) -> str:
    failures: dict[str, int] = {}
    for load in loads:
        for status, count in load["failures"].items():
            failures[status] = failures.get(status, 0) + count
    return f"failed requests: {failures}" if failures else ""


def _shape_figures(ctx: BenchContext, processes: int) -> list[Figure]:
    scale = ctx.scale
    loads: dict[str, list[dict[str, Any]]] = {"peer": [], "ledger": []}

    def load(key: str, server: Server) -> float:
        result = run_load_process(
            server.base, clients=scale.clients, seconds=scale.seconds, reads=READS
        )
        loads[key].append(result)
        return float(result["rate"])

    with fresh_schema() as peer_schema, fresh_schema() as ledger_schema:
        with (
            peer_server(
                ctx.scratch / f"peer-{processes}", peer_schema, workers=processes, threads=THREADS
            ) as peer,
            ledger_server(
                ctx.scratch / f"ledger-{processes}",
                url_for(ledger_schema),
                LEDGER_WORKERS=str(processes),
                LEDGER_THREADS=str(THREADS),
                LEDGER_PROJECTIONS=PROJECTIONS,
            ) as ledger,
        ):
            for server in (peer, ledger):
                run_load_process(server.base, clients=scale.clients, seconds=scale.warmup)
            rates = alternate(
                scale.rounds, lambda: load("peer", peer), lambda: load("ledger", ledger)
            )
    shape = f"{processes} x {THREADS} threads"
    p99s = [
        (float(a["p99_ms"]), float(b["p99_ms"]))
        for a, b in zip(loads["peer"], loads["ledger"], strict=True)
    ]
    return [
        ratio_figure(
            f"full stack vs peer, requests/s, {scale.clients} clients, {shape}",
            rates,
            unit="requests/s",
            target="≥ 1.0 x the peer",
            passes=lambda ratio: ratio >= 1.0,
            note=_failures(loads["ledger"] + loads["peer"]),
        ),
        ratio_figure(
            f"full stack vs peer, p99 latency, {scale.clients} clients, {shape}",
            p99s,
            unit="ms",
            target="≤ 1.0 x the peer's p99",
            passes=lambda ratio: ratio <= 1.0,
        ),
    ]


def measure(ctx: BenchContext) -> list[Figure]:
    figures: list[Figure] = []
    for processes in shapes(ctx.scale.name):
        figures.extend(_shape_figures(ctx, processes))
    return figures
