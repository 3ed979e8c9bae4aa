"""The large ledger (1 M events in the full run): verify, RSS, inclusion proofs, catch-up, queries.

One ledger is generated (batched through the recorder, tests/bench/generate.py) and serves five
rows, each against a baseline taken on the same database in the same run:

- `ledger verify` (a process of its own, tests/bench/verify_child.py) vs a raw sequential read
  of the events table; its peak RSS at `first_events` and at the full size;
- an inclusion proof in the signed tree vs a primary-key select of one leaf;
- a rebuild of the status view (`case_status`) vs a raw read-and-decode of the notification log;
- a rebuild of the notification outbox vs the same, over the same log (a tenth of it the
  notification trail: automatic escalations, their notices and every delivery attempt);
- list and department-queue queries from `query_clients` threads on the rebuilt view vs
  primary-key selects of single cases from as many threads.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from json import JSONDecoder
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from psycopg import sql

from api.config import Settings
from api.wiring.integrity import build_integrity
from api.wiring.ledger import build_ledger
from ledger.application.service import LedgerApplication
from ledger.integrity.service import Integrity
from projections.cases.queries import CaseFilter, department_queue, get_case, list_cases
from projections.cases.status_view import CASE_STATUS
from projections.engine.read_side import ReadSide
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.disk import disk_figure
from tests.bench.generate import generate_events, generate_notices
from tests.bench.harness import Figure, alternate, percentile, ratio_figure, timed
from tests.bench.server import BENCH_MASTER_KEY, BENCH_SIGNING_KEY

PER_COMPLAINT = 5  # events per generated complaint: 1 M events make 200 k cases
NOTICE_SHARE = 10  # one event in ten is of the notification trail
PAGE = 1_000


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    rounds = 3 if scale.name == "full" else 2  # each round reads the whole large ledger
    figures: list[Figure] = []
    with fresh_schema() as schema:
        env = {
            "LEDGER_DATA_DIR": str(ctx.scratch / "large"),
            "LEDGER_DATABASE_URL": url_for(schema, pool_size=str(scale.query_clients + 4)),
            "LEDGER_MASTER_KEY": BENCH_MASTER_KEY,
            "LEDGER_SIGNING_KEY": BENCH_SIGNING_KEY,
        }
        settings = Settings.from_env(env)
        app = build_ledger(settings)
        try:
            integrity = build_integrity(settings, app)
            now = app.clock.now()
            started = time.perf_counter()
            generate_events(app, events=scale.first_events, at=now, per_complaint=PER_COMPLAINT)
            integrity.checkpoint()
            generated = time.perf_counter() - started
            # Peak RSS does not depend on the CPU share, so these run side by side.
            first_rss = [r["rss_mib"] for r in _verify_all(env, rounds)]
            started = time.perf_counter()
            notices = generate_notices(app, events=scale.events // NOTICE_SHARE, at=now)
            generate_events(
                app,
                events=scale.events - scale.first_events - notices,
                at=now,
                per_complaint=PER_COMPLAINT,
                prefix="GEN2",
            )
            integrity.checkpoint()
            generated += time.perf_counter() - started
            figures.extend(
                ctx.show(figure)
                for figure in _verify_figures(
                    app, env, rounds, first_rss, scale.events, scale.first_events
                )
            )
            figures.append(ctx.show(disk_figure(app, scale.events)))
            figures.append(ctx.show(_proof_figure(integrity, rounds, scale.events)))
            side = ReadSide(app)
            figures.append(ctx.show(_catch_up_figure(app, side, rounds)))
            figures.append(ctx.show(_outbox_figure(app, side, rounds)))
            figures.append(
                ctx.show(_query_figure(side, scale.query_clients, scale.seconds, rounds))
            )
            figures.append(
                Figure(
                    name="large-ledger generator incl. tree and checkpoints (batched, recorder)",
                    value=scale.events / generated,
                    unit="events/s",
                    baseline=None,
                    ratio=None,
                    target="report",
                    passed=None,
                    note=f"{scale.events:,} events",
                )
            )
        finally:
            app.close()
    return figures


# -- ledger verify -----------------------------------------------------------------------------


def _verify(env: dict[str, str]) -> dict[str, Any]:
    return _verify_all(env, 1)[0]


def _verify_all(env: dict[str, str], count: int) -> list[dict[str, Any]]:
    """Run `count` verify processes at once; each one's result."""
    # Each with the pool `ledger verify` has (none named in the URL), not the queries' pool of
    # this process: a pool opens its size in connections at once, and three of 36 beside this
    # one's exceed PostgreSQL's default max_connections (100).
    parts = urlsplit(env["LEDGER_DATABASE_URL"])
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("pool_size", "max_overflow")]
    url = urlunsplit(parts._replace(query=urlencode(query)))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bench.verify_child"],
            env={**os.environ, **env, "LEDGER_DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=3_600)
        if process.returncode != 0:
            raise RuntimeError(f"verify child failed: {err[-2000:]}")
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        if not result["intact"]:
            raise RuntimeError("the generated ledger does not verify")
        results.append(result)
    return results


def raw_read_rate(app: LedgerApplication) -> float:
    """Events per second of a keyset-paged sequential read of the whole events table."""
    recorder: Any = app.recorder
    datastore = recorder.datastore
    statement = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state, chain_hash "
        "FROM {schema}.{table} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(
        schema=sql.Identifier(datastore.schema), table=sql.Identifier(recorder.events_table_name)
    )
    read = 0
    started = time.perf_counter()
    with datastore.transaction(commit=False) as cursor:
        position = 0
        while True:
            cursor.execute(statement, (position, PAGE))
            rows = cursor.fetchall()
            if not rows:
                break
            read += len(rows)
            position = rows[-1]["notification_id"]
    return read / (time.perf_counter() - started)


def _verify_figures(
    app: LedgerApplication,
    env: dict[str, str],
    rounds: int,
    first_rss: list[float],
    events: int,
    first_events: int,
) -> list[Figure]:
    rss: list[float] = []

    def verify_rate() -> float:
        result = _verify(env)
        rss.append(result["rss_mib"])
        return float(result["events"]) / float(result["seconds"])

    pairs = alternate(rounds, lambda: raw_read_rate(app), verify_rate)
    return [
        ratio_figure(
            f"ledger verify over {events:,} events vs raw sequential read of the events table",
            pairs,
            unit="events/s",
            target="≥ 0.8 x raw keyset read",
            passes=lambda ratio: ratio >= 0.8,
        ),
        ratio_figure(
            f"ledger verify peak RSS at {events:,} vs at {first_events:,} events",
            list(zip(first_rss, rss, strict=True)),
            unit="MiB",
            target="flat (ratio ≤ 1.25)",
            passes=lambda ratio: ratio <= 1.25,
        ),
    ]


# -- inclusion proofs --------------------------------------------------------------------------


def _latencies(samples: int, one: Callable[[int], object], size: int) -> float:
    """The p99 in ms of `samples` calls of `one` on random positions 1..size."""
    times = []
    for _ in range(samples):
        nid = random.randint(1, size)
        started = time.perf_counter()
        one(nid)
        times.append(1000 * (time.perf_counter() - started))
    return percentile(times, 0.99)


def _proof_figure(integrity: Integrity, rounds: int, events: int) -> Figure:
    samples = 200 if events < 100_000 else 1_000
    tables = integrity.tables
    # The leaves the latest checkpoint covers: a proof needs one, and the checkpoint's own
    # record (a leaf after it) waits for the next.
    size = tables.checkpoints(latest=True)[-1].tree_size

    def leaf(nid: int) -> object:
        return tables.leaf_for_notification(nid)

    def proof(nid: int) -> object:
        return integrity.inclusion_proof(notification_id=nid)

    _latencies(20, proof, size)
    pairs = alternate(
        rounds, lambda: _latencies(samples, leaf, size), lambda: _latencies(samples, proof, size)
    )
    return ratio_figure(
        f"inclusion proof p99 in a {size:,}-leaf tree vs primary-key select of one leaf",
        pairs,
        unit="ms",
        target="p99 < 5 ms",
        passes=lambda _: max(b for _, b in pairs) < 5,
    )


# -- projection catch-up -----------------------------------------------------------------------


def _read_and_decode_rate(app: LedgerApplication, topics: frozenset[str]) -> float:
    """Events per second of reading the log and decoding the JSON of every event of `topics`.

    The decoding is written out here: the projections' own reader (`read_events`) decodes
    lazily, and the baseline must stay the full read-and-decode it has always been.
    """
    decode = JSONDecoder().decode
    read = position = 0
    started = time.perf_counter()
    while notifications := list(app.recorder.select_notifications(start=position + 1, limit=PAGE)):
        for notification in notifications:
            if notification.topic in topics:
                decode(notification.state.decode("utf-8"))
        position, read = notifications[-1].id, read + len(notifications)
    return read / (time.perf_counter() - started)


def _catch_up_figure(app: LedgerApplication, side: ReadSide, rounds: int) -> Figure:
    head = side.head()
    topics = side.projection("case_status").topics
    pairs = alternate(
        rounds,
        lambda: _read_and_decode_rate(app, topics),
        lambda: head / timed(lambda: side.rebuild("case_status")),
    )
    return ratio_figure(
        f"projection catch-up: case_status rebuild over {head:,} events vs raw read-and-decode",
        pairs,
        unit="events/s",
        target="≥ 0.5 x raw read-and-decode",
        passes=lambda ratio: ratio >= 0.5,
    )


def _outbox_figure(app: LedgerApplication, side: ReadSide, rounds: int) -> Figure:
    head = side.head()
    topics = side.projection("outbox").topics
    pairs = alternate(
        rounds,
        lambda: _read_and_decode_rate(app, topics),
        lambda: head / timed(lambda: side.rebuild("outbox")),
    )
    return ratio_figure(
        f"notification outbox catch-up: rebuild over {head:,} events vs raw read-and-decode",
        pairs,
        unit="events/s",
        target="≥ 0.5 x raw read",
        passes=lambda ratio: ratio >= 0.5,
    )


# -- list and queue queries --------------------------------------------------------------------


def _clients(clients: int, seconds: float, query: Callable[[random.Random], object]) -> float:
    """p99 latency in ms of `query` called in a loop by `clients` threads for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    stop_at = [float("inf")]

    def work(n: int) -> None:
        rng = random.Random(n)
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            started = time.perf_counter()
            query(rng)
            latencies[n].append(1000 * (time.perf_counter() - started))

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    stop_at[0] = time.perf_counter() + seconds
    for thread in threads:
        thread.join()
    return percentile([t for per in latencies for t in per], 0.99)


def _query_figure(side: ReadSide, clients: int, seconds: float, rounds: int) -> Figure:
    db = side.db
    generation = side.generation("case_status")
    now = side.app.clock.now()
    with db.reading() as cursor:
        cursor.execute(
            f"SELECT complaint_id, reference FROM {db.physical(CASE_STATUS, generation)}"
        )
        cases = [(str(r["complaint_id"]), str(r["reference"])) for r in cursor.fetchall()]
    filters = [
        CaseFilter(),
        CaseFilter(department="service"),
        CaseFilter(status="registered"),
        CaseFilter(breached=False),
    ]

    def listing(rng: random.Random) -> object:
        pick = rng.randrange(len(filters) + 2)
        if pick == len(filters):
            return department_queue(db, generation, "service", limit=50)[0]
        if pick == len(filters) + 1:
            return list_cases(db, generation, CaseFilter(q=rng.choice(cases)[1]), now=now, limit=50)
        return list_cases(db, generation, filters[pick], now=now, limit=50)

    def by_key(rng: random.Random) -> object:
        return get_case(db, generation, rng.choice(cases)[0])

    pairs = alternate(
        rounds,
        lambda: _clients(clients, seconds, by_key),
        lambda: _clients(clients, seconds, listing),
    )
    return ratio_figure(
        f"list/queue queries p99, {clients} clients, {len(cases):,} cases "
        "vs primary-key select p99",
        pairs,
        unit="ms",
        target="p99 < 50 ms and ≤ 2 x",
        passes=lambda ratio: statistics.median([b for _, b in pairs]) < 50 and ratio <= 2,
    )
