"""The report's rows, in order, and the rows still waiting for their issue."""

from collections.abc import Callable

from tests.bench.context import BenchContext
from tests.bench.harness import Figure
from tests.bench.rows import append, encryption, erasure, sqlite_embedded, write_path

Row = Callable[[BenchContext], list[Figure]]

ROWS: list[Row] = [
    append.measure,
    write_path.measure,
    encryption.measure,
    erasure.measure,
    sqlite_embedded.measure,
]

# name, issue that brings it, target: printed as "not measured: lands with issue N" until a
# module under rows/ measures it (then list that module in ROWS and delete its line here).
PLACEHOLDERS: list[tuple[str, int, str]] = [
    ("chain cost per append", 4, "≤ 10 % (ratio ≤ 1.10)"),
    ("ledger verify over ≥ 1 M events", 4, "≥ 100 k events/s, RSS flat 100 k → 1 M"),
    ("inclusion proof in a 1 M-event tree", 4, "p99 < 5 ms"),
    ("projection catch-up (status view rebuild, ≥ 1 M events)", 6, "≥ 10 k/s and ≥ 0.3 x raw read"),
    ("commit → status view lag at 500 appends/s", 6, "p99 < 1 s"),
    ("list/queue queries, 32 clients, ≥ 200 k cases", 6, "p99 < 50 ms"),
    ("read latency with the operation log on vs off", 8, "report"),
]
