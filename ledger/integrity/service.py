"""The ledger's tamper evidence over its store: extend the tree, sign checkpoints, serve proofs.

The tree is a projection of the notification log: `update_tree` pulls the events after its
tracking position in batches and stores each batch's leaves and completed subtrees with the new
position in one transaction. A checkpoint signs the tree as it stands after an update.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from eventsourcing.persistence import IntegrityError, Tracking

from ledger.audit.operation_log import OperationLog
from ledger.clock import Clock
from ledger.errors import DomainError, NotFoundError
from ledger.integrity import merkle, proofs
from ledger.integrity.breaks import Report
from ledger.integrity.chain import GENESIS
from ledger.integrity.checkpoint_records import is_recorded, only_record_after
from ledger.integrity.checkpoint_tables import to_checkpoint
from ledger.integrity.checkpoints import Checkpoint, public_key_id, sign
from ledger.integrity.merkle import CompactRange
from ledger.integrity.note import VerifierKey, verifier_key
from ledger.integrity.public_keys import public_key_document
from ledger.integrity.tables import (
    TRACKING_NAME,
    IntegrityTables,
    LeafRow,
    StoredCheckpoint,
    StoredCosignature,
)
from ledger.integrity.verify import Check, Progress, verify_ledger
from ledger.integrity.witnesses import accept_cosignature

BATCH = 10_000
HeadProvider = Callable[[], tuple[str, str]]
"""Another hash-chained log's (name, head hash) to include in every checkpoint (left out while
the hash is empty)."""


def default_origin(key: Ed25519PublicKey) -> str:
    """A log origin unique to the deployment that holds this signing key, the same in each of
    its processes and across restarts (set LEDGER_LOG_ORIGIN to the service's URL instead)."""
    return f"complaint-ledger.invalid/{public_key_id(key)}"


class Integrity:
    """Checkpoints and proofs for one ledger."""

    def __init__(
        self,
        tables: IntegrityTables,
        key: Ed25519PrivateKey,
        clock: Clock,
        *,
        origin: str | None = None,
        witnesses: Sequence[VerifierKey] = (),
    ) -> None:
        self.tables = tables
        self._key = key
        self.clock = clock
        self.origin = origin or default_origin(key.public_key())
        self.witnesses = list(witnesses)  # whose cosignatures are accepted
        self.head_providers: list[HeadProvider] = []
        # What `verify` checks beside the tree: the audit log whose head checkpoints sign, and
        # the checks of other tables covered by the tree (the archive's).
        self.audit: OperationLog | None = None
        self.checks: list[Check] = []
        # Records each stored checkpoint in the ledger (checkpoint_records.py), when set.
        self.record: Callable[[Checkpoint], None] | None = None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def public_key_document(self) -> dict[str, Any]:
        return public_key_document(self.public_key, self.origin)

    def verifier_key(self) -> str:
        """The signing key as a signed-note verifier key (name+hash+base64)."""
        return verifier_key(self.origin, self.public_key)

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
            witnesses=self.witnesses,
        )

    # -- checkpoints --------------------------------------------------------------------------

    def checkpoint(self, *, force: bool = False) -> Checkpoint:
        """Bring the tree up to date and sign its head (unless the last checkpoint has it)."""
        for _ in range(5):
            size = self.update_tree()
            heads = {k: v for k, v in (provider() for provider in self.head_providers) if v}
            existing = self.tables.checkpoints(latest=True)
            if existing and self.record is not None:
                latest = to_checkpoint(existing[-1])
                if not is_recorded(self.tables, latest.number):
                    self.record(latest)  # its signer was stopped before recording it
                    size = self.update_tree()
            if existing and not force:
                latest = to_checkpoint(existing[-1])
                # Its own record, written after it, is no change of the ledger's.
                grown = size - latest.tree_size
                if (latest.heads, latest.origin) == (heads, self.origin) and (
                    grown == 0
                    or (grown == 1 and self.record and only_record_after(self.tables, latest))
                ):
                    return self.get_checkpoint(latest.number)
            tree = CompactRange.load(size, self.tables.nodes)
            checkpoint = sign(
                self._key,
                number=(existing[-1].number + 1) if existing else 1,
                tree_size=size,
                root_hash=tree.root(),
                signed_at=self.clock.now().isoformat(),
                heads=heads,
                origin=self.origin,
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
                        checkpoint.origin,
                    )
                )
            except IntegrityError:
                continue  # another process took this number: sign again with the next
            if self.record is not None:
                self.record(checkpoint)
            return checkpoint
        raise DomainError("could not store a checkpoint: other processes kept taking its number")

    def checkpoints(self) -> list[Checkpoint]:
        stored = self.tables.checkpoints()
        return self._with_cosignatures(stored)

    def _with_cosignatures(self, stored: list[StoredCheckpoint]) -> list[Checkpoint]:
        cosigned: dict[int, list[StoredCosignature]] = {}
        for cosignature in self.tables.cosignatures([c.number for c in stored]):
            cosigned.setdefault(cosignature.number, []).append(cosignature)
        return [to_checkpoint(c, cosigned.get(c.number, ())) for c in stored]

    def get_checkpoint(self, number: int | None = None) -> Checkpoint:
        """The checkpoint with this number, or the latest."""
        found = self.tables.checkpoints(number=number, latest=number is None)
        if not found:
            raise NotFoundError(
                "no checkpoint yet" if number is None else f"no checkpoint {number}"
            )
        return self._with_cosignatures(found[-1:])[0]

    def add_cosignature(self, number: int, line: str) -> Checkpoint:
        """Store a configured witness's cosignature of a checkpoint; the checkpoint with it."""
        return accept_cosignature(self, number, line)

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
            return proofs.inclusion(self, stream_id, version, notification_id, checkpoint)

    def consistency_proof(self, *, first: int, second: int | None = None) -> dict[str, Any]:
        """Proof that a later checkpoint's tree extends an earlier one's unchanged."""
        with self.tables.session():
            return proofs.consistency(self, first, second)
