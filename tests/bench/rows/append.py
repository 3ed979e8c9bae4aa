"""Append through the full stack on PostgreSQL vs the library's lock-bound save() rate.

Three contenders take turns each round: the library's save() from N threads, `ledger serve`
with group commit (the default) and `ledger serve` with LEDGER_GROUP_COMMIT=off.
"""

import os
import statistics
from collections.abc import Callable
from typing import Any

from api.config import Settings
from tests.bench.baseline import plain_application, save_rate
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, library_settings, url_for
from tests.bench.harness import Figure, ratio_figure, rotate
from tests.bench.load import run_load_process
from tests.bench.server import Server, ledger_server, postgres_cpu_seconds, postgres_cpu_since

# The library's pool for its 32 threads: its table lock admits one writer at a time, so more
# connections than this only queue inside PostgreSQL (and the server is shared).
BASELINE_POOL = 16
# As in production (docs/read-side.md): the API process keeps no projections current itself; a
# worker process does, and the commit -> view lag row measures that worker (rows/lag.py).
PROJECTIONS = "off"


def server_env(clients: int, **env: str) -> dict[str, str]:
    """As production serves PostgreSQL: its default processes (LEDGER_WORKERS overrides), with
    threads enough between them for every client at once."""
    processes = Settings.from_env({**os.environ, "LEDGER_DATABASE_URL": url_for("x")}).processes
    return {
        "LEDGER_WORKERS": str(processes),
        "LEDGER_THREADS": str(-(-clients // processes)),
        "LEDGER_PROJECTIONS": PROJECTIONS,
        **env,
    }


def _failures(loads: list[dict[str, Any]]) -> str:
    failures: dict[str, int] = {}
    for load in loads:
        for status, count in load["failures"].items():
            failures[status] = failures.get(status, 0) + count
    return f"failed requests: {failures}" if failures else ""


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    loads: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    with (
        fresh_schema() as library_schema,
        fresh_schema() as on_schema,
        fresh_schema() as off_schema,
    ):
        library = plain_application(library_settings(library_schema, pool_size=BASELINE_POOL))
        try:
            with (
                ledger_server(
                    ctx.scratch / "append-on", url_for(on_schema), **server_env(scale.clients)
                ) as on,
                ledger_server(
                    ctx.scratch / "append-off",
                    url_for(off_schema),
                    **server_env(scale.clients, LEDGER_GROUP_COMMIT="off"),
                ) as off,
            ):
                save_rate(library, threads=scale.threads, seconds=scale.warmup)
                for server in (on, off):
                    run_load_process(server.base, clients=scale.clients, seconds=scale.warmup)

                def served(key: str, server: Server) -> Callable[[], float]:
                    def run() -> float:
                        cpu, postgres = server.cpu_seconds(), postgres_cpu_seconds()
                        result = run_load_process(
                            server.base, clients=scale.clients, seconds=scale.seconds
                        )
                        ok = max(1, result["ok"])
                        result["server_cpu_ms"] = 1000 * (server.cpu_seconds() - cpu) / ok
                        result["postgres_cpu_ms"] = 1000 * postgres_cpu_since(postgres) / ok
                        loads[key].append(result)
                        return float(result["rate"])

                    return run

                rates = rotate(
                    scale.rounds,
                    {
                        "library": lambda: save_rate(
                            library, threads=scale.threads, seconds=scale.seconds
                        ),
                        "on": served("on", on),
                        "off": served("off", off),
                    },
                )
        finally:
            library.close()
    p99s = [float(load["p99_ms"]) for load in loads["on"]]
    p99 = statistics.median(p99s)
    server_cpu = statistics.median(float(load["server_cpu_ms"]) for load in loads["on"])
    client_cpu = statistics.median(float(load["client_cpu_ms"]) for load in loads["on"])
    postgres_cpu = statistics.median(float(load["postgres_cpu_ms"]) for load in loads["on"])
    # What the machine could serve if every core did nothing but this load: the rate no server
    # code can beat here, however fast, while PostgreSQL and the clients share its cores.
    cores = os.cpu_count() or 1
    ceiling = 1000 * cores / (server_cpu + postgres_cpu + client_cpu)
    floor = 1000 * cores / (postgres_cpu + client_cpu)
    return [
        ratio_figure(
            f"append, full stack over HTTP, {scale.clients} clients",
            list(zip(rates["library"], rates["on"], strict=True)),
            unit="events/s",
            target="≥ 1.5 x library save() rate",
            passes=lambda ratio: ratio >= 1.5,
            note=_failures(loads["on"]),
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
        Figure(
            name="server CPU per request (full stack, group commit)",
            value=server_cpu,
            unit="ms",
            baseline=None,
            ratio=None,
            target="report",
            passed=None,
            note=f"load generator: {client_cpu:.2f} ms per request",
        ),
        Figure(
            name="PostgreSQL CPU per request (full stack, group commit)",
            value=postgres_cpu,
            unit="ms",
            baseline=None,
            ratio=None,
            target="report",
            passed=None,
            note=(
                f"all of this host's PostgreSQL processes; the {cores} cores could serve at most "
                f"{ceiling:,.0f} requests/s at these costs, and {floor:,.0f}/s with no server CPU"
            ),
        ),
        ratio_figure(
            "full stack: group commit on vs off",
            list(zip(rates["off"], rates["on"], strict=True)),
            unit="events/s",
            target="report",
            passes=None,
            note=_failures(loads["off"]),
        ),
    ]
