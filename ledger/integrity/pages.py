"""How `ledger verify` reads: the event table and the tree's leaves in pages, read ahead.

Each event comes with what its chain hash is checked against (its predecessor's stored hash),
worked out as its page is read, so memory stays flat whatever the ledger's size.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from uuid import UUID

from ledger.integrity.chain import GENESIS
from ledger.integrity.tables import EventRow, IntegrityTables, LeafTuple

BATCH = 10_000


P = TypeVar("P")


def read_ahead(pages: Iterator[P]) -> Iterator[P]:
    """The same pages, each next one read in a thread while the caller works on this one.

    The generator only ever runs in that one thread, so it may keep state from page to page.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="ledger-verify") as pool:
        future = pool.submit(next, pages, None)
        while (page := future.result()) is not None:
            future = pool.submit(next, pages, None)
            yield page


class Predecessors:
    """What each event's chain hash is checked against, worked out as its page is read.

    The events arrive in log order, and the event before one in its stream is nearly always
    close behind it in the log: the last event of each stream seen in this page and the one
    before it is kept (so at most 2 x BATCH streams, whatever the ledger's size), and the rest
    are looked up by the database, one statement per page. For each event: its predecessor's
    stored chain hash (GENESIS for version 1, and for a predecessor without one), or, when the
    versions do not follow on, the version of the predecessor (0 for none: the first event).
    """

    def __init__(self, tables: IntegrityTables, up_to: int | None) -> None:
        self.tables, self.up_to = tables, up_to
        self.older: dict[bytes, tuple[int, bytes | None]] = {}
        self.newer: dict[bytes, tuple[int, bytes | None]] = {}
        self.streams = 0  # events that are the first of their stream
        self.odd: set[bytes] = set()  # streams with versions below 1 (never written by the ledger)

    def of(self, rows: list[EventRow]) -> list[bytes | int]:
        older, newer = self.older, self.newer
        found: list[bytes | int] = []
        wanted: list[int] = []
        firsts = 0
        for _, sid, version, _, _, stored in rows:
            if version == 1:
                found.append(GENESIS)
                firsts += 1
            else:
                last = newer.get(sid) or older.get(sid)
                if last is not None and last[0] == version - 1:
                    found.append(last[1] or GENESIS)
                else:
                    wanted.append(len(found))
                    found.append(0)
                    if version < 1:
                        self.odd.add(sid)
            newer[sid] = (version, stored)
        if wanted:
            for i, (previous, chained) in zip(
                wanted,
                self.tables.previous_events(
                    [rows[i][1] for i in wanted], [rows[i][2] for i in wanted], up_to=self.up_to
                ),
                strict=True,
            ):
                if previous is None:
                    firsts += 1
                elif previous == rows[i][2] - 1:
                    found[i] = chained or GENESIS
                else:
                    found[i] = previous
        self.streams += firsts
        self.older, self.newer = newer, {}
        return found


def event_pages(
    tables: IntegrityTables, stream: UUID | None, up_to: int | None, before: Predecessors
) -> Iterator[tuple[list[EventRow], list[bytes | int]]]:
    """Pages of the events in log order (up to `up_to`), each with its events' predecessors."""
    end = tables.max_notification_id() if up_to is None else up_to
    if end is None:
        return
    if stream is not None:
        after = -(2**62)  # an insider may have used any notification id, even a negative one
        while rows := tables.events_after(after, limit=BATCH, up_to=end, stream=stream):
            yield rows, before.of(rows)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]
        return
    # Windows of notification ids (ids are unique, so never more than BATCH rows): an index
    # range whatever the planner's statistics say. An empty window jumps to the next id.
    following = tables.next_notification_id()
    while following is not None and following <= end:
        after = following - 1
        rows = tables.events_after(after, limit=BATCH, up_to=min(after + BATCH, end))
        if rows:
            yield rows, before.of(rows)
            following = after + BATCH + 1
        else:
            following = tables.next_notification_id(after + BATCH)


def leaf_pages(
    tables: IntegrityTables, stream: UUID | None, size: int
) -> Iterator[list[LeafTuple]]:
    if stream is not None:
        after = -1
        while leaves := tables.leaves(after=after, below=size, limit=BATCH, stream=stream):
            yield leaves
            if len(leaves) < BATCH:
                return
            after = leaves[-1][0]
        return
    # Positions run 0, 1, 2…: page by ranges of positions.
    for after in range(-1, size - 1, BATCH):
        yield tables.leaves(after=after, below=min(after + BATCH + 1, size), limit=BATCH)
