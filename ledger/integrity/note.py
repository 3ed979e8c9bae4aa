"""The C2SP signed-note encoding (c2sp.org/signed-note): key hashes, verifier keys, notes.

A note is a UTF-8 text body (newline-terminated lines) followed by a blank line and one
signature line per signer:

    — <key name> base64(4-byte key hash || signature)

The key hash is the first four bytes of SHA-256(key name || 0x0A || type || public key); the
type byte is 0x01 for an Ed25519 note signature and 0x04 for an Ed25519 tlog cosignature. A
verifier key names a key in one line: `<name>+<key hash, 8 hex digits>+base64(type || key)`.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519: Final = 0x01
COSIGNATURE_V1: Final = 0x04
DASH: Final = "\u2014"  # the em dash that starts every signature line
_NAME = re.compile(r"[^\s+]+")
_VERIFIER_KEY = re.compile(r"[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*")


class NoteError(ValueError):
    """A note, signature line or verifier key is malformed."""


def raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def is_valid_name(name: str) -> bool:
    """A key name: non-empty, no spaces, no plus signs (they separate a verifier key's parts)."""
    return bool(_NAME.fullmatch(name)) and name.isprintable()


def key_hash(name: str, kind: int, key: Ed25519PublicKey) -> bytes:
    """The 4-byte key hash of a key of this type under this name."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + raw(key)).digest()[:4]


def verifier_key(name: str, key: Ed25519PublicKey, kind: int = ED25519) -> str:
    """`name+hash+base64(type || key)`, the one-line form of a public key that tools read."""
    if not is_valid_name(name):
        raise NoteError(f"not a valid key name: {name!r}")
    material = base64.b64encode(bytes([kind]) + raw(key)).decode("ascii")
    return f"{name}+{key_hash(name, kind, key).hex()}+{material}"


@dataclass(frozen=True)
class VerifierKey:
    """A parsed verifier key: its name, type byte and Ed25519 key."""

    name: str
    kind: int
    key: Ed25519PublicKey

    @property
    def hash(self) -> bytes:
        return key_hash(self.name, self.kind, self.key)


def looks_like_verifier_key(text: str) -> bool:
    """Whether this one line is shaped as name+hash+base64 (and so not bare base64)."""
    return bool(_VERIFIER_KEY.fullmatch(text.strip()))


def parse_verifier_key(text: str) -> VerifierKey:
    """A verifier key line, checked: its hash must match its name and key."""
    # The key's base64 may itself hold plus signs: only the first two separate.
    if not looks_like_verifier_key(text):
        raise NoteError("a verifier key is name+hash+base64")
    name, hash_hex, material = text.strip().split("+", 2)
    if not is_valid_name(name):
        raise NoteError(f"not a valid key name: {name!r}")
    try:
        data = base64.b64decode(material, validate=True)
        stated = bytes.fromhex(hash_hex)
    except (binascii.Error, ValueError):
        raise NoteError("a verifier key's hash is hex and its key base64") from None
    if len(data) != 33 or data[0] not in (ED25519, COSIGNATURE_V1) or len(stated) != 4:
        raise NoteError("a verifier key must hold an Ed25519 key (type 0x01 or 0x04)")
    parsed = VerifierKey(name, data[0], Ed25519PublicKey.from_public_bytes(data[1:]))
    if parsed.hash != stated:
        raise NoteError(f"the verifier key's hash does not match its name and key ({name})")
    return parsed


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the signer's name, its key hash and what follows it."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        encoded = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{DASH} {self.name} {encoded}"


def parse_signature_line(line: str) -> NoteSignature:
    prefix, _, rest = line.partition(" ")
    name, _, encoded = rest.partition(" ")
    if prefix != DASH or not is_valid_name(name) or not encoded or " " in encoded:
        raise NoteError(f"a signature line is '{DASH} <name> <base64>'")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("a signature line's signature is not base64") from None
    if len(data) < 5:
        raise NoteError("a signature line's signature is too short")
    return NoteSignature(name, data[:4], data[4:])


def format_note(body: str, signatures: list[NoteSignature]) -> str:
    return body + "\n" + "".join(signature.line() + "\n" for signature in signatures)


def parse_note(text: str) -> tuple[str, list[NoteSignature]]:
    """A note's body (ending in a newline) and its signature lines."""
    body, separator, block = text.rpartition("\n\n")
    if not separator or not block.endswith("\n") or "\n\n" in block:
        raise NoteError("a note is a body, a blank line and signature lines")
    return body + "\n", [parse_signature_line(line) for line in block[:-1].split("\n")]
