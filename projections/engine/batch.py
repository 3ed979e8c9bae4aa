"""Projections applied in batches: one transaction per batch holds the rows and the position.

A batch is a run of notifications read from the ledger's log. Its events are decoded outside any
transaction; then one transaction moves the projection's position from the batch's start to its
last notification id (compare-and-set), loads the rows the events touch, applies the events in
memory and writes the changed rows. Either all of it commits or none of it: an event is applied
exactly once, even when the process is killed between any two statements. Every notification is
tracked, including the ones the projection ignores, so positions reach the head of the log.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

from eventsourcing.application import Application

from ledger.policy.service_policy import Policy
from ledger.topics import topics_of
from projections.engine.log_pages import read_page
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Table, tracking_name
from projections.engine.viewdb import PositionMovedError, ViewDatabase

BATCH_SIZE = 1000
# A catch-up that moves a projection this far in one call has bulk-loaded its tables (a worker's
# first start on an existing log, a view first used late): their planner statistics are then
# refreshed before anyone reads them. Without it, a table PostgreSQL has never analysed reads by
# sequential scan until autovacuum comes round (up to a minute, never where it is off): the SLA
# clocks of a page of 50 cases took 8 ms at 30 k cases instead of 0.5 ms by their key.
ANALYZE_AFTER = 10_000


class BatchProjection(ABC):
    """A read model: its tables, the event classes it reads, and how each event changes rows."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    event_classes: ClassVar[tuple[type[Any], ...]]

    def __init__(self) -> None:
        self.topics = frozenset(t for cls in self.event_classes for t in topics_of(cls))

    @abstractmethod
    def partition_of(self, event: ProjectedEvent) -> str:
        """The partition value (the complaint's id) whose rows this event may change."""

    def partitions_of(self, event: ProjectedEvent) -> tuple[str, ...]:
        """Every partition value whose rows this event may change (one, unless overridden)."""
        return (self.partition_of(event),)

    @abstractmethod
    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        """Change the loaded rows as `event` says."""


class ComplaintProjection(BatchProjection):
    """A read model partitioned by complaint, whose deadlines come from the policy.

    A handoff's `Requested` event belongs to the complaint it hands off.
    """

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def partition_of(self, event: ProjectedEvent) -> str:
        if event.kind == "Handoff.Requested":
            return str(event.complaint_id)
        return event.stream


def apply_batch(
    db: ViewDatabase,
    projection: BatchProjection,
    generation: int,
    start: int,
    end: int,
    events: Sequence[tuple[int, ProjectedEvent]],
) -> None:
    """Apply decoded events and move the position start -> end, all in one transaction."""
    partitions = {p for _, event in events for p in projection.partitions_of(event)}
    with db.transaction() as cursor:
        loaded = db.start_batch(
            cursor, projection.name, generation, (start, end), projection.tables, partitions
        )
        rows = RowSet(projection.tables, partitions)
        for table, found in zip(projection.tables, loaded, strict=True):
            rows.loaded(table.name, found)
        for position, event in events:
            projection.apply(rows, event, position)
        rows.flush(cursor, db, generation)


Batch = tuple[int, int, list[tuple[int, ProjectedEvent]]]  # how many read, last id, events


class _Reader:
    """Reads and decodes batches of the log; while one batch is applied, reads the next.

    Reading waits on the database and applying waits on it again to commit: doing the two at
    once keeps the process busy through both waits. A batch read ahead from a position the
    projection then did not reach (another worker moved it) is dropped.
    """

    def __init__(
        self, app: Application[Any], topics: frozenset[str], size: int, stop: int | None
    ) -> None:
        self._app, self._topics, self._size, self._stop = app, topics, size, stop
        self._pool: ThreadPoolExecutor | None = None  # started by the first full batch only
        self._ahead: tuple[int, Future[Batch | None]] | None = None

    def _read(self, position: int) -> Batch | None:
        if self._stop is not None and position >= self._stop:
            return None
        page: Batch | None = read_page(
            self._app, position + 1, self._size, self._stop, self._topics
        )
        return page

    def read(self, position: int) -> Batch | None:
        """The batch after `position`: the one read ahead if it starts there."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == position:
            return ahead[1].result()
        return self._read(position)

    def read_ahead(self, position: int) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="projection-read-ahead")
        self._ahead = (position, self._pool.submit(self._read, position))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def catch_up(
    app: Application[Any],
    db: ViewDatabase,
    projection: BatchProjection,
    *,
    generation: int | None = None,
    stop: int | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    analyze_after: int | None = ANALYZE_AFTER,
) -> int:
    """Apply every notification after the projection's position (up to `stop`); return it.
    A catch-up that moved it `analyze_after` notifications or more (None: never) analyses
    the projection's tables at the end."""
    if generation is None:
        generation = db.ensure(projection.name, projection.tables)
    position = started = db.position(projection.name, generation)
    reader = _Reader(app, projection.topics, batch_size, stop)
    try:
        batch = reader.read(position)
        while batch is not None:
            count, end, events = batch
            full = count == batch_size and (stop is None or end < stop)
            if full:
                reader.read_ahead(end)
            try:
                apply_batch(db, projection, generation, position, end, events)
            except PositionMovedError:
                # Another worker got there first: continue from wherever it has reached,
                # unless this generation was dropped (a rebuild swapped a new one in).
                moved = db.tracking.max_tracking_id(tracking_name(projection.name, generation))
                if moved is None:
                    return position  # nothing to analyse either: its tables are gone
                position = moved
                batch = reader.read(position)
                continue
            position = end
            if progress is not None:
                progress(position)
            if not full:
                break
            batch = reader.read(position)
    finally:
        reader.close()
    if analyze_after is not None and position - started >= analyze_after:
        db.analyze(projection.tables, generation)
    return position
