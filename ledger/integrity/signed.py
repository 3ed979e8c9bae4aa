"""`ledger verify`, the signed part: checkpoints' signatures, numbering and kept copies, and
the tree's root compared with every checkpoint's as the leaves rebuild it."""

import hashlib
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity import merkle
from ledger.integrity.breaks import (
    ALTERED,
    BAD_SIGNATURE,
    MISSING,
    TRUNCATED,
    Break,
    Report,
)
from ledger.integrity.checkpoints import Checkpoint, signature_is_valid
from ledger.integrity.cosignatures import is_valid
from ledger.integrity.merkle import CompactRange
from ledger.integrity.note import VerifierKey
from ledger.integrity.tables import IntegrityTables, LeafTuple

CHECKPOINTS = "ledger_checkpoints"


def with_kept(
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


class Roots:
    """Grows the tree from the leaves as they are read; compares roots at checkpoint sizes."""

    def __init__(self, report: Report, checkpoints: list[Checkpoint]) -> None:
        self.report = report
        self.tree = CompactRange()
        self.pending = sorted(checkpoints, key=lambda c: c.tree_size)
        self.active = bool(checkpoints)
        self._compare_reached()

    def fed(self, page: list[LeafTuple]) -> list[LeafTuple]:
        """Add a page of leaves to the tree (checking roots on the way); the same page."""
        if not self.active:
            return page
        # CompactRange.add inlined: this loop runs once per event of the ledger.
        sha256, tree = hashlib.sha256, self.tree
        leaf_prefix, node_prefix = merkle.LEAF_PREFIX, merkle.NODE_PREFIX
        hashes, size = tree.hashes, tree.size
        next_size = self.pending[0].tree_size if self.pending else -1
        for leaf in page:
            current = sha256(leaf_prefix + leaf[4]).digest()
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


def check_checkpoints(
    tables: IntegrityTables,
    report: Report,
    public_key: Ed25519PublicKey,
    checkpoints: list[Checkpoint],
    tree_size: int,
    witnesses: Sequence[VerifierKey] = (),
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
                    table=CHECKPOINTS,
                    row=expected_number,
                )
            )
        expected_number = max(expected_number, checkpoint.number + 1)
        if not signature_is_valid(checkpoint, public_key):
            report.breaks.append(
                Break(
                    BAD_SIGNATURE,
                    f"not signed by the ledger's key (claims key {checkpoint.key_id})",
                    checkpoint=checkpoint.number,
                    table=CHECKPOINTS,
                    row=checkpoint.number,
                )
            )
        report.breaks.extend(_forged_cosignatures(checkpoint, witnesses))
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


def _forged_cosignatures(checkpoint: Checkpoint, witnesses: Sequence[VerifierKey]) -> list[Break]:
    """A stored cosignature that a configured witness key does not verify (one from a key no
    longer configured cannot be checked here, and is left to `verify-proof --witness-key`)."""
    found = []
    for cosignature in checkpoint.cosignatures:
        for witness in witnesses:
            if (witness.name, witness.hash) != (cosignature.witness, cosignature.key_hash):
                continue
            if checkpoint.origin is None or not is_valid(cosignature, witness, checkpoint.body):
                found.append(
                    Break(
                        BAD_SIGNATURE,
                        f"the cosignature of {cosignature.witness} does not verify",
                        checkpoint=checkpoint.number,
                    )
                )
    return found
