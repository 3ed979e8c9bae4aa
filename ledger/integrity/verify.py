"""`ledger verify`: re-read the ledger, recompute every chain and the tree, name every break.

Three checks, each streaming the store in pages (keyset or id ranges, the next page fetched
while one is checked), so memory stays flat:

1. chains   events in (stream, version) order: each event's chain hash is recomputed from its
            stored bytes and the stored hash of the event before it; versions must run 1, 2, 3…
2. log      events in notification order beside the tree's leaves: every leaf's event must still
            be at its notification id with the same identity and chain hash, and no event the tree
            has passed may be absent from it; the leaves rebuild the tree on the way, and its root
            is compared with every checkpoint's at that size
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
from typing import TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity import merkle
from ledger.integrity.chain import GENESIS, chain_hasher
from ledger.integrity.checkpoints import Checkpoint, signature_is_valid
from ledger.integrity.merkle import CompactRange
from ledger.store.integrity_tables import ChainEntry, EventRow, IntegrityTables, LeafRow

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
K = TypeVar("K")
R = TypeVar("R")


def _pages(fetch: Callable[[K], list[R]], key_of: Callable[[R], K], first: K) -> Iterator[list[R]]:
    """Keyset pages of BATCH rows; the next page is fetched while the caller works on this one."""
    with ThreadPoolExecutor(1, thread_name_prefix="ledger-verify") as pool:
        future = pool.submit(fetch, first)
        while True:
            rows = future.result()
            if len(rows) == BATCH:
                future = pool.submit(fetch, key_of(rows[-1]))
            yield rows
            if len(rows) < BATCH:
                return


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
        tree_head = up_to = last_leaf[0].notification_id if last_leaf else 0
    else:
        size = tables.tree_size()
        tree_head, up_to = tables.last_notification_id(), None
    _check_chains(tables, report, stream, up_to, notify)
    # The whole log's leaves pass through the tree on their way to the log check, and the root
    # is compared at each checkpoint's size as the tree reaches it.
    roots = _Roots(report, checkpoints if stream is None else [])
    _check_log(tables, report, stream, size, tree_head, notify, roots)
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

    def fed(self, page: list[LeafRow]) -> list[LeafRow]:
        """Add a page of leaves to the tree (checking roots on the way); the same page."""
        if not self.active:
            return page
        # CompactRange.add inlined: this loop runs once per event of the ledger.
        sha256, tree = hashlib.sha256, self.tree
        leaf_prefix, node_prefix = merkle.LEAF_PREFIX, merkle.NODE_PREFIX
        hashes, size = tree.hashes, tree.size
        next_size = self.pending[0].tree_size if self.pending else -1
        for leaf in page:
            current = sha256(leaf_prefix + leaf.chain_hash).digest()
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


def _check_chains(
    tables: IntegrityTables,
    report: Report,
    stream: UUID | None,
    up_to: int | None,
    notify: Progress,
) -> None:
    current: bytes | None = None
    last_version, last_hash = 0, GENESIS
    chain_hash = chain_hasher()

    def fetch(after: tuple[UUID, int] | None) -> list[EventRow]:
        return tables.events_in_stream_order(after=after, limit=BATCH, stream=stream, up_to=up_to)

    for rows in _pages(fetch, lambda row: (UUID(bytes=row[1]), row[2]), None):
        report.events += len(rows)
        for _, sid, version, topic, state, stored in rows:
            if sid != current:
                current, last_version, last_hash = sid, 0, GENESIS
                report.streams += 1
            if stored is None:
                report.breaks.append(
                    Break(
                        INSERTED,
                        "no chain hash: written around the ledger",
                        stream_id=UUID(bytes=sid),
                        version=version,
                    )
                )
                last_version, last_hash = version, GENESIS
                continue
            if version != last_version + 1:
                for gone in range(last_version + 1, version):
                    report.breaks.append(
                        Break(
                            MISSING,
                            f"the stream jumps from version {last_version} to {version}",
                            stream_id=UUID(bytes=sid),
                            version=gone,
                        )
                    )
            elif chain_hash(sid, version, topic, state, last_hash) != stored:
                report.breaks.append(
                    Break(
                        ALTERED,
                        "its stored bytes do not hash to its chain hash",
                        stream_id=UUID(bytes=sid),
                        version=version,
                    )
                )
            last_version, last_hash = version, stored
        notify("chains", report.events)


def _leaf_pages(tables: IntegrityTables, stream: UUID | None, size: int) -> Iterator[list[LeafRow]]:
    if stream is not None:

        def fetch_stream(after: int) -> list[LeafRow]:
            return tables.leaves(after=after, below=size, limit=BATCH, stream=stream)

        yield from _pages(fetch_stream, lambda leaf: leaf.position, -1)
        return

    def fetch(after: int) -> list[LeafRow]:
        return tables.leaves(after=after, below=min(after + BATCH + 1, size), limit=BATCH)

    # Positions run 0, 1, 2…: page by ranges of positions, the next fetched ahead.
    afters = range(-1, size - 1, BATCH)
    with ThreadPoolExecutor(1, thread_name_prefix="ledger-verify") as pool:
        future = pool.submit(fetch, afters[0]) if afters else None
        for following in [*afters[1:], None]:
            if future is None:
                return
            rows = future.result()
            future = pool.submit(fetch, following) if following is not None else None
            yield rows


def _event_pages(
    tables: IntegrityTables, stream: UUID | None, up_to: int
) -> Iterator[list[ChainEntry]]:
    def fetch(after: int) -> list[ChainEntry]:
        return tables.chain_entries(after, limit=BATCH, up_to=up_to, stream=stream)

    if stream is not None:
        # An insider may have used any notification id, even a negative one.
        yield from _pages(fetch, lambda row: row[0], -(2**62))
        return

    def fetch_window(after: int) -> list[ChainEntry]:
        return tables.chain_entries(after, limit=BATCH, up_to=min(after + BATCH, up_to))

    # Windows of notification ids (ids are unique, so never more than BATCH rows): an index
    # range whatever the planner's statistics say. They start at the lowest id, whatever it is.
    first = min(tables.min_notification_id(), 1) - 1
    afters = range(first, up_to, BATCH)
    with ThreadPoolExecutor(1, thread_name_prefix="ledger-verify") as pool:
        future = pool.submit(fetch_window, afters[0]) if afters else None
        for following in [*afters[1:], None]:
            if future is None:
                return
            rows = future.result()
            future = pool.submit(fetch_window, following) if following is not None else None
            yield rows


def _check_log(
    tables: IntegrityTables,
    report: Report,
    stream: UUID | None,
    size: int,
    tree_head: int,
    notify: Progress,
    roots: _Roots,
) -> None:
    leaves = chain.from_iterable(map(roots.fed, _leaf_pages(tables, stream, size)))
    events = chain.from_iterable(_event_pages(tables, stream, tree_head))
    leaf, event = next(leaves, None), next(events, None)
    gone: list[LeafRow] = []
    while leaf is not None or event is not None:
        # The fast path: the leaf's event is where the tree saw it, unchanged.
        while (
            leaf is not None
            and event is not None
            and leaf.notification_id == event[0]
            and leaf.chain_hash == event[3]
            and leaf.stream == event[1]
            and leaf.version == event[2]
            and not gone
        ):
            report.leaves += 1
            if not report.leaves % BATCH:
                notify("log", report.leaves)
            leaf, event = next(leaves, None), next(events, None)
        if leaf is None and event is None:
            break
        if leaf is not None and (event is None or leaf.notification_id < event[0]):
            gone.append(leaf)  # judged below: missing, or a truncated tail
            leaf = next(leaves, None)
            continue
        if event is None:  # unreachable: the branch above took every leaf without an event
            break
        nid, sid, version, stored = event
        if leaf is None or event[0] < leaf.notification_id:
            report.breaks.append(
                Break(
                    INSERTED,
                    f"notification {nid} is not in the tree it should be in",
                    stream_id=UUID(bytes=sid),
                    version=version,
                )
            )
            event = next(events, None)
            continue
        _flush_missing(report, gone, truncated=False)
        report.leaves += 1
        if (sid, version) != (leaf.stream, leaf.version):
            report.breaks.append(
                Break(
                    REORDERED,
                    f"notification {nid} now holds stream {UUID(bytes=sid)} version {version}",
                    position=leaf.position,
                    stream_id=UUID(bytes=leaf.stream),
                    version=leaf.version,
                )
            )
        elif stored != leaf.chain_hash:
            report.breaks.append(
                Break(
                    ALTERED,
                    "its chain hash differs from the one the tree recorded",
                    position=leaf.position,
                    stream_id=UUID(bytes=leaf.stream),
                    version=leaf.version,
                )
            )
        leaf, event = next(leaves, None), next(events, None)
    _flush_missing(report, gone, truncated=stream is None)


def _flush_missing(report: Report, gone: list[LeafRow], *, truncated: bool) -> None:
    if not gone:
        return
    report.leaves += len(gone)
    if truncated:
        first = gone[0]
        report.breaks.append(
            Break(
                TRUNCATED,
                f"the log ends early: the last {len(gone)} event(s) the tree recorded are gone",
                stream_id=UUID(bytes=first.stream),
                version=first.version,
                position=first.position,
            )
        )
    else:
        report.breaks.extend(
            Break(
                MISSING,
                f"notification {leaf.notification_id} is gone from the log",
                stream_id=UUID(bytes=leaf.stream),
                version=leaf.version,
                position=leaf.position,
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
