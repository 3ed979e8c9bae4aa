"""Archive bundles: a self-contained tar an auditor verifies offline, with nothing but the file.

    records.jsonl     one archived case per line (canonical JSON): its record and SHA-256
    checkpoint.json   the ledger's latest signed checkpoint when the bundle was made
    public-key.json   the Ed25519 public key that signed the checkpoints (pin it: --public-key)
    manifest.json     the SHA-256 of every other file, each record's case id and line SHA-256,
                      signed with the same key

`verify_bundle` checks the manifest's signature, every file against the manifest, every line
against its manifest entry (so one changed byte, one removed or one added record is named), each
record's own hash, and each record's inclusion proof against its signed checkpoint.
"""

import base64
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.integrity import merkle
from ledger.integrity.checkpoints import (
    Checkpoint,
    ProofError,
    checkpoint_document,
    checkpoint_from_document,
    public_key_id,
    signature_is_valid,
)
from ledger.integrity.public_keys import load_public_key, public_key_document
from privacy.files import private_file
from projections.retention.archive_tables import ArchiveRow, canonical, record_sha256

BUNDLE_FORMAT = "complaint-ledger/archive-bundle/1"
RECORDS, CHECKPOINT, PUBLIC_KEY, MANIFEST = (
    "records.jsonl",
    "checkpoint.json",
    "public-key.json",
    "manifest.json",
)
MEMBERS = (RECORDS, CHECKPOINT, PUBLIC_KEY, MANIFEST)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _line(row: ArchiveRow) -> str:
    return canonical(
        {
            "case_id": row.case_id,
            "kind": row.kind,
            "closed_at": row.closed_at,
            "archived_at": row.archived_at,
            "run_id": row.run_id,
            "sha256": row.sha256,
            "record": row.record,
        }
    )


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return canonical(unsigned).encode("utf-8")


def write_bundle(
    path: Path,
    rows: list[ArchiveRow],
    *,
    checkpoint: Checkpoint,
    key: Ed25519PrivateKey,
    closed_from: str | None,
    closed_to: str | None,
    created_at: str,
) -> int:
    """Write the bundle of `rows` to `path`; the number of records."""
    lines = [_line(row) for row in rows]
    files = {
        RECORDS: "".join(f"{line}\n" for line in lines).encode("utf-8"),
        CHECKPOINT: (json.dumps(checkpoint_document(checkpoint), indent=2) + "\n").encode(),
        PUBLIC_KEY: (json.dumps(public_key_document(key.public_key()), indent=2) + "\n").encode(),
    }
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "closed_from": closed_from,
        "closed_to": closed_to,
        "created_at": created_at,
        "key_id": public_key_id(key.public_key()),
        "files": {name: _sha256(data) for name, data in files.items()},
        "records": [
            {"case_id": row.case_id, "sha256": _sha256(line.encode("utf-8"))}
            for row, line in zip(rows, lines, strict=True)
        ],
    }
    manifest["signature"] = base64.b64encode(key.sign(_manifest_bytes(manifest))).decode()
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    with (
        private_file(path, "wb") as file,
        tarfile.open(fileobj=file, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in MEMBERS:
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = 0
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(files[name]))
    return len(rows)


@dataclass
class BundleReport:
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(path, "r:") as tar:
            members: dict[str, bytes] = {}
            for info in tar.getmembers():
                if not info.isfile():
                    raise ProofError(f"{info.name}: not a regular file")
                handle = tar.extractfile(info)
                members[info.name] = handle.read() if handle else b""
            return members
    except (tarfile.TarError, EOFError) as error:
        raise ProofError(f"not an archive bundle (unreadable tar: {error})") from None


def verify_bundle(path: Path, *, pinned_key: str | None = None) -> BundleReport:
    """Check a bundle offline; every problem found, each naming its place."""
    members = _read_members(path)
    report = BundleReport()
    problems = report.problems
    for name in sorted(set(members) - set(MEMBERS)):
        problems.append(f"{name}: a file the bundle does not list (added)")
    for name in MEMBERS:
        if name not in members:
            raise ProofError(f"{name}: missing from the bundle")
    key = load_public_key(members[PUBLIC_KEY].decode("utf-8", "replace"))
    if pinned_key is not None and public_key_id(load_public_key(pinned_key)) != public_key_id(key):
        raise ProofError(f"{PUBLIC_KEY}: not the public key you gave (--public-key)")
    try:
        manifest = json.loads(members[MANIFEST])
        signature = base64.b64decode(manifest["signature"], validate=True)
        key.verify(signature, _manifest_bytes(manifest))
    except (ValueError, KeyError, TypeError, InvalidSignature):
        raise ProofError(f"{MANIFEST}: altered (its signature does not verify)") from None
    for name in (RECORDS, CHECKPOINT, PUBLIC_KEY):
        if _sha256(members[name]) != manifest["files"].get(name):
            problems.append(f"{name}: SHA-256 differs from the manifest")
    latest = _checkpoint(members[CHECKPOINT], key, problems, where=CHECKPOINT)
    listed = {entry["case_id"]: entry["sha256"] for entry in manifest["records"]}
    seen: set[str] = set()
    text = members[RECORDS].decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{RECORDS} line {number}"
        try:
            entry = json.loads(line)
            case_id = str(entry["case_id"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"{where}: not an archive record (altered)")
            continue
        where += f" (case {case_id})"
        if case_id not in listed:
            problems.append(f"{where}: not in the manifest (added)")
            continue
        seen.add(case_id)
        report.records += 1
        if _sha256(line.encode("utf-8")) != listed[case_id]:
            problems.append(f"{where}: differs from the manifest's SHA-256 (altered)")
        problems.extend(f"{where}: {p}" for p in _record_problems(entry, key, latest))
    for case_id in listed:
        if case_id not in seen:
            problems.append(f"{RECORDS}: case {case_id} in the manifest is missing (removed)")
    return report


def _checkpoint(
    data: bytes | dict[str, Any], key: Ed25519PublicKey, problems: list[str], *, where: str
) -> Checkpoint | None:
    try:
        document = json.loads(data) if isinstance(data, bytes) else data
        checkpoint = checkpoint_from_document(document)
    except (ValueError, ProofError) as error:
        problems.append(f"{where}: not a checkpoint ({error})")
        return None
    if not signature_is_valid(checkpoint, key):
        problems.append(f"{where}: checkpoint {checkpoint.number} is not signed by the key")
        return None
    return checkpoint


def _record_problems(
    entry: dict[str, Any], key: Ed25519PublicKey, latest: Checkpoint | None
) -> list[str]:
    problems: list[str] = []
    record = entry.get("record")
    if not isinstance(record, dict):
        return ["no record"]
    if record_sha256(record) != entry.get("sha256"):
        problems.append("the record does not hash to its SHA-256")
    events = record.get("events") or []
    proof = record.get("proof") or {}
    if not events or len(events) != record.get("event_count"):
        problems.append("its event hashes do not match its event count")
        return problems
    last = events[-1]
    if (proof.get("stream_id"), proof.get("version"), proof.get("chain_hash")) != (
        entry.get("case_id"),
        last.get("version"),
        last.get("chain_hash"),
    ):
        problems.append("its proof is not about its last event")
    checkpoint = _checkpoint(proof.get("checkpoint", {}), key, problems, where="proof")
    if checkpoint is None:
        return problems
    if latest is not None and checkpoint.number > latest.number:
        problems.append(f"its checkpoint {checkpoint.number} is newer than the bundle's")
    try:
        leaf = bytes.fromhex(proof["chain_hash"])
        path = [bytes.fromhex(h) for h in proof["proof"]]
        index = int(proof["leaf_index"])
    except (KeyError, TypeError, ValueError):
        problems.append("its inclusion proof is malformed")
        return problems
    if not merkle.verify_inclusion(
        index, checkpoint.tree_size, merkle.leaf_hash(leaf), path, checkpoint.root_hash
    ):
        problems.append(
            f"its last event is NOT included at position {index} of checkpoint {checkpoint.number}"
        )
    return problems
