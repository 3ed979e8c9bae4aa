"""The bundle's checkpoint: the exact text its Ed25519 signature covers, kept as it was signed.

A verifier checks the signature over the text's bytes and only then reads the tree size, the
root hash and the extra heads out of it. Nothing else in the bundle restates them, so a change
in how checkpoints are written touches this module alone.
"""

import base64
import binascii
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity.chain import HASH_BYTES
from ledger.integrity.checkpoint_text import LEGACY_FORMAT, parse_c2sp_body
from ledger.integrity.checkpoints import Checkpoint, ProofError, key_id_for, public_key_id
from ledger.integrity.note import NoteError


@dataclass(frozen=True)
class SignedText:
    """A checkpoint as the bundle carries it: the signed text and its signature."""

    text: bytes
    signature: bytes = field(repr=False)


def signed_text(checkpoint: Checkpoint) -> SignedText:
    """The text `checkpoint`'s signature covers, and the signature."""
    return SignedText(checkpoint.signed_bytes(), checkpoint.signature)


def signature_line(signed: SignedText) -> bytes:
    return base64.b64encode(signed.signature) + b"\n"


def read_signature(line: bytes) -> bytes:
    try:
        return base64.b64decode(line.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ProofError("checkpoint.sig: expected one line of base64") from None


def open_signed(signed: SignedText, key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint in `signed`, once its signature checks under `key`."""
    try:
        key.verify(signed.signature, signed.text)
    except InvalidSignature:
        raise ProofError("the checkpoint's signature does not verify with the key") from None
    try:
        text = signed.text.decode("utf-8")
    except UnicodeDecodeError:
        raise ProofError("the checkpoint is not UTF-8 text") from None
    if text.startswith(LEGACY_FORMAT + "\n"):
        return _legacy(text, signed, key)
    try:
        body = parse_c2sp_body(text)
    except NoteError as error:
        raise ProofError(f"the checkpoint is not a C2SP checkpoint: {error}") from None
    return Checkpoint(
        body.number,
        body.tree_size,
        body.root_hash,
        body.signed_at,
        key_id_for(key, body.origin),
        signed.signature,
        body.heads,
        body.origin,
    )


def _legacy(text: str, signed: SignedText, key: Ed25519PublicKey) -> Checkpoint:
    """A checkpoint signed in the first format (`complaint-ledger checkpoint v1`)."""
    lines = text.split("\n")
    if len(lines) < 6 or lines[-1] != "":
        raise ProofError(f"the checkpoint is not {LEGACY_FORMAT!r} text")
    heads: dict[str, str] = {}
    for line in lines[5:-1]:
        kind, name, value = [*line.split(" "), "", ""][:3]
        if kind != "head" or not name:
            raise ProofError(f"the checkpoint has an unknown line {line[:40]!r}")
        heads[name] = value
    try:
        number, size, root = int(lines[1]), int(lines[2]), bytes.fromhex(lines[3])
    except ValueError:
        raise ProofError("the checkpoint's number, size or root is malformed") from None
    if len(root) != HASH_BYTES:
        raise ProofError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(number, size, root, lines[4], public_key_id(key), signed.signature, heads)
