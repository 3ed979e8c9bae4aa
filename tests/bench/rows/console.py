"""The console's main pages vs the JSON requests that return the same data, over real HTTP.

On a served ledger of `events // 5` worked cases (200 k in the full run, tests/bench/case_set.py)
one client signed in to the console (a session cookie, as a browser) and one with the same
token on the API take turns (A B, B A, ...); each turn GETs one page for `seconds` (cases
picked at random from the whole set) and reports its p95. Pages and their JSON twins:

- My work of an agent: `GET /v1/complaints?owner=…&sort=due` (the same 50 open cases);
- My work of department staff: `GET /v1/departments/<d>/queue?sort=due&limit=50` and the
  handoffs coming in (`GET /v1/handoffs?direction=in&state=requested`);
- the cases list: `GET /v1/complaints?department=…&sort=due`;
- a case page: `GET /v1/complaints/<id>`, its `/history` and its `/sla` (what the page shows);
- the incident board: `GET /v1/incidents?sort=due&limit=200`.
"""

import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.bench.case_set import AGENT, DEPARTMENT, CaseSet, case_count, served_cases
from tests.bench.context import BenchContext
from tests.bench.harness import Figure, alternate, percentile, ratio_figure
from tests.bench.page_client import PageClient

TARGET_MS = 200
MIN_REQUESTS = 10  # per turn, however short the turn


@dataclass(frozen=True)
class Pair:
    """A console page and the JSON requests of the same data, for a case picked at random."""

    name: str
    staff: bool  # signed in as department staff (else as the agent)
    console: Callable[[str, str], str]
    json: Callable[[str, str], list[str]]


PAIRS = (
    Pair(
        "My work (agent)",
        False,
        lambda _id, _ref: "/console/",
        lambda _id, _ref: [f"/v1/complaints?owner={AGENT}&sort=due&limit=50"],
    ),
    Pair(
        "My work (department staff)",
        True,
        lambda _id, _ref: "/console/",
        lambda _id, _ref: [
            f"/v1/departments/{DEPARTMENT}/queue?sort=due&limit=50",
            f"/v1/handoffs?department={DEPARTMENT}&direction=in&state=requested&limit=50",
        ],
    ),
    Pair(
        "cases list",
        False,
        lambda _id, _ref: f"/console/lists/cases?department={DEPARTMENT}&sort=due",
        lambda _id, _ref: [f"/v1/complaints?department={DEPARTMENT}&sort=due"],
    ),
    Pair(
        "case page",
        False,
        lambda _id, ref: f"/console/cases/{ref}",
        lambda cid, _ref: [
            f"/v1/complaints/{cid}",
            f"/v1/complaints/{cid}/history",
            f"/v1/complaints/{cid}/sla",
        ],
    ),
    Pair(
        "incident board",
        False,
        lambda _id, _ref: "/console/incidents",
        lambda _id, _ref: ["/v1/incidents?sort=due&limit=200"],
    ),
)


def _p95(seconds: float, one: Callable[[random.Random], float]) -> float:
    """The p95 in ms of `one` called in a loop for `seconds` (at least MIN_REQUESTS times)."""
    rng = random.Random(0)
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at or len(latencies) < MIN_REQUESTS:
        latencies.append(one(rng))
    return percentile(latencies, 0.95)


def _pair_figure(ctx: BenchContext, cases: CaseSet, pair: Pair) -> Figure:
    base = cases.server.base
    token = cases.staff_token if pair.staff else os.environ["BENCH_TOKEN"]
    page, api = PageClient.console(base, token), PageClient.api(base, token)
    try:

        def console(rng: random.Random) -> float:
            return page.get(pair.console(*rng.choice(cases.sample)))

        def as_json(rng: random.Random) -> float:
            return sum(api.get(path) for path in pair.json(*rng.choice(cases.sample)))

        warmup = ctx.scale.warmup
        _p95(warmup, console), _p95(warmup, as_json)
        pairs = alternate(
            ctx.scale.rounds,
            lambda: _p95(ctx.scale.seconds, as_json),
            lambda: _p95(ctx.scale.seconds, console),
        )
    finally:
        page.close()
        api.close()
    return ratio_figure(
        f"console page p95, {pair.name}, {cases.cases:,} cases vs the same data as JSON",
        pairs,
        unit="ms",
        target=f"p95 < {TARGET_MS} ms",
        passes=lambda _: statistics.median(b for _, b in pairs) < TARGET_MS,
    )


def measure(ctx: BenchContext) -> list[Figure]:
    cases = case_count(ctx.scale.events)
    with served_cases(ctx.scratch / "console", cases=cases, clients=ctx.scale.clients) as served:
        return [_pair_figure(ctx, served, pair) for pair in PAIRS]
