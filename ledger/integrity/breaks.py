"""What `ledger verify` reports: the kinds of break, one break, and the whole report."""

from dataclasses import dataclass, field
from uuid import UUID

from ledger.integrity.tables import LeafTuple

ALTERED, MISSING, INSERTED, REORDERED, TRUNCATED, BAD_SIGNATURE = (
    "altered",
    "missing",
    "inserted",
    "reordered",
    "truncated",
    "bad signature",
)


@dataclass(frozen=True)
class Break:
    """One place where the stored ledger is not what was recorded."""

    kind: str
    detail: str
    stream_id: UUID | None = None
    version: int | None = None
    position: int | None = None  # the event's leaf index in the tree
    checkpoint: int | None = None
    table: str | None = None  # a table beside the events (the audit log, the archive...)
    row: int | str | None = None  # the row of `table` it names (its number or key)

    def describe(self) -> str:
        where = []
        if self.table is not None:
            where.append(f"{self.table} row {self.row}")
        if self.stream_id is not None:
            where.append(f"stream {self.stream_id} version {self.version}")
        if self.position is not None:
            where.append(f"tree position {self.position}")
        if self.checkpoint is not None and self.row != self.checkpoint:
            where.append(f"checkpoint {self.checkpoint}")
        return f"{self.kind.upper()}: {', '.join(where) or 'ledger'}: {self.detail}"


@dataclass
class Report:
    """What `ledger verify` found: the counts, and every break (none when intact)."""

    events: int = 0
    streams: int = 0
    leaves: int = 0
    checkpoints: int = 0
    pending: int = 0  # events after the tree's position: chained, not yet in a checkpoint
    audit_rows: int = 0  # rows of the audit log checked (those kept after purges)
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def once_each(breaks: list[Break]) -> list[Break]:
    """One break per kind and place (two passes may both see a missing event)."""
    kept: dict[tuple[object, ...], Break] = {}
    for found in breaks:
        key = (found.kind, found.stream_id, found.version, found.checkpoint, found.table, found.row)
        if key not in kept or (kept[key].position is None and found.position is not None):
            kept[key] = found
    return list(kept.values())


def unchained(sid: bytes, version: int) -> Break:
    return Break(
        INSERTED,
        "no chain hash: written around the ledger",
        stream_id=UUID(bytes=sid),
        version=version,
    )


def altered(sid: bytes, version: int) -> Break:
    return Break(
        ALTERED,
        "its stored bytes do not hash to its chain hash",
        stream_id=UUID(bytes=sid),
        version=version,
    )


def gap(sid: bytes, below: int, version: int) -> list[Break]:
    """The versions missing between the one below in the stream (0: none) and this one."""
    return [
        Break(
            MISSING,
            f"the stream jumps from version {below} to {version}",
            stream_id=UUID(bytes=sid),
            version=gone,
        )
        for gone in range(below + 1, version)
    ]


def flush_missing(report: Report, gone: list[LeafTuple], *, truncated: bool) -> None:
    if not gone:
        return
    report.leaves += len(gone)
    if truncated:
        first = gone[0]
        report.breaks.append(
            Break(
                TRUNCATED,
                f"the log ends early: the last {len(gone)} event(s) the tree recorded are gone",
                stream_id=UUID(bytes=first[2]),
                version=first[3],
                position=first[0],
            )
        )
    else:
        report.breaks.extend(
            Break(
                MISSING,
                f"notification {leaf[1]} is gone from the log",
                stream_id=UUID(bytes=leaf[2]),
                version=leaf[3],
                position=leaf[0],
            )
            for leaf in gone
        )
    gone.clear()
