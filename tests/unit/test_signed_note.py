"""The C2SP signed-note encoding, checked against the example published with Go's note package."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.note import (
    ED25519,
    NoteError,
    NoteSignature,
    format_note,
    key_hash,
    parse_note,
    parse_verifier_key,
    verifier_key,
)

# The example in golang.org/x/mod/sumdb/note's package documentation.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM="
)


def _go_private_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(GO_SIGNER.split("+", 4)[4])[1:]
    return Ed25519PrivateKey.from_private_bytes(seed)


def test_a_published_verifier_key_parses_with_its_hash_checked() -> None:
    parsed = parse_verifier_key(GO_VERIFIER)
    assert (parsed.name, parsed.kind, parsed.hash.hex()) == ("PeterNeumann", ED25519, "c74f20a3")


def test_our_verifier_key_of_the_published_key_is_the_published_line() -> None:
    assert verifier_key("PeterNeumann", _go_private_key().public_key()) == GO_VERIFIER


def test_our_signature_line_over_the_published_text_is_the_published_line() -> None:
    key = _go_private_key()
    digest = key_hash("PeterNeumann", ED25519, key.public_key())
    line = NoteSignature("PeterNeumann", digest, key.sign(GO_TEXT.encode())).line()
    assert line == GO_SIGNATURE


def test_a_note_splits_into_its_body_and_signature_lines() -> None:
    body, signatures = parse_note(GO_TEXT + "\n" + GO_SIGNATURE + "\n")
    assert body == GO_TEXT
    assert [s.line() for s in signatures] == [GO_SIGNATURE]
    assert format_note(body, signatures) == GO_TEXT + "\n" + GO_SIGNATURE + "\n"


def test_a_verifier_key_whose_hash_does_not_match_is_refused() -> None:
    with pytest.raises(NoteError, match="does not match"):
        parse_verifier_key(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))


def test_a_verifier_key_whose_base64_holds_plus_signs_parses() -> None:
    key = next(
        k
        for k in (Ed25519PrivateKey.generate().public_key() for _ in range(200))
        if "+" in verifier_key("log.example", k).split("+", 2)[2]
    )
    assert parse_verifier_key(verifier_key("log.example", key)).key == key


@pytest.mark.parametrize(
    "text", ["no signatures\n", "body\n\n\u2014 name\n", "body\n\n- name AAAAAAA=\n"]
)
def test_a_malformed_note_is_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_note(text)
