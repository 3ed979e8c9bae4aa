"""Accepting a witness's cosignature of a checkpoint: checked against the configured witness
keys, stored beside the checkpoint (append-only), served in its note from then on."""

from typing import TYPE_CHECKING

from eventsourcing.persistence import IntegrityError

from ledger.errors import LedgerError
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.cosignatures import from_note_signature, is_valid
from ledger.integrity.note import NoteError, parse_signature_line
from ledger.integrity.tables import StoredCosignature

if TYPE_CHECKING:
    from ledger.integrity.service import Integrity


class CosignatureError(LedgerError):
    """A cosignature that is malformed, from no configured witness, or does not verify."""


def accept_cosignature(integrity: "Integrity", number: int, line: str) -> Checkpoint:
    """Check one signature line against the witness keys and store it beside checkpoint
    `number`; the checkpoint with its cosignatures. The same line again changes nothing."""
    checkpoint = integrity.get_checkpoint(number)
    if checkpoint.origin is None:
        raise CosignatureError(
            f"checkpoint {number} was signed in the first format: witnesses cosign C2SP ones"
        )
    try:
        cosignature = from_note_signature(parse_signature_line(line.strip()))
    except NoteError as error:
        raise CosignatureError(str(error)) from None
    if cosignature is None:
        raise CosignatureError("a cosignature/v1 holds a key hash, an 8-byte time and 64 bytes")
    witness = next(
        (
            w
            for w in integrity.witnesses
            if w.name == cosignature.witness and w.hash == cosignature.key_hash
        ),
        None,
    )
    if witness is None:
        raise CosignatureError(f"{cosignature.witness} is not a configured witness key")
    if not is_valid(cosignature, witness, checkpoint.body):
        raise CosignatureError(
            f"the cosignature does not verify with {witness.name}'s key for checkpoint {number}"
        )
    if cosignature in checkpoint.cosignatures:
        return checkpoint
    try:
        integrity.tables.add_cosignature(
            StoredCosignature(
                number,
                cosignature.witness,
                cosignature.key_hash,
                cosignature.time,
                cosignature.signature,
            )
        )
    except IntegrityError:
        stored = integrity.get_checkpoint(number)
        if cosignature in stored.cosignatures:  # the same line, sent twice at once
            return stored
        raise CosignatureError(
            f"{witness.name} has already cosigned checkpoint {number} (cosignatures are kept)"
        ) from None
    return integrity.get_checkpoint(number)
