"""What an inclusion proof reads before its subtree hashes, in one round trip.

The leaf with its event and the event before it in the stream (one statement), and the
checkpoint with its cosignatures (another, so that both come from one snapshot), are sent
together in a pipeline: with the subtree hashes after them, a proof costs two round trips to
the database, where one statement each cost five (most of a proof's time, and of its p99).
"""

from typing import Any, NamedTuple
from uuid import UUID

from ledger.integrity.checkpoint_tables import StoredCosignature
from ledger.integrity.tables import EventRow, IntegrityTables, LeafRow, StoredCheckpoint

_LEAF = (
    "l.position, l.notification_id, uuid_send(l.originator_id), l.originator_version, "
    "l.chain_hash, e.notification_id, e.originator_version, e.topic, e.state, e.chain_hash"
)
_CHECKPOINT = (
    "c.number, c.tree_size, c.root_hash, c.signed_at, c.key_id, c.signature, c.heads, c.origin, "
    "s.witness, s.key_hash, s.time, s.signature"
)


class ProofReads(NamedTuple):
    """The leaf (None: not in the tree), its event and the one before, the checkpoint (None:
    no such checkpoint) and its cosignatures."""

    leaf: LeafRow | None
    event: EventRow | None
    previous: EventRow | None
    checkpoint: StoredCheckpoint | None
    cosignatures: list[StoredCosignature]


def read_for_proof(
    tables: IntegrityTables,
    *,
    notification_id: int | None,
    stream: UUID | None,
    version: int | None,
    number: int | None,
) -> ProofReads:
    """The reads of one inclusion proof but its subtree hashes; the event by its notification
    id, or else by stream and version; the checkpoint by number, or the latest."""
    params: list[Any]
    if notification_id is not None:
        where, params = "l.notification_id = %s", [notification_id]
    else:
        where, params = "l.originator_id = %s AND l.originator_version = %s", [stream, version]
    chosen, number_params = (
        ("ORDER BY number DESC LIMIT 1", []) if number is None else ("WHERE number = %s", [number])
    )
    leaf_rows, checkpoint_rows = tables.read_together(
        [
            (
                f"SELECT {_LEAF} FROM {tables.leaves_table} l LEFT JOIN {tables.events} e "  # noqa: S608
                "ON e.originator_id = l.originator_id "
                "AND e.originator_version IN (l.originator_version - 1, l.originator_version) "
                f"WHERE {where}",
                params,
            ),
            (
                f"SELECT {_CHECKPOINT} FROM (SELECT * FROM {tables.checkpoints_table} "  # noqa: S608
                f"{chosen}) c LEFT JOIN {tables.cosignatures_table} s ON s.number = c.number "
                "ORDER BY s.witness",
                number_params,
            ),
        ]
    )
    leaf = LeafRow._make(leaf_rows[0][:5]) if leaf_rows else None
    event = previous = None
    for row in leaf_rows:
        if leaf is None or row[5] is None:
            continue
        stored: EventRow = (row[5], leaf.stream, row[6], row[7], row[8], row[9])
        if row[6] == leaf.version:
            event = stored
        elif row[6] == leaf.version - 1:
            previous = stored
    checkpoint = None
    cosignatures = []
    for r in checkpoint_rows:
        checkpoint = StoredCheckpoint(
            int(r[0]), int(r[1]), bytes(r[2]), r[3], r[4], bytes(r[5]), r[6], r[7]
        )
        if r[8] is not None:
            cosignatures.append(
                StoredCosignature(int(r[0]), r[8], bytes(r[9]), int(r[10]), bytes(r[11]))
            )
    return ProofReads(leaf, event, previous, checkpoint, cosignatures)
