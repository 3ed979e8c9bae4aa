"""The report's rows, in order, and the rows still waiting for their issue."""

from collections.abc import Callable

from tests.bench.context import BenchContext
from tests.bench.harness import Figure
from tests.bench.rows import (
    append,
    chain,
    console,
    encryption,
    erasure,
    lag,
    large,
    lists_http,
    oplog,
    peer,
    retention,
    write_path,
)

Row = Callable[[BenchContext], list[Figure]]

ROWS: list[Row] = [
    peer.measure,
    append.measure,
    write_path.measure,
    encryption.measure,
    chain.measure,
    erasure.measure,
    large.measure,
    console.measure,
    lists_http.measure,
    lag.measure,
    oplog.measure,
    retention.measure,
]

# name, issue that brings it, target: printed as "not measured: lands with issue N" until a
# module under rows/ measures it (then list that module in ROWS and delete its line here).
PLACEHOLDERS: list[tuple[str, int, str]] = []
