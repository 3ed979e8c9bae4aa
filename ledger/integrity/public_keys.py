"""The ledger's public key as documents: JSON (with its signed-note verifier key), and read
back from any form it is published in."""

import base64
import binascii
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity.checkpoints import ProofError, _get, public_key_id
from ledger.integrity.note import (
    ED25519,
    NoteError,
    looks_like_verifier_key,
    parse_verifier_key,
    raw,
    verifier_key,
)


def public_key_document(key: Ed25519PublicKey, origin: str | None = None) -> dict[str, Any]:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    document: dict[str, Any] = {
        "algorithm": "Ed25519",
        "key_id": public_key_id(key),
        "public_key": base64.b64encode(raw(key)).decode("ascii"),
        "pem": pem.decode("ascii"),
    }
    if origin is not None:
        document["origin"] = origin
        document["verifier_key"] = verifier_key(origin, key)
    return document


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its JSON document (as served), a signed-note verifier key
    (name+hash+base64), a PEM file, or bare base64."""
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
        elif looks_like_verifier_key(text):
            verifier = parse_verifier_key(text)
            if verifier.kind != ED25519:
                raise ProofError("the verifier key is not a log's signing key (type 0x01)")
            return verifier.key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as error:
        if isinstance(error, ProofError):
            raise
        if isinstance(error, NoteError):
            raise ProofError(str(error)) from None
        raise ProofError(
            "cannot read the public key (PEM, base64, a verifier key or its JSON document)"
        ) from None
