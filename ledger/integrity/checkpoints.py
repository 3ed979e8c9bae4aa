"""Signed checkpoints (tree heads) and the documents a compliance officer keeps offline.

A checkpoint is issued as a C2SP signed note (c2sp.org/signed-note) whose body is a C2SP
tlog-checkpoint (`checkpoint_text.py`), signed with Ed25519 under the log's origin as key name;
witnesses' cosignatures (`cosignatures.py`) travel as further signature lines. Checkpoints
signed in the first format (`complaint-ledger checkpoint v1`, `origin` None) still verify.

Everything here works on plain documents (dicts from JSON), so `ledger verify-proof` needs
nothing but the files; it checks them with `proof_check.py`.
"""

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.integrity.chain import HASH_BYTES
from ledger.integrity.checkpoint_text import (
    c2sp_body,
    check_heads,
    legacy_bytes,
    parse_c2sp_body,
)
from ledger.integrity.cosignatures import Cosignature, from_note_signature
from ledger.integrity.note import (
    ED25519,
    NoteError,
    NoteSignature,
    format_note,
    key_hash,
    parse_note,
    raw,
)

DOCUMENT = "complaint-ledger/checkpoint/2"
LEGACY_DOCUMENT = "complaint-ledger/checkpoint/1"


class ProofError(ValueError):
    """A checkpoint, proof or public key document is malformed or does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the ledger's tree had this size and root at this time."""

    number: int
    tree_size: int
    root_hash: bytes
    signed_at: str
    key_id: str
    signature: bytes = field(repr=False)
    heads: Mapping[str, str] = field(default_factory=dict)
    origin: str | None = None  # None: signed in the first format
    # Added later by witnesses: not part of what the log signed, so not of equality.
    cosignatures: tuple[Cosignature, ...] = field(default=(), compare=False)

    @property
    def body(self) -> str:
        """The C2SP checkpoint body (the note text before its signatures)."""
        if self.origin is None:
            raise ValueError(f"checkpoint {self.number} was signed in the first format")
        return c2sp_body(
            self.origin, self.number, self.tree_size, self.root_hash, self.signed_at, self.heads
        )

    def signed_bytes(self) -> bytes:
        if self.origin is None:
            return legacy_bytes(
                self.number, self.tree_size, self.root_hash, self.signed_at, self.heads
            )
        return self.body.encode("utf-8")


def public_key_id(key: Ed25519PublicKey) -> str:
    """A short public name for a signing key: the first 16 hex digits of SHA-256 of its bytes."""
    return hashlib.sha256(raw(key)).hexdigest()[:16]


def key_id_for(key: Ed25519PublicKey, origin: str | None) -> str:
    """A checkpoint's key id: the signed-note key hash (hex) under its origin, or the first
    format's 16 hex digits."""
    return public_key_id(key) if origin is None else key_hash(origin, ED25519, key).hex()


def sign(
    key: Ed25519PrivateKey,
    *,
    number: int,
    tree_size: int,
    root_hash: bytes,
    signed_at: str,
    heads: Mapping[str, str] | None = None,
    origin: str | None = None,
) -> Checkpoint:
    """Sign a tree head: as a C2SP checkpoint of `origin` (in the first format without one)."""
    heads = dict(heads or {})
    check_heads(heads)
    unsigned = Checkpoint(
        number,
        tree_size,
        root_hash,
        signed_at,
        key_id_for(key.public_key(), origin),
        b"",
        heads,
        origin,
    )
    return replace(unsigned, signature=key.sign(unsigned.signed_bytes()))


def signature_is_valid(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    """Whether `key` signed exactly this checkpoint."""
    if checkpoint.key_id != key_id_for(key, checkpoint.origin):
        return False
    try:
        key.verify(checkpoint.signature, checkpoint.signed_bytes())
    except InvalidSignature:
        return False
    return True


# -- the signed note -------------------------------------------------------------------------


def note_text(checkpoint: Checkpoint) -> str:
    """The checkpoint as a C2SP signed note: the log's signature, then the witnesses'."""
    if checkpoint.origin is None:
        raise ValueError(f"checkpoint {checkpoint.number} was signed in the first format")
    own = NoteSignature(checkpoint.origin, bytes.fromhex(checkpoint.key_id), checkpoint.signature)
    return format_note(
        checkpoint.body, [own, *(c.as_note_signature() for c in checkpoint.cosignatures)]
    )


def checkpoint_from_note(text: str) -> Checkpoint:
    """A checkpoint read from its note: the log's signature and any cosignatures."""
    try:
        body, signatures = parse_note(text)
        facts = parse_c2sp_body(body)
    except NoteError as error:
        raise ProofError(f"note: {error}") from None
    own = [s for s in signatures if s.name == facts.origin and len(s.signature) == 64]
    if not own:
        raise ProofError(f"note: no signature of the log {facts.origin}")
    cosignatures = [from_note_signature(s) for s in signatures if s not in own]
    return Checkpoint(
        facts.number,
        facts.tree_size,
        facts.root_hash,
        facts.signed_at,
        own[0].key_hash.hex(),
        own[0].signature,
        facts.heads,
        facts.origin,
        tuple(c for c in cosignatures if c),
    )


# -- documents -------------------------------------------------------------------------------


def checkpoint_document(checkpoint: Checkpoint) -> dict[str, Any]:
    """The small JSON document to keep outside the system (with its note when it has one)."""
    document = {
        "format": LEGACY_DOCUMENT if checkpoint.origin is None else DOCUMENT,
        "number": checkpoint.number,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash.hex(),
        "signed_at": checkpoint.signed_at,
        "key_id": checkpoint.key_id,
        "signature": base64.b64encode(checkpoint.signature).decode("ascii"),
        "heads": dict(checkpoint.heads),
    }
    if checkpoint.origin is not None:
        document["origin"] = checkpoint.origin
        document["note"] = note_text(checkpoint)
    return document


def _get(document: Mapping[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProofError(f"{name}: expected a {kind.__name__}")
    return value


def _hex(document: Mapping[str, Any], name: str) -> bytes:
    try:
        value = bytes.fromhex(_get(document, name, str))
    except ValueError:
        raise ProofError(f"{name}: expected hexadecimal") from None
    if len(value) != HASH_BYTES:
        raise ProofError(f"{name}: expected 32 bytes")
    return value


def _b64(document: Mapping[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(_get(document, name, str), validate=True)
    except (binascii.Error, ValueError):
        raise ProofError(f"{name}: expected base64") from None


def checkpoint_from_document(document: Any) -> Checkpoint:
    """A checkpoint from its document: the note is what counts; the fields must agree with it."""
    if isinstance(document, dict) and document.get("format") == DOCUMENT:
        checkpoint = checkpoint_from_note(_get(document, "note", str))
        if checkpoint_document(replace(checkpoint, cosignatures=())) != {
            **document,
            "note": note_text(replace(checkpoint, cosignatures=())),
        }:
            raise ProofError("the document's fields differ from its signed note")
        return checkpoint
    if not isinstance(document, dict) or document.get("format") != LEGACY_DOCUMENT:
        raise ProofError(f"not a checkpoint document (format {DOCUMENT!r} expected)")
    heads = document.get("heads", {})
    if not isinstance(heads, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in heads.items()
    ):
        raise ProofError("heads: expected an object of strings")
    return Checkpoint(
        number=_get(document, "number", int),
        tree_size=_get(document, "tree_size", int),
        root_hash=_hex(document, "root_hash"),
        signed_at=_get(document, "signed_at", str),
        key_id=_get(document, "key_id", str),
        signature=_b64(document, "signature"),
        heads=heads,
    )
