"""`ledger verify`: re-read the ledger, recompute every chain and the tree, name every break.

Three checks. The first two share one read of the event table in log order, beside the tree's
leaves, both streamed in pages (id ranges or keysets, the next page fetched while one is
checked), so memory stays flat:

1. chains   each event's chain hash is recomputed from its stored bytes and the stored hash of
            the event before it in its stream; versions must run 1, 2, 3… The event before is
            nearly always in the page just read or the one before it; the others are looked up
            by the database, one statement a page (`_Predecessors`)
2. log      every leaf's event must still be at its notification id with the same identity and
            chain hash, and no event the tree has passed may be absent from it; the leaves
            rebuild the tree on the way, and its root is compared with every checkpoint's at
            that size
3. signed   every checkpoint's signature with the public key, their numbering, kept copies, and
            the stored subtree hashes that proofs are built from

Kinds of break: altered, missing, inserted, reordered, truncated, bad signature
(docs/tamper-evidence.md says what each means).
"""

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from typing import TypeVar, cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity import merkle
from ledger.integrity.chain import GENESIS, chain_hasher
from ledger.integrity.checkpoints import Checkpoint, signature_is_valid
from ledger.integrity.merkle import CompactRange
from ledger.integrity.tables import EventRow, IntegrityTables, LeafTuple

BATCH = 10_000
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

    def describe(self) -> str:
        where = []
        if self.stream_id is not None:
            where.append(f"stream {self.stream_id} version {self.version}")
        if self.position is not None:
            where.append(f"tree position {self.position}")
        if self.checkpoint is not None:
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
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


Progress = Callable[[str, int], None]
P = TypeVar("P")


def verify_ledger(
    tables: IntegrityTables,
    public_key: Ed25519PublicKey,
    checkpoints: list[Checkpoint],
    *,
    stream: UUID | None = None,
    up_to_checkpoint: int | None = None,
    kept: list[Checkpoint] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Verify the whole ledger, one stream, or the part a checkpoint covers.

    `kept` are checkpoints the caller kept outside the system: each must still be stored,
    unchanged, and the tree must still have its root; an insider who deleted the latest
    checkpoints along with what they covered is caught only this way.
    """
    report = Report()
    notify = progress or (lambda stage, done: None)
    checkpoints = _with_kept(report, checkpoints, kept or [])
    if up_to_checkpoint is not None:
        checkpoints = [c for c in checkpoints if c.number <= up_to_checkpoint]
        if not checkpoints or checkpoints[-1].number != up_to_checkpoint:
            report.breaks.append(
                Break(MISSING, "no such checkpoint is stored", checkpoint=up_to_checkpoint)
            )
            return report
        size = checkpoints[-1].tree_size
        last_leaf = tables.leaves(after=size - 2, below=size, limit=1) if size else []
        tree_head = up_to = last_leaf[0][1] if last_leaf else 0
    else:
        size = tables.tree_size()
        tree_head, up_to = tables.last_notification_id(), None
    # The whole log's leaves pass through the tree on their way to the log check, and the root
    # is compared at each checkpoint's size as the tree reaches it.
    roots = _Roots(report, checkpoints if stream is None else [])
    _check_events(tables, report, stream, up_to, size, tree_head, notify, roots)
    roots.finish()
    if up_to_checkpoint is None:
        report.pending = len(tables.events_after(tables.last_notification_id(), limit=BATCH))
    _check_checkpoints(tables, report, public_key, checkpoints, roots.tree.size)
    report.breaks = _once_each(report.breaks)
    return report


def _with_kept(
    report: Report, checkpoints: list[Checkpoint], kept: list[Checkpoint]
) -> list[Checkpoint]:
    """The stored checkpoints, with each kept copy that is gone or differs taken in as well."""
    stored = {checkpoint.number: checkpoint for checkpoint in checkpoints}
    extra = []
    for copy in kept:
        found = stored.get(copy.number)
        if found == copy:
            continue
        detail = (
            "the ledger no longer has it (you kept a copy)"
            if found is None
            else "the stored checkpoint differs from the copy kept outside"
        )
        report.breaks.append(
            Break(MISSING if found is None else ALTERED, detail, checkpoint=copy.number)
        )
        extra.append(copy)
    return sorted([*checkpoints, *extra], key=lambda c: (c.number, c in extra))


def _once_each(breaks: list[Break]) -> list[Break]:
    """One break per kind and place (two passes may both see a missing event)."""
    kept: dict[tuple[object, ...], Break] = {}
    for found in breaks:
        key = (found.kind, found.stream_id, found.version, found.checkpoint)
        if key not in kept or (kept[key].position is None and found.position is not None):
            kept[key] = found
    return list(kept.values())


class _Roots:
    """Grows the tree from the leaves as they are read; compares roots at checkpoint sizes."""

    def __init__(self, report: Report, checkpoints: list[Checkpoint]) -> None:
        self.report = report
        self.tree = CompactRange()
        self.pending = sorted(checkpoints, key=lambda c: c.tree_size)
        self.active = bool(checkpoints)
        self._compare_reached()

    def fed(self, page: list[LeafTuple]) -> list[LeafTuple]:
        """Add a page of leaves to the tree (checking roots on the way); the same page."""
        if not self.active:
            return page
        # CompactRange.add inlined: this loop runs once per event of the ledger.
        sha256, tree = hashlib.sha256, self.tree
        leaf_prefix, node_prefix = merkle.LEAF_PREFIX, merkle.NODE_PREFIX
        hashes, size = tree.hashes, tree.size
        next_size = self.pending[0].tree_size if self.pending else -1
        for leaf in page:
            current = sha256(leaf_prefix + leaf[4]).digest()
            index = size
            while index & 1:
                current = sha256(node_prefix + hashes.pop() + current).digest()
                index >>= 1
            hashes.append(current)
            size += 1
            if size == next_size:
                tree.size = size
                self._compare_reached()
                next_size = self.pending[0].tree_size if self.pending else -1
        tree.size = size
        return page

    def _compare_reached(self) -> None:
        while self.pending and self.pending[0].tree_size == self.tree.size:
            checkpoint = self.pending.pop(0)
            if self.tree.root() != checkpoint.root_hash:
                self.report.breaks.append(
                    Break(
                        ALTERED,
                        "the tree's root at its size differs from the signed root",
                        checkpoint=checkpoint.number,
                    )
                )

    def finish(self) -> None:
        for checkpoint in self.pending:
            self.report.breaks.append(
                Break(
                    TRUNCATED,
                    f"the checkpoint covers {checkpoint.tree_size} events; "
                    f"the tree holds {self.tree.size}",
                    checkpoint=checkpoint.number,
                )
            )


def _read_ahead(pages: Iterator[P]) -> Iterator[P]:
    """The same pages, each next one read in a thread while the caller works on this one.

    The generator only ever runs in that one thread, so it may keep state from page to page.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="ledger-verify") as pool:
        future = pool.submit(next, pages, None)
        while (page := future.result()) is not None:
            future = pool.submit(next, pages, None)
            yield page


class _Predecessors:
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


def _event_pages(
    tables: IntegrityTables, stream: UUID | None, up_to: int | None, before: _Predecessors
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


def _leaf_pages(
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


def _check_events(
    tables: IntegrityTables,
    report: Report,
    stream: UUID | None,
    up_to: int | None,
    size: int,
    tree_head: int,
    notify: Progress,
    roots: _Roots,
) -> None:
    """Checks 1 and 2 in one read of the event table in log order, beside the tree's leaves.

    1. chains: each event's hash against its predecessor's stored one (`_Predecessors`);
    2. log: each event up to the tree's head against the leaf at its notification id.
    The chain breaks are listed as the stream-order pass used to list them, by stream and
    version, before the log's.
    """
    first_log_break = len(report.breaks)
    chain_breaks: list[Break] = []
    chain_hash = chain_hasher()
    before = _Predecessors(tables, up_to)
    leaves = chain.from_iterable(map(roots.fed, _read_ahead(_leaf_pages(tables, stream, size))))
    leaf = next(leaves, None)
    gone: list[LeafTuple] = []
    # One loop for both checks, with no call per event but the hash: it runs once per event.
    for rows, previous in _read_ahead(_event_pages(tables, stream, up_to, before)):
        report.events += len(rows)
        for (nid, sid, version, topic, state, stored), hashed in zip(rows, previous, strict=True):
            if stored is None:
                chain_breaks.append(_unchained(sid, version))
            elif hashed.__class__ is bytes:
                if chain_hash(sid, version, topic, state, hashed) != stored:
                    chain_breaks.append(_altered(sid, version))
            else:
                chain_breaks.extend(_gap(sid, cast(int, hashed), version))
            if nid > tree_head:
                continue  # pending: chained, not yet in the tree
            # The fast path: the leaf's event is where the tree saw it, unchanged.
            if (
                leaf is not None
                and leaf[1] == nid
                and leaf[4] == stored
                and leaf[2] == sid
                and leaf[3] == version
                and not gone
            ):
                report.leaves += 1
                leaf = next(leaves, None)
                continue
            while leaf is not None and leaf[1] < nid:
                gone.append(leaf)  # judged below: missing, or a truncated tail
                leaf = next(leaves, None)
            if leaf is None or nid < leaf[1]:
                report.breaks.append(
                    Break(
                        INSERTED,
                        f"notification {nid} is not in the tree it should be in",
                        stream_id=UUID(bytes=sid),
                        version=version,
                    )
                )
                continue
            _flush_missing(report, gone, truncated=False)
            report.leaves += 1
            if (sid, version) != (leaf[2], leaf[3]):
                report.breaks.append(
                    Break(
                        REORDERED,
                        f"notification {nid} now holds stream {UUID(bytes=sid)} version {version}",
                        position=leaf[0],
                        stream_id=UUID(bytes=leaf[2]),
                        version=leaf[3],
                    )
                )
            elif stored != leaf[4]:
                report.breaks.append(
                    Break(
                        ALTERED,
                        "its chain hash differs from the one the tree recorded",
                        position=leaf[0],
                        stream_id=UUID(bytes=leaf[2]),
                        version=leaf[3],
                    )
                )
            leaf = next(leaves, None)
        notify("events", report.events)
    while leaf is not None:
        gone.append(leaf)
        leaf = next(leaves, None)
    _flush_missing(report, gone, truncated=stream is None)
    report.streams += before.streams
    for odd in before.odd:
        report.streams -= _recheck_stream(tables, UUID(bytes=odd), up_to, chain_breaks)
    chain_breaks.sort(key=lambda found: (found.stream_id or UUID(int=0), found.version or 0))
    report.breaks[first_log_break:first_log_break] = chain_breaks


def _recheck_stream(
    tables: IntegrityTables, stream: UUID, up_to: int | None, chain_breaks: list[Break]
) -> int:
    """Check the chain of a stream with versions below 1 in (stream, version) order, in place
    of the log-order check; how many more times the log-order check counted it as a stream.

    The log-order check takes version 1 to be first, without asking the database whether any
    version lies below it; for these streams it does not.
    """
    chain_breaks[:] = [found for found in chain_breaks if found.stream_id != stream]
    chain_hash = chain_hasher()
    last_version, last_hash, has_version_1 = 0, GENESIS, False
    after: tuple[UUID, int] | None = None
    while rows := tables.events_in_stream_order(
        after=after, limit=BATCH, stream=stream, up_to=up_to
    ):
        for _, sid, version, topic, state, stored in rows:
            has_version_1 = has_version_1 or version == 1
            if stored is None:
                chain_breaks.append(_unchained(sid, version))
                last_version, last_hash = version, GENESIS
                continue
            if version != last_version + 1:
                chain_breaks.extend(_gap(sid, last_version, version))
            elif chain_hash(sid, version, topic, state, last_hash) != stored:
                chain_breaks.append(_altered(sid, version))
            last_version, last_hash = version, stored
        after = (stream, rows[-1][2])
    return 1 if has_version_1 else 0


def _unchained(sid: bytes, version: int) -> Break:
    return Break(
        INSERTED,
        "no chain hash: written around the ledger",
        stream_id=UUID(bytes=sid),
        version=version,
    )


def _altered(sid: bytes, version: int) -> Break:
    return Break(
        ALTERED,
        "its stored bytes do not hash to its chain hash",
        stream_id=UUID(bytes=sid),
        version=version,
    )


def _gap(sid: bytes, below: int, version: int) -> list[Break]:
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


def _flush_missing(report: Report, gone: list[LeafTuple], *, truncated: bool) -> None:
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


def _check_checkpoints(
    tables: IntegrityTables,
    report: Report,
    public_key: Ed25519PublicKey,
    checkpoints: list[Checkpoint],
    tree_size: int,
) -> None:
    expected_number = 1
    for checkpoint in checkpoints:
        report.checkpoints += 1
        if checkpoint.number > expected_number:
            report.breaks.append(
                Break(
                    MISSING,
                    f"checkpoints {expected_number} to {checkpoint.number - 1} are gone",
                    checkpoint=expected_number,
                )
            )
        expected_number = max(expected_number, checkpoint.number + 1)
        if not signature_is_valid(checkpoint, public_key):
            report.breaks.append(
                Break(
                    BAD_SIGNATURE,
                    f"not signed by the ledger's key (claims key {checkpoint.key_id})",
                    checkpoint=checkpoint.number,
                )
            )
    covered = [c for c in checkpoints if 0 < c.tree_size <= tree_size]
    stored = tables.nodes(merkle.nodes_for([(0, c.tree_size) for c in covered]))
    for checkpoint in covered:
        try:
            root = merkle.range_hash(0, checkpoint.tree_size, stored)
        except KeyError:
            root = b""
        if root != checkpoint.root_hash:
            report.breaks.append(
                Break(
                    ALTERED,
                    "the stored tree nodes that proofs are built from disagree with it",
                    checkpoint=checkpoint.number,
                )
            )
