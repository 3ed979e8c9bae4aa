"""The ledger's tamper evidence over its store: extend the tree, sign checkpoints, serve proofs.

The tree is a projection of the notification log: `update_tree` pulls the events after its
tracking position in batches and stores each batch's leaves and completed subtrees with the new
position in one transaction. A checkpoint signs the tree as it stands after an update.
"""

import base64
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from eventsourcing.persistence import IntegrityError, Tracking

from ledger.audit.operation_log import OperationLog
from ledger.clock import Clock
from ledger.errors import DomainError, NotFoundError
from ledger.integrity import merkle
from ledger.integrity.breaks import Report
from ledger.integrity.chain import GENESIS
from ledger.integrity.checkpoints import (
    Checkpoint,
    checkpoint_document,
    public_key_document,
    sign,
)
from ledger.integrity.merkle import CompactRange
from ledger.integrity.tables import (
    TRACKING_NAME,
    IntegrityTables,
    LeafRow,
    StoredCheckpoint,
)
from ledger.integrity.verify import Check, Progress, verify_ledger

BATCH = 10_000
HeadProvider = Callable[[], tuple[str, str]]
"""Another hash-chained log's (name, head hash) to include in every checkpoint (left out while
the hash is empty)."""


def to_checkpoint(stored: StoredCheckpoint) -> Checkpoint:
    return Checkpoint(
        stored.number,
        stored.tree_size,
        stored.root_hash,
        stored.signed_at,
        stored.key_id,
        stored.signature,
        json.loads(stored.heads),
    )


class Integrity:
    """Checkpoints and proofs for one ledger."""

    def __init__(self, tables: IntegrityTables, key: Ed25519PrivateKey, clock: Clock) -> None:
        self.tables = tables
        self._key = key
        self.clock = clock
        self.head_providers: list[HeadProvider] = []
        # What `verify` checks beside the tree: the audit log whose head checkpoints sign, and
        # the checks of other tables covered by the tree (the archive's).
        self.audit: OperationLog | None = None
        self.checks: list[Check] = []

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def public_key_document(self) -> dict[str, Any]:
        return public_key_document(self.public_key)

    def sign_statement(self, message: bytes) -> bytes:
        """Sign bytes that are not a checkpoint; the caller prefixes its own context line
        (an evidence bundle's manifest: ledger/integrity/evidence/manifest.py)."""
        return self._key.sign(message)

    # -- the tree -----------------------------------------------------------------------------

    def update_tree(self) -> int:
        """Add every event not yet in the tree; return the tree's size."""
        while True:
            size = self.tables.tree_size()
            position = self.tables.last_notification_id()
            events = self.tables.events_after(position, limit=BATCH, with_state=False)
            if not events:
                return size
            tree = CompactRange.load(size, self.tables.nodes)
            leaves, nodes = [], []
            for nid, stream, version, _, _, chained in events:
                digest = chained or GENESIS  # a row written around the ledger; verify names it
                leaves.append(LeafRow(tree.size, nid, stream, version, digest))
                nodes.extend(tree.append(merkle.leaf_hash(digest)))
            try:
                self.tables.append(leaves, nodes, Tracking(TRACKING_NAME, events[-1][0]))
            except IntegrityError:
                continue  # another process extended the tree first: start from where it got to

    def verify(
        self,
        *,
        stream: UUID | None = None,
        up_to_checkpoint: int | None = None,
        kept: list[Checkpoint] | None = None,
        progress: Progress | None = None,
    ) -> Report:
        """`ledger verify`: the tree, the chains, the checkpoints, the audit log and the rest."""
        return verify_ledger(
            self.tables,
            self.public_key,
            self.checkpoints(),
            stream=stream,
            up_to_checkpoint=up_to_checkpoint,
            kept=kept,
            progress=progress,
            audit=self.audit,
            extra=self.checks,
        )

    # -- checkpoints --------------------------------------------------------------------------

    def checkpoint(self, *, force: bool = False) -> Checkpoint:
        """Bring the tree up to date and sign its head (unless the last checkpoint has it)."""
        for _ in range(5):
            size = self.update_tree()
            heads = {k: v for k, v in (provider() for provider in self.head_providers) if v}
            existing = self.tables.checkpoints(latest=True)
            if existing and not force:
                latest = to_checkpoint(existing[-1])
                if latest.tree_size == size and latest.heads == heads:
                    return latest
            tree = CompactRange.load(size, self.tables.nodes)
            checkpoint = sign(
                self._key,
                number=(existing[-1].number + 1) if existing else 1,
                tree_size=size,
                root_hash=tree.root(),
                signed_at=self.clock.now().isoformat(),
                heads=heads,
            )
            try:
                self.tables.add_checkpoint(
                    StoredCheckpoint(
                        checkpoint.number,
                        checkpoint.tree_size,
                        checkpoint.root_hash,
                        checkpoint.signed_at,
                        checkpoint.key_id,
                        checkpoint.signature,
                        json.dumps(dict(checkpoint.heads), sort_keys=True),
                    )
                )
            except IntegrityError:
                continue  # another process took this number: sign again with the next
            return checkpoint
        raise DomainError("could not store a checkpoint: other processes kept taking its number")

    def checkpoints(self) -> list[Checkpoint]:
        return [to_checkpoint(stored) for stored in self.tables.checkpoints()]

    def get_checkpoint(self, number: int | None = None) -> Checkpoint:
        """The checkpoint with this number, or the latest."""
        found = self.tables.checkpoints(number=number, latest=number is None)
        if not found:
            raise NotFoundError(
                "no checkpoint yet" if number is None else f"no checkpoint {number}"
            )
        return to_checkpoint(found[-1])

    # -- proofs -------------------------------------------------------------------------------

    def inclusion_proof(
        self,
        *,
        stream_id: UUID | None = None,
        version: int | None = None,
        notification_id: int | None = None,
        checkpoint: int | None = None,
    ) -> dict[str, Any]:
        """Proof that one event is in a checkpoint's tree (the latest by default)."""
        with self.tables.session():
            return self._inclusion_proof(stream_id, version, notification_id, checkpoint)

    def _inclusion_proof(
        self,
        stream_id: UUID | None,
        version: int | None,
        notification_id: int | None,
        checkpoint: int | None,
    ) -> dict[str, Any]:
        if notification_id is not None:
            leaf = self.tables.leaf_for_notification(notification_id)
        elif stream_id is not None and version is not None:
            leaf = self.tables.leaf_for_event(stream_id, version)
        else:
            raise DomainError("name the event by stream_id and version, or notification_id")
        if leaf is None:
            raise NotFoundError("no such event in the tree (yet)")
        signed = self.get_checkpoint(checkpoint)
        if leaf.position >= signed.tree_size:
            raise DomainError(
                f"checkpoint {signed.number} covers {signed.tree_size} events; this event is "
                f"number {leaf.position + 1}: wait for the next checkpoint",
                field="checkpoint",
            )
        ranges = merkle.inclusion_ranges(leaf.position, signed.tree_size)
        nodes = self.tables.nodes(merkle.nodes_for(ranges))
        stream = UUID(bytes=leaf.stream)
        rows = self.tables.events_in_stream_order(
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

    def consistency_proof(self, *, first: int, second: int | None = None) -> dict[str, Any]:
        """Proof that a later checkpoint's tree extends an earlier one's unchanged."""
        with self.tables.session():
            return self._consistency_proof(first, second)

    def _consistency_proof(self, first: int, second: int | None) -> dict[str, Any]:
        older, newer = self.get_checkpoint(first), self.get_checkpoint(second)
        if older.tree_size > newer.tree_size or older.tree_size == 0:
            raise DomainError(
                "the first checkpoint must be non-empty and no larger than the second",
                field="first",
            )
        nodes = self.tables.nodes(
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
