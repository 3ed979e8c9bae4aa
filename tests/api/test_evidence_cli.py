"""`ledger evidence export` and `ledger evidence verify`: files, exit codes, tampering named."""

import base64
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient

from api.cli.main import main
from ledger.integrity.evidence.verify import verify_bundle
from ledger.integrity.public_keys import public_key_document
from tests.api.test_evidence_bundle import _call, key
from tests.evidence.scenario import full_case


@pytest.fixture
def exported(client: FlaskClient, environment: Path) -> tuple[Path, Path, dict[str, Any]]:
    """(bundle, key file, case): a case exported with the CLI, and the ledger's public key."""
    case = full_case(_call(client))
    bundle = environment / "case.tar"
    reference = case["complaint"]["reference"]
    assert (
        main(["evidence", "export", reference, "--staff", "audit-9", "--output", str(bundle)]) == 0
    )
    key_file = environment / "ledger.pub"
    key_file.write_text(
        client.get(
            "/v1/integrity/public-key", headers={"X-Staff-Id": "a", "X-Staff-Role": "agent"}
        ).get_data(as_text=True)
    )
    return bundle, key_file, case


def test_an_exported_bundle_is_readable_by_its_owner_only(
    exported: tuple[Path, Path, dict[str, Any]],
) -> None:
    bundle, _, _ = exported
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600


def test_an_exported_bundle_verifies_offline_with_exit_zero(
    exported: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, key_file, _ = exported
    capsys.readouterr()
    assert main(["evidence", "verify", str(bundle), "--key", str(key_file)]) == 0
    output = capsys.readouterr().out
    assert output.rstrip().endswith("VERIFIED") and "FAIL " not in output


def test_the_cli_export_is_recorded_in_the_audit_log(
    client: FlaskClient, exported: tuple[Path, Path, dict[str, Any]]
) -> None:
    _, _, case = exported
    rows = client.application.extensions["access"].oplog.query(
        target=f"complaint:{case['complaint']['id']}"
    )
    assert [(r.operation, r.staff_id) for r in rows if r.operation == "evidence.export"] == [
        ("evidence.export", "audit-9")
    ]


def test_a_changed_byte_in_an_event_fails_verification_naming_the_file(
    exported: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, key_file, case = exported
    data = bytearray(bundle.read_bytes())
    name = f"events/{case['handoff']['id']}/000001.json".encode()
    at = data.index(b'"chain_hash"', data.index(name) + 512)
    data[at + 20] ^= 0x01
    bundle.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["evidence", "verify", str(bundle), "--key", str(key_file)]) == 1
    failures = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert failures and all(name.decode() in line for line in failures[:1])


def test_every_single_changed_byte_is_caught_and_named(
    client: FlaskClient, exported: tuple[Path, Path, dict[str, Any]]
) -> None:
    bundle, _, _ = exported
    data = bundle.read_bytes()
    public = key(client)
    # Every 61st byte (a stride prime to the 512-byte blocks reaches every offset within a
    # block), and every byte of the first header and of the manifest's signature.
    offsets = {*range(0, len(data), 61), *range(512)}
    start = data.index(b"manifest.sig")
    offsets |= set(range(start + 512, start + 600))
    missed = []
    for offset in sorted(offsets):
        changed = bytearray(data)
        changed[offset] ^= 0x20
        verdict = verify_bundle(bytes(changed), public)
        failed = [what for holds, what in verdict.lines if not holds]
        if verdict.intact or not failed:
            missed.append(offset)
    assert missed == []


def test_a_bundle_checked_with_another_key_fails(
    exported: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, key_file, _ = exported
    other = public_key_document(Ed25519PrivateKey.generate().public_key())
    key_file.write_text(base64.b64decode(other["public_key"]).hex() and other["pem"])
    assert main(["evidence", "verify", str(bundle), "--key", str(key_file)]) == 1
    assert "FAIL key.json: is not the key given" in capsys.readouterr().out


def test_verifying_a_missing_bundle_is_one_line_on_stderr(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (environment / "k.pub").write_text("AAAA")
    status = main(
        ["evidence", "verify", str(environment / "none.tar"), "--key", str(environment / "k.pub")]
    )
    error = capsys.readouterr().err.strip()
    assert status == 2 and len(error.splitlines()) == 1 and error.startswith("ledger: ")
