"""`ledger evidence verify`: check a bundle with nothing but its bytes and the ledger's key.

Every check is a line saying what holds or what does not, naming the file. The key given is the
trust anchor: the bundle's own `key.json` must be that key, the manifest and the checkpoint
must be signed by it, each event must hash to its chain hash and be included in the
checkpoint's tree, each stream must run from version 1 without a gap, and the audit rows must
chain to the head the checkpoint signed.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.audit.log_rows import row_hash
from ledger.integrity.checkpoints import (
    Checkpoint,
    ProofError,
    checkpoint_document,
    public_key_id,
)
from ledger.integrity.evidence.archive import read_archive
from ledger.integrity.evidence.audit_segment import signed_head
from ledger.integrity.evidence.checkpoint_text import SignedText, open_signed, read_signature
from ledger.integrity.evidence.manifest import check_manifest
from ledger.integrity.proof_check import check_proof
from ledger.integrity.public_keys import load_public_key


@dataclass
class Verdict:
    """What holds and what does not, line by line; and whose values the bundle shows."""

    lines: list[tuple[bool, str]] = field(default_factory=list)
    revealed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return bool(self.lines) and all(holds for holds, _ in self.lines)

    def add(self, holds: bool, what: str) -> None:
        self.lines.append((holds, what))


def verify_bundle(data: bytes, key: Ed25519PublicKey) -> Verdict:
    verdict = Verdict()
    archive = read_archive(data)
    for problem in archive.problems:
        verdict.add(False, problem)
    files = archive.files
    for holds, what in check_manifest(files, key):
        verdict.add(holds, what)
    _check_key(verdict, files, key)
    checkpoint = _checkpoint(verdict, files, key)
    case = _json(verdict, files, "case.json")
    if isinstance(case, dict) and isinstance(case.get("revealed"), list):
        verdict.revealed = [r for r in case["revealed"] if isinstance(r, dict)]
    if checkpoint is not None:
        for check, path in ((_check_events, "events/"), (_check_audit, "audit/segment.json")):
            try:
                check(verdict, files, checkpoint, key)
            except (KeyError, TypeError, ValueError, AttributeError):
                # Malformed beyond the checks' own messages: still a failure, still named.
                verdict.add(False, f"{path}: malformed (a field is missing or of the wrong type)")
    return verdict


def _json(verdict: Verdict, files: dict[str, bytes], path: str) -> Any:
    if path not in files:
        verdict.add(False, f"{path}: missing")
        return None
    try:
        return json.loads(files[path])
    except ValueError:
        verdict.add(False, f"{path}: not a JSON document")
        return None


def _check_key(verdict: Verdict, files: dict[str, bytes], key: Ed25519PublicKey) -> None:
    try:
        bundled = load_public_key(files.get("key.json", b"").decode("utf-8", "replace"))
        same = public_key_id(bundled) == public_key_id(key)
    except ProofError:
        same = False
    verdict.add(same, "key.json: " + ("is the key given" if same else "is not the key given"))


def _checkpoint(
    verdict: Verdict, files: dict[str, bytes], key: Ed25519PublicKey
) -> Checkpoint | None:
    try:
        signed = SignedText(files["checkpoint.txt"], read_signature(files["checkpoint.sig"]))
        checkpoint = open_signed(signed, key)
    except KeyError as missing:
        verdict.add(False, f"{missing.args[0]}: missing")
        return None
    except ProofError as error:
        verdict.add(False, f"checkpoint.txt: {error}")
        return None
    verdict.add(
        True,
        f"checkpoint.txt: checkpoint {checkpoint.number} (tree size {checkpoint.tree_size}) "
        "is signed by the key",
    )
    return checkpoint


def _check_events(
    verdict: Verdict, files: dict[str, bytes], checkpoint: Checkpoint, key: Ed25519PublicKey
) -> None:
    streams: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for path in sorted(p for p in files if p.startswith("events/")):
        proof = _json(verdict, files, path)
        if not isinstance(proof, dict):
            continue
        if not isinstance(proof.get("event"), dict):
            verdict.add(False, f"{path}: carries no stored event")
            continue
        try:
            check_proof(proof | {"checkpoint": checkpoint_document(checkpoint)}, [checkpoint], key)
        except ProofError as error:
            verdict.add(False, f"{path}: {error}")
            continue
        if not isinstance(proof.get("version"), int) or not isinstance(proof.get("event"), dict):
            verdict.add(False, f"{path}: malformed")
            continue
        streams.setdefault(str(proof.get("stream_id")), []).append(
            (int(proof["version"]), path, proof)
        )
    total = 0
    for stream, events in sorted(streams.items()):
        events.sort(key=lambda item: item[0])
        previous = "00" * 32
        for expected, (version, path, proof) in enumerate(events, start=1):
            if version != expected:
                verdict.add(False, f"{path}: stream {stream} has no version {expected} here")
                break
            if proof.get("event", {}).get("previous_chain_hash") != previous:
                verdict.add(False, f"{path}: does not follow version {version - 1}'s chain hash")
            previous = proof["chain_hash"]
        total += len(events)
    verdict.add(
        total > 0,
        f"events: {total} events in {len(streams)} streams hash to their chain hashes and are "
        f"included in checkpoint {checkpoint.number}"
        if total
        else "events: none verified",
    )


def _check_audit(
    verdict: Verdict, files: dict[str, bytes], checkpoint: Checkpoint, key: Ed25519PublicKey
) -> None:
    segment = _json(verdict, files, "audit/segment.json")
    if not isinstance(segment, dict):
        return
    rows = segment.get("rows") or []
    head = signed_head(dict(checkpoint.heads))
    if not rows:
        verdict.add(not segment.get("touching"), "audit/segment.json: no audit rows touch the case")
        return
    if head is None:
        verdict.add(False, "audit/segment.json: the checkpoint signs no audit log head")
        return
    previous = rows[0].get("prev_hash")
    for row in rows:
        if row.get("prev_hash") != previous or row_hash(row) != row.get("hash"):
            verdict.add(False, f"audit/segment.json: row {row.get('seq')} is altered or reordered")
            return
        previous = row["hash"]
    last = rows[-1]
    if (last.get("seq"), last.get("hash")) != head:
        verdict.add(False, "audit/segment.json: the rows do not end at the signed audit head")
        return
    by_seq = {row.get("seq"): row for row in rows}
    touching = segment.get("touching") or []
    if not set(touching) <= set(by_seq):
        verdict.add(False, "audit/segment.json: a touching row is not in the chain given")
        return
    case = json.loads(files.get("case.json", b"{}"))
    targets = {f"{s['kind']}:{s['id']}" for s in case.get("streams", [])}
    if any(by_seq[seq].get("target") not in targets for seq in touching):
        verdict.add(False, "audit/segment.json: a touching row names no record of the case")
        return
    verdict.add(
        True,
        f"audit/segment.json: {len(touching)} rows touching the case chain to the audit head "
        f"{head[0]} signed in checkpoint {checkpoint.number}",
    )
