"""List and queue reads over HTTP vs a primary-key read of one case over HTTP, 32 clients.

On the served ledger of worked cases (200 k in the full run, tests/bench/case_set.py), a
reader process of `query_clients` keep-alive clients (tests/bench/read_load.py) GETs, in turns
(A B, B A, ...): one case by id (`GET /v1/complaints/<id>`, a random one of the whole set), or
a page of 50 from the lists and queues staff use (the case list unfiltered, by department, by
status, not breached, soonest due first, a search by reference; a department's queue).
Closed-loop clients on a small machine queue behind each other, so each side's p99 is mostly
its CPU per request times the clients: the note gives the server's CPU per request of each.
"""

import json
import random
import statistics
from pathlib import Path

from tests.bench.case_set import DEPARTMENT, case_count, served_cases
from tests.bench.context import BenchContext
from tests.bench.harness import Figure, alternate, ratio_figure
from tests.bench.read_load import run_read_process

PATHS = 2_000  # the paths each side's clients pick from


def _lists(references: list[str]) -> list[str]:
    fixed = [
        "/v1/complaints?limit=50",
        f"/v1/complaints?department={DEPARTMENT}&limit=50",
        "/v1/complaints?status=classified&limit=50",
        "/v1/complaints?breached=false&limit=50",
        f"/v1/complaints?department={DEPARTMENT}&sort=due&limit=50",
        f"/v1/departments/{DEPARTMENT}/queue?limit=50",
    ]
    rng = random.Random(1)
    searches = [f"/v1/complaints?q={rng.choice(references)}&limit=50" for _ in range(PATHS)]
    # As many searches as each fixed list, as the in-process figure mixes them (rows/large.py).
    return fixed * (PATHS // len(fixed)) + searches[: PATHS // len(fixed)]


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    cases = case_count(scale.events)
    scratch = ctx.scratch / "lists-http"
    with served_cases(scratch, cases=cases, clients=scale.query_clients) as served:
        by_key = scratch / "by-key.json"
        by_key.write_text(json.dumps([f"/v1/complaints/{cid}" for cid, _ in served.sample]))
        lists = scratch / "lists.json"
        lists.write_text(json.dumps(_lists([ref for _, ref in served.sample])))

        cpu: dict[Path, list[float]] = {by_key: [], lists: []}  # server CPU ms per request

        def p99(paths: Path, seconds: float) -> float:
            before = served.server.cpu_seconds()
            result = run_read_process(
                served.server.base, clients=scale.query_clients, seconds=seconds, paths=paths
            )
            cpu[paths].append(1000 * (served.server.cpu_seconds() - before) / result["ok"])
            return float(result["p99_ms"])

        p99(by_key, scale.warmup), p99(lists, scale.warmup)
        pairs = alternate(
            scale.rounds, lambda: p99(by_key, scale.seconds), lambda: p99(lists, scale.seconds)
        )
    per_request = {paths: statistics.median(found[1:]) for paths, found in cpu.items()}
    return [
        ratio_figure(
            f"list/queue reads over HTTP p99, {scale.query_clients} clients, {cases:,} cases "
            "vs primary-key read of one case over HTTP",
            pairs,
            unit="ms",
            target="p99 < 50 ms and ≤ 2 x",
            passes=lambda ratio: statistics.median(b for _, b in pairs) < 50 and ratio <= 2,
            note=f"server CPU per request: {per_request[lists]:.2f} ms a page, "
            f"{per_request[by_key]:.2f} ms a case by key",
        )
    ]
