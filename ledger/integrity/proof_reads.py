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
    "l.chain_hash, e.notification_id, e.topic, e.state, e.chain_hash, "
    "p.notification_id, p.topic, p.state, p.chain_hash"
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
    # The event and the one before by the whole key each: the planner then expects one row of
    # each. Joined on the stream with a version in a range instead, it expected thousands at
    # 10 M events, and a cost that high made PostgreSQL compile the statement (JIT, 130 ms, for
    # a lookup of 1 ms).
    leaf_rows, checkpoint_rows = tables.read_together(
        [
            (
                f"SELECT {_LEAF} FROM {tables.leaves_table} l "  # noqa: S608
                f"LEFT JOIN {tables.events} e ON e.originator_id = l.originator_id "
                "AND e.originator_version = l.originator_version "
                f"LEFT JOIN {tables.events} p ON p.originator_id = l.originator_id "
                "AND p.originator_version = l.originator_version - 1 "
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
    leaf = event = previous = None
    if leaf_rows:
        row = leaf_rows[0]
        leaf = LeafRow._make(row[:5])
        if row[5] is not None:
            event = (row[5], leaf.stream, leaf.version, row[6], row[7], row[8])
        if row[9] is not None:
            previous = (row[9], leaf.stream, leaf.version - 1, row[10], row[11], row[12])
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
