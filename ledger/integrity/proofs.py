"""The proof documents: that one event is in a checkpoint's tree (with its stored bytes, so the
verifier recomputes its chain hash), and that a later checkpoint's tree extends an earlier one."""

import base64
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import DomainError, NotFoundError
from ledger.integrity import merkle
from ledger.integrity.chain import GENESIS
from ledger.integrity.checkpoint_tables import to_checkpoint
from ledger.integrity.checkpoints import checkpoint_document
from ledger.integrity.proof_reads import read_for_proof

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
    if notification_id is None and (stream_id is None or version is None):
        raise DomainError("name the event by stream_id and version, or notification_id")
    reads = read_for_proof(
        integrity.tables,
        notification_id=notification_id,
        stream=stream_id,
        version=version,
        number=checkpoint,
    )
    leaf = reads.leaf
    if leaf is None:
        raise NotFoundError("no such event in the tree (yet)")
    if reads.checkpoint is None:
        missing = "no checkpoint yet" if checkpoint is None else f"no checkpoint {checkpoint}"
        raise NotFoundError(missing)
    signed = to_checkpoint(reads.checkpoint, reads.cosignatures)
    if leaf.position >= signed.tree_size:
        raise DomainError(
            f"checkpoint {signed.number} covers {signed.tree_size} events; this event is "
            f"number {leaf.position + 1}: wait for the next checkpoint",
            field="checkpoint",
        )
    ranges = merkle.inclusion_ranges(leaf.position, signed.tree_size)
    nodes = integrity.tables.nodes(merkle.nodes_for(ranges))
    stream = UUID(bytes=leaf.stream)
    event = reads.event
    previous = None if reads.previous is None else reads.previous[5]
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
