"""The proof documents: that one event is in a checkpoint's tree (with its stored bytes, so the
verifier recomputes its chain hash), and that a later checkpoint's tree extends an earlier one."""

import base64
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import DomainError, NotFoundError
from ledger.integrity import merkle
from ledger.integrity.chain import GENESIS
from ledger.integrity.checkpoints import checkpoint_document

if TYPE_CHECKING:
    from ledger.integrity.service import Integrity


def inclusion(
    integrity: "Integrity",
    stream_id: UUID | None,
    version: int | None,
    notification_id: int | None,
    checkpoint: int | None,
) -> dict[str, Any]:
    """Proof that one event is in a checkpoint's tree (the latest by default)."""
    if notification_id is not None:
        leaf = integrity.tables.leaf_for_notification(notification_id)
    elif stream_id is not None and version is not None:
        leaf = integrity.tables.leaf_for_event(stream_id, version)
    else:
        raise DomainError("name the event by stream_id and version, or notification_id")
    if leaf is None:
        raise NotFoundError("no such event in the tree (yet)")
    signed = integrity.get_checkpoint(checkpoint)
    if leaf.position >= signed.tree_size:
        raise DomainError(
            f"checkpoint {signed.number} covers {signed.tree_size} events; this event is "
            f"number {leaf.position + 1}: wait for the next checkpoint",
            field="checkpoint",
        )
    ranges = merkle.inclusion_ranges(leaf.position, signed.tree_size)
    nodes = integrity.tables.nodes(merkle.nodes_for(ranges))
    stream = UUID(bytes=leaf.stream)
    rows = integrity.tables.events_in_stream_order(
        after=(stream, leaf.version - 2) if leaf.version > 1 else None,
        stream=stream,
        limit=2,
    )
    event = next((row for row in rows if row[2] == leaf.version), None)
    previous = next((row[5] for row in rows if row[2] == leaf.version - 1), None)
    document: dict[str, Any] = {
        "type": "inclusion",
        "stream_id": str(stream),
        "version": leaf.version,
        "notification_id": leaf.notification_id,
        "leaf_index": leaf.position,
        "chain_hash": leaf.chain_hash.hex(),
        "proof": [merkle.range_hash(s, e, nodes).hex() for s, e in ranges],
        "checkpoint": checkpoint_document(signed),
    }
    if event is not None:
        document["event"] = {
            "stream_bytes": leaf.stream.hex(),
            "topic": event[3],
            "state": base64.b64encode(event[4]).decode("ascii"),
            "previous_chain_hash": (previous or GENESIS).hex(),
        }
    return document


def consistency(integrity: "Integrity", first: int, second: int | None) -> dict[str, Any]:
    """Proof that a later checkpoint's tree (the latest by default) extends an earlier one's."""
    older, newer = integrity.get_checkpoint(first), integrity.get_checkpoint(second)
    if older.tree_size > newer.tree_size or older.tree_size == 0:
        raise DomainError(
            "the first checkpoint must be non-empty and no larger than the second",
            field="first",
        )
    nodes = integrity.tables.nodes(
        merkle.nodes_for(merkle.consistency_ranges(older.tree_size, newer.tree_size))
        if older.tree_size < newer.tree_size
        else ()
    )
    return {
        "type": "consistency",
        "first": checkpoint_document(older),
        "second": checkpoint_document(newer),
        "proof": [
            h.hex() for h in merkle.consistency_proof(older.tree_size, newer.tree_size, nodes)
        ],
    }
