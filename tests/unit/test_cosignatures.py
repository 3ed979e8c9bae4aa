"""Witness cosignatures in the C2SP tlog-cosignature v1 form."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.cosignatures import cosign, from_note_signature, is_valid, message
from ledger.integrity.note import COSIGNATURE_V1, ED25519, parse_verifier_key, verifier_key

BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
WITNESS = "witness.example.com/w1"


def test_the_signed_message_is_the_header_the_time_line_and_the_whole_body() -> None:
    # The example message of c2sp.org/tlog-cosignature.
    assert message(BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n"
        b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_a_cosignature_round_trips_through_its_signature_line_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    witness = parse_verifier_key(verifier_key(WITNESS, key.public_key(), COSIGNATURE_V1))
    line = cosign(key, WITNESS, BODY, 1679315147).as_note_signature()
    read = from_note_signature(line)
    assert read is not None and read.time == 1679315147
    assert is_valid(read, witness, BODY)


def test_a_cosignature_of_another_body_does_not_verify() -> None:
    key = Ed25519PrivateKey.generate()
    witness = parse_verifier_key(verifier_key(WITNESS, key.public_key(), COSIGNATURE_V1))
    made = cosign(key, WITNESS, BODY, 1679315147)
    assert not is_valid(made, witness, BODY.replace("20852163", "20852164"))


def test_a_note_signing_key_is_not_taken_for_a_witness_key() -> None:
    key = Ed25519PrivateKey.generate()
    as_log = parse_verifier_key(verifier_key(WITNESS, key.public_key(), ED25519))
    assert not is_valid(cosign(key, WITNESS, BODY, 1), as_log, BODY)
