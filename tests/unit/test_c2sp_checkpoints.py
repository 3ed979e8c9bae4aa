"""Checkpoints as C2SP signed notes, and the first format's checkpoints still verifying."""

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity import merkle
from ledger.integrity.checkpoints import (
    Checkpoint,
    ProofError,
    checkpoint_document,
    checkpoint_from_document,
    checkpoint_from_note,
    note_text,
    sign,
    signature_is_valid,
)
from ledger.integrity.note import verifier_key
from ledger.integrity.public_keys import load_public_key
from tests.conftest import TEST_SIGNING_SEED

ORIGIN = "ledger.example.com/complaints"
STORED_V1 = Path(__file__).parents[1] / "integrity" / "data" / "checkpoint-v1.json"
KEY = Ed25519PrivateKey.from_private_bytes(TEST_SIGNING_SEED)
ROOT = merkle.root([b"a", b"b", b"c"])


def _signed(**changes: object) -> Checkpoint:
    fields: dict = {
        "number": 4,
        "tree_size": 3,
        "root_hash": ROOT,
        "signed_at": "2026-03-31T09:00:00+00:00",
        "heads": {"operation-log": "12:" + "ab" * 32},
        "origin": ORIGIN,
    }
    return sign(KEY, **(fields | changes))  # type: ignore[arg-type]


def test_a_checkpoint_body_is_origin_size_base64_root_then_extension_lines() -> None:
    lines = _signed().body.splitlines()
    assert lines[:3] == [ORIGIN, "3", base64.b64encode(ROOT).decode()]
    assert lines[3:] == [
        "number 4",
        "time 2026-03-31T09:00:00+00:00",
        "head operation-log 12:" + "ab" * 32,
    ]


def test_the_note_is_signed_under_the_origin_and_reads_back_as_the_same_checkpoint() -> None:
    checkpoint = _signed()
    text = note_text(checkpoint)
    assert text.startswith(checkpoint.body + "\n\u2014 " + ORIGIN + " ")
    read = checkpoint_from_note(text)
    assert read == checkpoint and signature_is_valid(read, KEY.public_key())


def test_the_published_verifier_key_loads_as_the_signing_key() -> None:
    line = verifier_key(ORIGIN, KEY.public_key())
    assert load_public_key(line) == KEY.public_key()


def test_a_checkpoint_signed_by_another_key_does_not_verify() -> None:
    other = Ed25519PrivateKey.generate()
    assert not signature_is_valid(_signed(), other.public_key())


def test_a_document_whose_fields_differ_from_its_note_is_refused() -> None:
    document = checkpoint_document(_signed())
    document["tree_size"] = 30
    with pytest.raises(ProofError, match="differ from its signed note"):
        checkpoint_from_document(document)


def test_a_note_with_an_altered_size_no_longer_verifies() -> None:
    text = note_text(_signed()).replace(f"{ORIGIN}\n3\n", f"{ORIGIN}\n4\n", 1)
    assert not signature_is_valid(checkpoint_from_note(text), KEY.public_key())


def test_a_stored_first_format_checkpoint_still_verifies() -> None:
    document = json.loads(STORED_V1.read_text())
    checkpoint = checkpoint_from_document(document)
    assert checkpoint.origin is None
    assert signature_is_valid(checkpoint, KEY.public_key())
    assert checkpoint_document(checkpoint) == document


def test_new_checkpoints_are_issued_in_the_c2sp_format() -> None:
    assert checkpoint_document(_signed())["format"] == "complaint-ledger/checkpoint/2"
