"""`ledger verify`: re-read the ledger, recompute every chain and the tree, name every break.

Three passes, each streaming the store in batches (keyset pagination), so memory stays flat:

1. chains   events in (stream, version) order: each event's chain hash is recomputed from its
            stored bytes and the stored hash of the event before it; versions must run 1, 2, 3…
2. log      events in notification order beside the tree's leaves: every leaf's event must still
            be at its notification id with the same identity and chain hash, and no event the tree
            has passed may be absent from it
3. tree     the root at every checkpoint's size is recomputed from the leaves and compared with
            the signed root; every signature is checked with the public key

Kinds of break: altered, missing, inserted, reordered, truncated, bad signature
(docs/tamper-evidence.md says what each means).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity import merkle
from ledger.integrity.chain import GENESIS, chain_hash
from ledger.integrity.checkpoints import Checkpoint, signature_is_valid
from ledger.integrity.merkle import CompactRange
from ledger.store.integrity_tables import EventRow, IntegrityTables, LeafRow

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


def verify_ledger(
    tables: IntegrityTables,
    public_key: Ed25519PublicKey,
    checkpoints: list[Checkpoint],
    *,
    stream: UUID | None = None,
    up_to_checkpoint: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """Verify the whole ledger, one stream, or the part a checkpoint covers."""
    report = Report()
    notify = progress or (lambda stage, done: None)
    if up_to_checkpoint is not None:
        checkpoints = [c for c in checkpoints if c.number <= up_to_checkpoint]
        if not checkpoints or checkpoints[-1].number != up_to_checkpoint:
            report.breaks.append(
                Break(MISSING, "no such checkpoint is stored", checkpoint=up_to_checkpoint)
            )
            return report
        size = checkpoints[-1].tree_size
    else:
        size = tables.tree_size()
    last_leaf = tables.leaves(after=size - 2, below=size, limit=1) if size else []
    tree_head = last_leaf[0].notification_id if last_leaf else 0
    up_to = tree_head if up_to_checkpoint is not None else None
    _check_chains(tables, report, stream, up_to, notify)
    _check_log(tables, report, stream, size, tree_head, notify)
    if up_to_checkpoint is None:
        report.pending = len(tables.events_after(tables.last_notification_id(), limit=BATCH))
    _check_checkpoints(tables, report, public_key, checkpoints, stream, notify)
    return report


def _check_chains(
    tables: IntegrityTables,
    report: Report,
    stream: UUID | None,
    up_to: int | None,
    notify: Progress,
) -> None:
    current: bytes | None = None
    last_version, last_hash = 0, GENESIS
    after: tuple[UUID, int] | None = None
    while True:
        rows = tables.events_in_stream_order(after=after, limit=BATCH, stream=stream, up_to=up_to)
        for _, sid, version, topic, state, stored in rows:
            if sid != current:
                current, last_version, last_hash = sid, 0, GENESIS
                report.streams += 1
            report.events += 1
            stream_id = UUID(bytes=sid)
            if stored is None:
                report.breaks.append(
                    Break(
                        INSERTED,
                        "no chain hash: written around the ledger",
                        stream_id=stream_id,
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
                            stream_id=stream_id,
                            version=gone,
                        )
                    )
            elif chain_hash(sid, version, topic, state, last_hash) != stored:
                report.breaks.append(
                    Break(
                        ALTERED,
                        "its stored bytes do not hash to its chain hash",
                        stream_id=stream_id,
                        version=version,
                    )
                )
            last_version, last_hash = version, stored
        notify("chains", report.events)
        if len(rows) < BATCH:
            return
        after = (UUID(bytes=rows[-1][1]), rows[-1][2])


def _paged_leaves(tables: IntegrityTables, stream: UUID | None, size: int) -> Iterator[LeafRow]:
    after = -1
    while True:
        rows = tables.leaves(after=after, below=size, limit=BATCH, stream=stream)
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1].position


def _paged_events(tables: IntegrityTables, stream: UUID | None, up_to: int) -> Iterator[EventRow]:
    after = -(2**62)  # an insider may have used any notification id, even a negative one
    while True:
        rows = tables.events_after(after, limit=BATCH, up_to=up_to, stream=stream)
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _check_log(
    tables: IntegrityTables,
    report: Report,
    stream: UUID | None,
    size: int,
    tree_head: int,
    notify: Progress,
) -> None:
    leaves = _paged_leaves(tables, stream, size)
    events = _paged_events(tables, stream, tree_head)
    leaf, event = next(leaves, None), next(events, None)
    gone: list[LeafRow] = []
    while leaf is not None or event is not None:
        if leaf is not None and (event is None or leaf.notification_id < event[0]):
            gone.append(leaf)  # judged below: missing, or a truncated tail
            leaf = next(leaves, None)
            continue
        if event is None:  # unreachable: the branch above took every leaf without an event
            break
        nid, sid, version, _, _, stored = event
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
        leaf_stream = UUID(bytes=leaf.stream)
        if (sid, version) != (leaf.stream, leaf.version):
            report.breaks.append(
                Break(
                    REORDERED,
                    f"notification {nid} now holds stream {UUID(bytes=sid)} version {version}",
                    position=leaf.position,
                    stream_id=leaf_stream,
                    version=leaf.version,
                )
            )
        elif stored != leaf.chain_hash:
            report.breaks.append(
                Break(
                    ALTERED,
                    "its chain hash differs from the one the tree recorded",
                    position=leaf.position,
                    stream_id=leaf_stream,
                    version=leaf.version,
                )
            )
        if report.leaves % BATCH == 0:
            notify("log", report.leaves)
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
    stream: UUID | None,
    notify: Progress,
) -> None:
    expected_number = 1
    for checkpoint in checkpoints:
        report.checkpoints += 1
        if checkpoint.number != expected_number:
            report.breaks.append(
                Break(
                    MISSING,
                    f"checkpoints {expected_number} to {checkpoint.number - 1} are gone",
                    checkpoint=expected_number,
                )
            )
        expected_number = checkpoint.number + 1
        if not signature_is_valid(checkpoint, public_key):
            report.breaks.append(
                Break(
                    BAD_SIGNATURE,
                    f"not signed by the ledger's key (claims key {checkpoint.key_id})",
                    checkpoint=checkpoint.number,
                )
            )
    if stream is not None:
        return  # one stream's events were checked against the tree's leaves above
    tree = CompactRange()
    pending = sorted(checkpoints, key=lambda c: c.tree_size)
    while pending and pending[0].tree_size == 0:
        _compare_root(report, pending.pop(0), tree.root())
    after = -1
    while pending:
        hashes = tables.leaf_hashes(after=after, below=pending[-1].tree_size, limit=BATCH)
        for digest in hashes:
            tree.append(merkle.leaf_hash(digest))
            while pending and pending[0].tree_size == tree.size:
                _compare_root(report, pending.pop(0), tree.root())
        after += len(hashes)
        notify("tree", tree.size)
        if len(hashes) < BATCH:
            break
    for checkpoint in pending:
        report.breaks.append(
            Break(
                TRUNCATED,
                f"the checkpoint covers {checkpoint.tree_size} events; the tree holds {tree.size}",
                checkpoint=checkpoint.number,
            )
        )
    stored = tables.nodes(merkle.nodes_for([(0, c.tree_size) for c in checkpoints if c.tree_size]))
    for checkpoint in checkpoints:
        if checkpoint.tree_size and checkpoint.tree_size <= tree.size:
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


def _compare_root(report: Report, checkpoint: Checkpoint, root: bytes) -> None:
    if root != checkpoint.root_hash:
        report.breaks.append(
            Break(
                ALTERED,
                "the tree's root at its size differs from the signed root",
                checkpoint=checkpoint.number,
            )
        )
