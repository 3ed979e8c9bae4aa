"""`make bench`: the ledger measured against baselines taken in the same run.

Run it as `python -m tests.bench` (`BENCH_SCALE=tiny|small|full`, default full). Nothing here is
collected by pytest (no module is named `test_*`); `tests/test_bench_harness.py` runs the whole
suite at the tiny scale so that it cannot rot.

Map:
    harness.py     Figure, Scale, alternating A/B rounds, the table, JSON and docs/benchmarks.md
    database.py    a fresh PostgreSQL schema per bench run, dropped after
    server.py      `ledger serve` and the peer as real processes on a free loopback port
    peer/          the peer to beat: plain Flask + marshmallow + eventsourcing (rows/peer.py)
    disk.py        bytes per event of a ledger's schema (the large-ledger row)
    load.py        the HTTP load generator, a separate process (`python -m tests.bench.load`)
    identity.py    how the load generator authenticates: ONE function to switch to bearer tokens
    baseline.py    plain `eventsourcing` save() of one event per call from N threads
    generate.py    bulk events for large runs, batched through the recorder
    rows/          one module per report row; `rows.ROWS` lists them in report order

Extension points for the issues built in parallel: add a module under `rows/` with a
`measure(ctx) -> list[Figure]` function, list it in `rows.ROWS`, and delete its entry from
`rows.PLACEHOLDERS` (which prints "not measured: lands with issue N" until then).
"""
