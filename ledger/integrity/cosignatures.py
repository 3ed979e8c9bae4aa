"""Witness cosignatures of checkpoints (c2sp.org/tlog-cosignature, cosignature/v1, Ed25519).

A witness signs, with its own Ed25519 key, the message

    cosignature/v1
    time <seconds since the epoch>
    <the checkpoint's whole note body>

and the note carries it as one more signature line: `— <witness name>
base64(key hash || 8-byte big-endian time || 64-byte signature)`, the key hash taken with type
0x04. A cosignature says the witness saw this tree head and no inconsistent one; held by a party
outside the operator, it shortens the window in which an insider could rewrite unkept history.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.note import COSIGNATURE_V1, NoteSignature, VerifierKey, key_hash

HEADER = "cosignature/v1"
MAX_TIME = 2**63 - 1


@dataclass(frozen=True)
class Cosignature:
    """One witness's cosignature of one checkpoint body."""

    witness: str
    key_hash: bytes
    time: int
    signature: bytes

    def as_note_signature(self) -> NoteSignature:
        return NoteSignature(
            self.witness, self.key_hash, self.time.to_bytes(8, "big") + self.signature
        )


def message(body: str, time: int) -> bytes:
    """The bytes a witness signs for a checkpoint body at `time`."""
    return f"{HEADER}\ntime {time}\n{body}".encode()


def cosign(key: Ed25519PrivateKey, witness: str, body: str, time: int) -> Cosignature:
    """A witness's cosignature (what a witness does; here for tests and tools)."""
    digest = key_hash(witness, COSIGNATURE_V1, key.public_key())
    return Cosignature(witness, digest, time, key.sign(message(body, time)))


def from_note_signature(signature: NoteSignature) -> Cosignature | None:
    """A signature line read as a cosignature (None if it cannot be one: wrong length)."""
    if len(signature.signature) != 8 + 64:
        return None
    time = int.from_bytes(signature.signature[:8], "big")
    if time > MAX_TIME:
        return None
    return Cosignature(signature.name, signature.key_hash, time, signature.signature[8:])


def is_valid(cosignature: Cosignature, witness: VerifierKey, body: str) -> bool:
    """Whether this witness key made this cosignature of this body."""
    if witness.kind != COSIGNATURE_V1 or cosignature.witness != witness.name:
        return False
    if cosignature.key_hash != witness.hash:
        return False
    try:
        witness.key.verify(cosignature.signature, message(body, cosignature.time))
    except InvalidSignature:
        return False
    return True


def witnesses_that_cosigned(
    cosignatures: Iterable[Cosignature], witnesses: Sequence[VerifierKey], body: str
) -> set[str]:
    """The names of the given witnesses with a valid cosignature of `body` among these."""
    return {
        witness.name
        for witness in witnesses
        for cosignature in cosignatures
        if is_valid(cosignature, witness, body)
    }
