"""A ledger whose first checkpoints were signed in the first format, now issuing C2SP ones;
and `ledger verify-proof`'s witness policy."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.cli.main import main
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.checkpoints import Checkpoint, ProofError, checkpoint_document, sign
from ledger.integrity.cosignatures import cosign
from ledger.integrity.merkle import CompactRange
from ledger.integrity.note import COSIGNATURE_V1, parse_verifier_key, verifier_key
from ledger.integrity.proof_check import check_proof
from ledger.integrity.public_keys import public_key_document
from ledger.integrity.service import Integrity
from ledger.integrity.tables import StoredCheckpoint, StoredCosignature
from tests.integrity.helpers import register

ORIGIN = "ledger.example.com/complaints"
WITNESSES = [Ed25519PrivateKey.generate() for _ in range(2)]
NAMES = ["w1.example.org", "w2.example.org"]
VKEYS = [
    verifier_key(n, k.public_key(), COSIGNATURE_V1) for n, k in zip(NAMES, WITNESSES, strict=True)
]


@pytest.fixture
def c2sp(integrity: Integrity) -> Integrity:
    """The same ledger's integrity with an origin and two configured witnesses."""
    integrity.origin = ORIGIN
    integrity.witnesses = [parse_verifier_key(v) for v in VKEYS]
    return integrity


def _first_format_checkpoint(integrity: Integrity, signing_key: Ed25519PrivateKey) -> Checkpoint:
    """A checkpoint as the ledger signed them before the C2SP format, stored as it stored them."""
    size = integrity.update_tree()
    old = sign(
        signing_key,
        number=1,
        tree_size=size,
        root_hash=CompactRange.load(size, integrity.tables.nodes).root(),
        signed_at="2026-01-01T00:00:00+00:00",
    )
    integrity.tables.add_checkpoint(
        StoredCheckpoint(1, size, old.root_hash, old.signed_at, old.key_id, old.signature, "{}")
    )
    return old


def test_a_ledger_with_first_format_checkpoints_verifies_and_issues_c2sp_ones(
    ledger: LedgerApplication,
    clock: ManualClock,
    c2sp: Integrity,
    signing_key: Ed25519PrivateKey,
) -> None:
    register(ledger, clock)
    old = _first_format_checkpoint(c2sp, signing_key)
    register(ledger, clock)
    new = c2sp.checkpoint()
    assert (new.number, new.origin) == (2, ORIGIN)
    assert c2sp.checkpoints()[0] == old
    report = c2sp.verify()
    assert report.intact, [b.describe() for b in report.breaks]
    proof = c2sp.consistency_proof(first=1, second=2)
    assert check_proof(proof, [old], c2sp.public_key).startswith("OK: checkpoint 2")


def test_an_unchanged_tree_signed_in_the_first_format_is_signed_again_in_the_c2sp_one(
    ledger: LedgerApplication,
    clock: ManualClock,
    c2sp: Integrity,
    signing_key: Ed25519PrivateKey,
) -> None:
    register(ledger, clock)
    old = _first_format_checkpoint(c2sp, signing_key)
    new = c2sp.checkpoint()
    assert (new.tree_size, new.root_hash, new.origin) == (old.tree_size, old.root_hash, ORIGIN)


def _cosigned_inclusion(c2sp: Integrity, ledger: LedgerApplication, clock: ManualClock, n: int):
    (stream,) = register(ledger, clock)
    checkpoint = c2sp.checkpoint()
    for key, name in list(zip(WITNESSES, NAMES, strict=True))[:n]:
        line = cosign(key, name, checkpoint.body, 1_767_225_600).as_note_signature().line()
        c2sp.add_cosignature(checkpoint.number, line)
    return c2sp.get_checkpoint(), c2sp.inclusion_proof(stream_id=stream, version=1)


@pytest.mark.parametrize(("cosigned", "quorum", "holds"), [(1, 1, True), (1, 2, False)])
def test_verify_proof_holds_only_when_enough_witnesses_cosigned(
    ledger: LedgerApplication,
    clock: ManualClock,
    c2sp: Integrity,
    cosigned: int,
    quorum: int,
    holds: bool,
) -> None:
    kept, proof = _cosigned_inclusion(c2sp, ledger, clock, cosigned)
    witnesses = [parse_verifier_key(v) for v in VKEYS]
    if holds:
        verdict = check_proof(proof, [kept], c2sp.public_key, witnesses=witnesses, quorum=quorum)
        assert verdict.endswith(f"cosigned by at least {quorum} witness(es)")
    else:
        with pytest.raises(ProofError, match=f"cosigned by {cosigned} of the witnesses"):
            check_proof(proof, [kept], c2sp.public_key, witnesses=witnesses, quorum=quorum)


def test_the_verify_proof_command_applies_the_witness_policy(
    ledger: LedgerApplication,
    clock: ManualClock,
    c2sp: Integrity,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept, proof = _cosigned_inclusion(c2sp, ledger, clock, 1)
    files = {
        "proof": json.dumps(proof),
        "checkpoint": json.dumps(checkpoint_document(kept)),
        "key": c2sp.verifier_key(),
        "witness": VKEYS[1],
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = ["verify-proof", "--proof", str(tmp_path / "proof")]
    args += ["--checkpoint", str(tmp_path / "checkpoint"), "--public-key", str(tmp_path / "key")]
    args += ["--witness-key", VKEYS[0], "--witness-key", str(tmp_path / "witness")]
    assert main([*args, "--witnesses", "1"]) == 0
    assert main([*args, "--witnesses", "2"]) == 1
    assert "1 of the witnesses given (w1.example.org); 2 required" in capsys.readouterr().err


def test_the_public_key_document_carries_the_verifier_key(c2sp: Integrity) -> None:
    document = public_key_document(c2sp.public_key, ORIGIN)
    assert parse_verifier_key(document["verifier_key"]).key == c2sp.public_key


def test_verify_names_a_cosignature_written_around_the_witness_check(
    ledger: LedgerApplication, clock: ManualClock, c2sp: Integrity
) -> None:
    register(ledger, clock)
    checkpoint = c2sp.checkpoint()
    forged = cosign(Ed25519PrivateKey.generate(), NAMES[0], checkpoint.body, 7)
    witness = parse_verifier_key(VKEYS[0])
    c2sp.tables.add_cosignature(
        StoredCosignature(checkpoint.number, NAMES[0], witness.hash, 7, forged.signature)
    )
    breaks = [b.describe() for b in c2sp.verify().breaks]
    assert breaks == [
        f"BAD SIGNATURE: checkpoint {checkpoint.number}: "
        f"the cosignature of {NAMES[0]} does not verify"
    ]
