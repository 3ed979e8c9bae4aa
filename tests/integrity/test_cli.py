"""`ledger checkpoint`, `ledger verify` and `ledger verify-proof`: their output and exit codes."""

import json
from pathlib import Path
from uuid import UUID

import pytest

from api.cli.main import main
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.public_keys import public_key_document
from ledger.integrity.service import Integrity
from tests.integrity.helpers import register
from tests.integrity.test_tampering import Insider


def test_checkpoint_then_verify_exits_zero_with_counts(
    environment: Path,
    ledger: LedgerApplication,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    register(ledger, clock, 2)
    assert main(["checkpoint", "--output", str(environment / "cp.json")]) == 0
    assert json.loads((environment / "cp.json").read_text())["tree_size"] == 6
    assert main(["verify", "--checkpoint", str(environment / "cp.json")]) == 0
    out = capsys.readouterr()
    # Six events of the complaints, and the ledger's record of checkpoint 1 (its own stream).
    assert "OK: 7 events in 3 streams, 7 in the tree, 1 checkpoints" in out.out
    assert "verifying" in out.err


def test_verify_exits_one_and_names_the_break(
    environment: Path,
    database_url: str,
    ledger: LedgerApplication,
    clock: ManualClock,
    integrity: Integrity,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (stream,) = register(ledger, clock)
    integrity.checkpoint()
    insider = Insider(database_url)
    insider.delete(stream, 2)
    insider.close()
    assert main(["verify"]) == 1
    assert f"MISSING: stream {stream} version 2" in capsys.readouterr().out


def test_verify_with_a_malformed_stream_id_exits_two(environment: Path) -> None:
    assert main(["verify", "--stream", "nope"]) == 2


def test_verify_proof_accepts_a_good_proof_and_refuses_a_forged_one(
    environment: Path,
    ledger: LedgerApplication,
    clock: ManualClock,
    integrity: Integrity,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (stream,) = register(ledger, clock)
    files = {
        "checkpoint": json.dumps(json.loads(_document(integrity))),
        "key": json.dumps(public_key_document(integrity.public_key)),
        "proof": json.dumps(integrity.inclusion_proof(stream_id=UUID(stream), version=3)),
    }
    for name, text in files.items():
        (environment / name).write_text(text)
    arguments = ["verify-proof", "--proof", str(environment / "proof")]
    arguments += ["--checkpoint", str(environment / "checkpoint")]
    arguments += ["--public-key", str(environment / "key")]
    assert main(arguments) == 0
    assert capsys.readouterr().out.startswith("OK: stream")
    forged = json.loads(files["proof"])
    forged["leaf_index"] = 0
    (environment / "proof").write_text(json.dumps(forged))
    assert main(arguments) == 1
    assert "proof FAILED" in capsys.readouterr().err


def _document(integrity: Integrity) -> str:
    from ledger.integrity.checkpoints import checkpoint_document

    return json.dumps(checkpoint_document(integrity.checkpoint()))


def test_verify_with_an_unreadable_kept_checkpoint_exits_two(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (environment / "cp.json").write_text('{"format": "something else"}')
    assert main(["verify", "--checkpoint", str(environment / "cp.json")]) == 2
    assert "not a checkpoint document" in capsys.readouterr().err


def test_verifier_key_prints_the_signing_key_under_the_configured_origin(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.integrity.note import verifier_key
    from tests.conftest import TEST_SIGNING_SEED

    monkeypatch.setenv("LEDGER_LOG_ORIGIN", "ledger.example.com/complaints")
    assert main(["verifier-key"]) == 0
    key = Ed25519PrivateKey.from_private_bytes(TEST_SIGNING_SEED).public_key()
    assert capsys.readouterr().out == verifier_key("ledger.example.com/complaints", key) + "\n"


def test_checkpoint_note_prints_the_c2sp_signed_note(
    environment: Path,
    ledger: LedgerApplication,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ledger.integrity.checkpoints import checkpoint_from_note

    register(ledger, clock)
    assert main(["checkpoint", "--note"]) == 0
    assert checkpoint_from_note(capsys.readouterr().out).tree_size == 3


def test_a_malformed_log_origin_is_refused_at_start(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEDGER_LOG_ORIGIN", "https://ledger.example.com/")
    assert main(["verifier-key"]) != 0
    assert "LEDGER_LOG_ORIGIN" in capsys.readouterr().err
