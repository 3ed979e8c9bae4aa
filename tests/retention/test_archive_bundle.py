"""Archive bundles verify offline; one changed byte, a removed or an added record is named."""

import io
import json
import tarfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.checkpoints import ProofError
from ledger.integrity.service import Integrity
from projections.retention.archive_bundle import RECORDS, verify_bundle, write_bundle
from projections.retention.archive_tables import ArchiveTables
from projections.retention.run import RetentionRun
from tests.conftest import TEST_SIGNING_SEED
from tests.retention.conftest import closed_complaint


@pytest.fixture
def bundle(
    tmp_path: Path,
    ledger: LedgerApplication,
    clock: ManualClock,
    retention: RetentionRun,
    archive: ArchiveTables,
    integrity: Integrity,
) -> Path:
    for name in ("Bai One", "Bai Two", "Bai Three"):
        closed_complaint(ledger, marker=name)
    clock.advance(timedelta(days=3 * 365 + 1))
    retention.run()
    path = tmp_path / "archive.tar"
    write_bundle(
        path,
        archive.archives(),
        checkpoint=integrity.checkpoint(),
        key=Ed25519PrivateKey.from_private_bytes(TEST_SIGNING_SEED),
        closed_from=None,
        closed_to=None,
        created_at=clock.now().isoformat(),
    )
    return path


def rewrite(path: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    with tarfile.open(path) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members[name] = change(members[name])
    with tarfile.open(path, "w") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_fresh_bundle_verifies_offline(bundle: Path) -> None:
    report = verify_bundle(bundle)
    assert report.problems == []
    assert report.records == 3


def test_a_bundle_holds_no_personal_marker(bundle: Path) -> None:
    text = bundle.read_bytes()
    for marker in (b"Bai One", b"Bai Two", b"Bai Three"):
        assert marker not in text


def test_one_byte_changed_in_a_record_is_named(bundle: Path) -> None:
    def flip(data: bytes) -> bytes:
        at = data.index(b'"csat":5') + len('"csat":')
        return data[:at] + b"4" + data[at + 1 :]

    rewrite(bundle, RECORDS, flip)
    problems = verify_bundle(bundle).problems
    assert any(f"{RECORDS} line 1" in p and "altered" in p for p in problems), problems


def test_a_byte_changed_in_the_tar_itself_fails(bundle: Path) -> None:
    data = bytearray(bundle.read_bytes())
    at = data.index(b'"event_count":7')
    data[at + len('"event_count":')] = ord("8")
    bundle.write_bytes(bytes(data))
    problems = verify_bundle(bundle).problems
    assert any("line 1" in p for p in problems), problems


def test_a_removed_record_is_named(bundle: Path) -> None:
    lines = verify_lines(bundle)
    rewrite(bundle, RECORDS, lambda data: b"".join(data.splitlines(keepends=True)[1:]))
    problems = verify_bundle(bundle).problems
    assert f"{RECORDS}: case {lines[0]['case_id']} in the manifest is missing (removed)" in problems


def test_an_added_record_is_named(bundle: Path) -> None:
    def add(data: bytes) -> bytes:
        extra = json.loads(data.splitlines()[0])
        extra["case_id"] = "00000000-0000-0000-0000-00000000000a"
        return data + json.dumps(extra).encode() + b"\n"

    rewrite(bundle, RECORDS, add)
    problems = verify_bundle(bundle).problems
    assert any("line 4" in p and "(added)" in p for p in problems), problems


def test_an_altered_manifest_fails_its_signature(bundle: Path) -> None:
    rewrite(
        bundle,
        "manifest.json",
        lambda data: data.replace(b'"closed_from": null', b'"closed_from": "x"'),
    )
    with pytest.raises(ProofError, match=r"manifest\.json: altered"):
        verify_bundle(bundle)


def test_a_bundle_signed_by_another_key_fails_against_the_pinned_key(bundle: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    from ledger.integrity.public_keys import public_key_document

    with pytest.raises(ProofError, match="not the public key you gave"):
        verify_bundle(bundle, pinned_key=json.dumps(public_key_document(other)))


def verify_lines(bundle: Path) -> list[dict[str, object]]:
    with tarfile.open(bundle) as tar:
        data = tar.extractfile(RECORDS).read()  # type: ignore[union-attr]
    return [json.loads(line) for line in data.splitlines()]
