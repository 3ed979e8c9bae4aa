"""Inclusion proofs for a page of archived cases, against the retention run's one checkpoint."""

from typing import Any
from uuid import UUID

from ledger.integrity import merkle
from ledger.integrity.checkpoints import Checkpoint, checkpoint_document
from ledger.integrity.tables import IntegrityTables

SHARED_LEVEL = 10  # nodes of 1 024 leaves and more: shared by a page's proofs


def inclusion_proofs(
    tables: IntegrityTables,
    shared_nodes: dict[tuple[int, int], bytes],
    last: list[tuple[UUID, Any]],
    checkpoint: Checkpoint,
) -> dict[UUID, dict[str, Any]]:
    """The inclusion proof of each case's last event against the run's one checkpoint, as
    `Integrity.inclusion_proof` gives it but without the event's bytes (they hold
    ciphertexts): one query for the page's leaves, one for the nodes not yet read.

    The upper nodes are shared by every proof against the same tree, so the run keeps them in
    `shared_nodes` (at most a few hundred); the lower ones differ per page and are read per
    page."""
    size = checkpoint.tree_size
    leaves = {
        leaf.notification_id: leaf
        for leaf in tables.leaves_for_notifications([row[0] for _, row in last])
    }
    paths: dict[UUID, tuple[Any, int, list[tuple[int, int]]]] = {}
    wanted: set[tuple[int, int]] = set()
    for case_id, row in last:
        leaf = leaves.get(row[0])
        if leaf is None or leaf.position >= size:
            continue
        ranges = merkle.inclusion_ranges(leaf.position, size)
        paths[case_id] = (leaf, row[2], ranges)
        wanted |= merkle.nodes_for(ranges)
    nodes = {key: shared_nodes[key] for key in wanted if key in shared_nodes}
    nodes.update(tables.nodes(wanted - nodes.keys()))
    shared_nodes.update({k: v for k, v in nodes.items() if k[0] >= SHARED_LEVEL})
    document = checkpoint_document(checkpoint)
    return {
        case_id: {
            "type": "inclusion",
            "stream_id": str(case_id),
            "version": version,
            "notification_id": leaf.notification_id,
            "leaf_index": leaf.position,
            "chain_hash": leaf.chain_hash.hex(),
            "proof": [merkle.range_hash(s, e, nodes).hex() for s, e in ranges],
            "checkpoint": document,
        }
        for case_id, (leaf, version, ranges) in paths.items()
    }
