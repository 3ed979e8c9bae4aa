"""`ledger verify`: re-read the ledger, recompute every chain and the tree, name every break.

Three checks. The first two share one read of the event table in log order, beside the tree's
leaves, both streamed in pages (id ranges or keysets, the next page fetched while one is
checked), so memory stays flat:

1. chains   each event's chain hash is recomputed from its stored bytes and the stored hash of
            the event before it in its stream; versions must run 1, 2, 3… The event before is
            nearly always in the page just read or the one before it; the others are looked up
            by the database, one statement a page (`Predecessors`)
2. log      every leaf's event must still be at its notification id with the same identity and
            chain hash, and no event the tree has passed may be absent from it; the leaves
            rebuild the tree on the way, and its root is compared with every checkpoint's at
            that size
3. signed   every checkpoint's signature with the public key, their numbering, kept copies,
            the witnesses' stored cosignatures, and the stored subtree hashes proofs use
4. beside   the logs whose heads the checkpoints sign: the audit log (`audit_checks`), and the
            `extra` checks the caller passes (the archive's, projections/retention)

Kinds of break: altered, missing, inserted, reordered, truncated, bad signature
(docs/tamper-evidence.md says what each means).
"""

from collections.abc import Callable, Sequence
from itertools import chain
from typing import cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.audit.operation_log import OperationLog
from ledger.integrity.audit_checks import check_audit_log
from ledger.integrity.breaks import (
    ALTERED,
    INSERTED,
    MISSING,
    REORDERED,
    Break,
    Report,
    altered,
    flush_missing,
    gap,
    once_each,
    unchained,
)
from ledger.integrity.chain import GENESIS, chain_hasher
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.key_checks import check_subject_keys, erasure_topics
from ledger.integrity.note import VerifierKey
from ledger.integrity.pages import BATCH, Predecessors, event_pages, leaf_pages, read_ahead
from ledger.integrity.persons_seen import PersonsSeen
from ledger.integrity.signed import Roots, check_checkpoints, with_kept
from ledger.integrity.tables import IntegrityTables, LeafTuple

Progress = Callable[[str, int], None]
Check = Callable[[Report, list[Checkpoint]], None]
"""A check of a table beside the events against the checkpoints: adds its breaks to the report."""


def verify_ledger(
    tables: IntegrityTables,
    public_key: Ed25519PublicKey,
    checkpoints: list[Checkpoint],
    *,
    stream: UUID | None = None,
    up_to_checkpoint: int | None = None,
    kept: list[Checkpoint] | None = None,
    progress: Progress | None = None,
    audit: OperationLog | None = None,
    extra: Sequence[Check] = (),
    witnesses: Sequence[VerifierKey] = (),
) -> Report:
    """Verify the whole ledger, one stream, or the part a checkpoint covers.

    `kept` are checkpoints the caller kept outside the system: each must still be stored,
    unchanged, and the tree must still have its root; an insider who deleted the latest
    checkpoints along with what they covered is caught only this way.
    """
    report = Report()
    notify = progress or (lambda stage, done: None)
    checkpoints = with_kept(report, checkpoints, kept or [])
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
    roots = Roots(report, checkpoints if stream is None else [])
    whole = stream is None and up_to_checkpoint is None
    seen = PersonsSeen(erasure_topics()) if whole else None
    _check_events(tables, report, stream, up_to, size, tree_head, notify, roots, seen)
    roots.finish()
    if up_to_checkpoint is None:
        report.pending = len(tables.events_after(tables.last_notification_id(), limit=BATCH))
    check_checkpoints(tables, report, public_key, checkpoints, roots.tree.size, witnesses)
    if whole:
        check_subject_keys(tables, report, seen)  # data keys against recorded erasures
        if audit is not None:
            check_audit_log(report, audit, checkpoints)
        for check in extra:
            check(report, checkpoints)
    report.breaks = once_each(report.breaks)
    return report


def _check_events(
    tables: IntegrityTables,
    report: Report,
    stream: UUID | None,
    up_to: int | None,
    size: int,
    tree_head: int,
    notify: Progress,
    roots: Roots,
    seen: PersonsSeen | None = None,
) -> None:
    """Checks 1 and 2 in one read of the event table in log order, beside the tree's leaves.

    1. chains: each event's hash against its predecessor's stored one (`Predecessors`);
    2. log: each event up to the tree's head against the leaf at its notification id.
    The chain breaks are listed as the stream-order pass used to list them, by stream and
    version, before the log's.
    """
    first_log_break = len(report.breaks)
    chain_breaks: list[Break] = []
    chain_hash = chain_hasher()
    before = Predecessors(tables, up_to)
    leaves = chain.from_iterable(map(roots.fed, read_ahead(leaf_pages(tables, stream, size))))
    leaf = next(leaves, None)
    gone: list[LeafTuple] = []
    # One loop for both checks, with no call per event but the hash: it runs once per event.
    for rows, previous in read_ahead(event_pages(tables, stream, up_to, before)):
        report.events += len(rows)
        if seen is not None:
            seen.note(rows)  # the persons named and erased, for the key check
        for (nid, sid, version, topic, state, stored), hashed in zip(rows, previous, strict=True):
            if stored is None:
                chain_breaks.append(unchained(sid, version))
            elif hashed.__class__ is bytes:
                if chain_hash(sid, version, topic, state, hashed) != stored:
                    chain_breaks.append(altered(sid, version))
            else:
                chain_breaks.extend(gap(sid, cast(int, hashed), version))
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
            flush_missing(report, gone, truncated=False)
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
    flush_missing(report, gone, truncated=stream is None)
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
                chain_breaks.append(unchained(sid, version))
                last_version, last_hash = version, GENESIS
                continue
            if version != last_version + 1:
                chain_breaks.extend(gap(sid, last_version, version))
            elif chain_hash(sid, version, topic, state, last_hash) != stored:
                chain_breaks.append(altered(sid, version))
            last_version, last_hash = version, stored
        after = (stream, rows[-1][2])
    return 1 if has_version_1 else 0
