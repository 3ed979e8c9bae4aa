"""Checking a proof document offline against checkpoints the caller kept (`ledger verify-proof`).

Works on plain documents (dicts from JSON) and a public key, nothing else.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity import merkle
from ledger.integrity.chain import chain_hash
from ledger.integrity.checkpoints import (
    Checkpoint,
    ProofError,
    _b64,
    _get,
    _hex,
    checkpoint_from_document,
    signature_is_valid,
)
from ledger.integrity.cosignatures import witnesses_that_cosigned
from ledger.integrity.note import VerifierKey


def check_proof(
    proof: Any,
    trusted: list[Checkpoint],
    key: Ed25519PublicKey,
    *,
    witnesses: Sequence[VerifierKey] = (),
    quorum: int = 0,
) -> str:
    """Check a proof document against checkpoints the caller kept; a one-line verdict.

    With `quorum`, at least that many of `witnesses` must have cosigned the checkpoint the
    proof leads to (an inclusion proof's, a consistency proof's second), in the proof's copy or
    a kept one. Raises `ProofError` naming what does not hold.
    """
    if quorum > len(witnesses):
        raise ProofError(f"{quorum} witnesses asked for, but only {len(witnesses)} keys given")
    for checkpoint in trusted:
        if not signature_is_valid(checkpoint, key):
            raise ProofError(f"checkpoint {checkpoint.number} is not signed by this public key")
    if not isinstance(proof, dict):
        raise ProofError("not a proof document")
    kind = proof.get("type")
    try:
        hashes = [bytes.fromhex(h) for h in _get(proof, "proof", list)]
    except (TypeError, ValueError):
        raise ProofError("proof: expected a list of hexadecimal hashes") from None
    if kind == "inclusion":
        checkpoint = _matching(proof.get("checkpoint"), trusted, key)
        _require_kept([checkpoint], trusted)
        leaf = _hex(proof, "chain_hash")
        event = proof.get("event")
        if isinstance(event, dict):
            recomputed = chain_hash(
                _hex_any(event, "stream_bytes"),
                _get(proof, "version", int),
                _get(event, "topic", str),
                _b64(event, "state"),
                _hex(event, "previous_chain_hash"),
            )
            if recomputed != leaf:
                raise ProofError("the event's stored bytes do not hash to its chain hash")
        _require_witnesses(checkpoint, trusted, witnesses, quorum)
        index = _get(proof, "leaf_index", int)
        if not merkle.verify_inclusion(
            index, checkpoint.tree_size, merkle.leaf_hash(leaf), hashes, checkpoint.root_hash
        ):
            raise ProofError(
                f"the event is NOT included at position {index} of checkpoint {checkpoint.number}"
            )
        return (
            f"OK: stream {proof.get('stream_id')} version {proof.get('version')} is leaf {index} "
            f"of checkpoint {checkpoint.number} (tree size {checkpoint.tree_size})"
            + _cosigned(quorum)
        )
    if kind == "consistency":
        first = _matching(proof.get("first"), trusted, key)
        second = _matching(proof.get("second"), trusted, key)
        _require_kept([first, second], trusted)
        _require_witnesses(second, trusted, witnesses, quorum)
        if not merkle.verify_consistency(
            first.tree_size, second.tree_size, first.root_hash, second.root_hash, hashes
        ):
            raise ProofError(
                f"checkpoint {second.number} does NOT extend checkpoint {first.number} unchanged"
            )
        return (
            f"OK: checkpoint {second.number} (tree size {second.tree_size}) extends checkpoint "
            f"{first.number} (tree size {first.tree_size}) unchanged" + _cosigned(quorum)
        )
    raise ProofError("type: expected 'inclusion' or 'consistency'")


def _hex_any(document: Mapping[str, Any], name: str) -> bytes:
    try:
        return bytes.fromhex(_get(document, name, str))
    except ValueError:
        raise ProofError(f"{name}: expected hexadecimal") from None


def _matching(document: Any, trusted: list[Checkpoint], key: Ed25519PublicKey) -> Checkpoint:
    """A checkpoint in a proof: signed by the key, equal to a kept one of the same number."""
    checkpoint = checkpoint_from_document(document)
    if not signature_is_valid(checkpoint, key):
        raise ProofError(f"checkpoint {checkpoint.number} in the proof is not signed by this key")
    for kept in trusted:
        if kept.number == checkpoint.number and kept != checkpoint:
            raise ProofError(
                f"checkpoint {checkpoint.number} in the proof differs from the one you kept"
            )
    return checkpoint


def _require_kept(embedded: list[Checkpoint], trusted: list[Checkpoint]) -> None:
    if not any(checkpoint in trusted for checkpoint in embedded):
        numbers = ", ".join(str(c.number) for c in embedded)
        raise ProofError(f"the proof is against checkpoint(s) {numbers}, not one you gave")


def _require_witnesses(
    checkpoint: Checkpoint,
    trusted: list[Checkpoint],
    witnesses: Sequence[VerifierKey],
    quorum: int,
) -> None:
    if not quorum:
        return
    if checkpoint.origin is None:
        raise ProofError(f"checkpoint {checkpoint.number} is in the first format: never cosigned")
    cosignatures = [
        *checkpoint.cosignatures,
        *(c for kept in trusted if kept == checkpoint for c in kept.cosignatures),
    ]
    cosigned = witnesses_that_cosigned(cosignatures, witnesses, checkpoint.body)
    if len(cosigned) < quorum:
        named = ", ".join(sorted(cosigned)) or "none"
        raise ProofError(
            f"checkpoint {checkpoint.number} is cosigned by {len(cosigned)} of the witnesses "
            f"given ({named}); {quorum} required"
        )


def _cosigned(quorum: int) -> str:
    return f", cosigned by at least {quorum} witness(es)" if quorum else ""
