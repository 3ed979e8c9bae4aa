"""Signed checkpoints (tree heads) and the proof documents a compliance officer keeps offline.

The signed bytes of a checkpoint are UTF-8 text, one field a line:

    complaint-ledger checkpoint v1
    <number>
    <tree size>
    <root hash, lower-case hex>
    <signed at, ISO 8601 UTC>
    head <name> <value>        (one line per extra head, sorted by name; none today)

signed with Ed25519. Everything here works on plain documents (dicts from JSON), so
`ledger verify-proof` needs nothing but the files; it checks them with `proof_check.py`.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.integrity.chain import HASH_BYTES

FORMAT = "complaint-ledger checkpoint v1"
DOCUMENT = "complaint-ledger/checkpoint/1"


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


def public_key_id(key: Ed25519PublicKey) -> str:
    """A short public name for a signing key: the first 16 hex digits of SHA-256 of its bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signed_bytes(
    number: int, tree_size: int, root_hash: bytes, signed_at: str, heads: Mapping[str, str]
) -> bytes:
    lines = [FORMAT, str(number), str(tree_size), root_hash.hex(), signed_at]
    lines += [f"head {name} {heads[name]}" for name in sorted(heads)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sign(
    key: Ed25519PrivateKey,
    *,
    number: int,
    tree_size: int,
    root_hash: bytes,
    signed_at: str,
    heads: Mapping[str, str] | None = None,
) -> Checkpoint:
    heads = dict(heads or {})
    for name, value in heads.items():
        if not name or any(c.isspace() for c in name + value):
            raise ValueError("an extra head's name and value must be non-empty, without spaces")
    signature = key.sign(signed_bytes(number, tree_size, root_hash, signed_at, heads))
    return Checkpoint(
        number, tree_size, root_hash, signed_at, public_key_id(key.public_key()), signature, heads
    )


def signature_is_valid(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    """Whether `key` signed exactly this checkpoint."""
    if checkpoint.key_id != public_key_id(key):
        return False
    message = signed_bytes(
        checkpoint.number,
        checkpoint.tree_size,
        checkpoint.root_hash,
        checkpoint.signed_at,
        checkpoint.heads,
    )
    try:
        key.verify(checkpoint.signature, message)
    except InvalidSignature:
        return False
    return True


# -- documents -------------------------------------------------------------------------------


def checkpoint_document(checkpoint: Checkpoint) -> dict[str, Any]:
    """The small JSON document to keep outside the system."""
    return {
        "format": DOCUMENT,
        "number": checkpoint.number,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash.hex(),
        "signed_at": checkpoint.signed_at,
        "key_id": checkpoint.key_id,
        "signature": base64.b64encode(checkpoint.signature).decode("ascii"),
        "heads": dict(checkpoint.heads),
    }


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
    if not isinstance(document, dict) or document.get("format") != DOCUMENT:
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


def public_key_document(key: Ed25519PublicKey) -> dict[str, Any]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "algorithm": "Ed25519",
        "key_id": public_key_id(key),
        "public_key": base64.b64encode(raw).decode("ascii"),
        "pem": pem.decode("ascii"),
    }


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its JSON document (as served), a PEM file, or bare base64."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise ProofError("the public key is not an Ed25519 key")
            return key
        if text.startswith("{"):
            document = json.loads(text)
            if not isinstance(document, dict):
                raise ProofError("not a public key document")
            text = _get(document, "public_key", str)
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as error:
        if isinstance(error, ProofError):
            raise
        raise ProofError("cannot read the public key (PEM, base64 or its JSON document)") from None
