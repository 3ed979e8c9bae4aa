"""An evidence bundle verifier written from docs/evidence-bundle.md alone.

It imports nothing of the product: the standard library (tarfile, json, base64, struct),
hashlib for every hash and cryptography's Ed25519 for the signatures. Tests run it beside
`ledger evidence verify`; if the two ever disagree, the document or the product is wrong.
"""

import base64
import hashlib
import io
import json
import struct
import tarfile
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST_CONTEXT = b"complaint-ledger evidence manifest v1\n"
CHECKPOINT_FIRST_LINE = "complaint-ledger checkpoint v1"


class VerificationError(Exception):
    """What does not hold, naming the file."""


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _members(bundle: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:") as archive:
        for member in archive:
            if not member.isfile() or member.name in files:
                raise VerificationError(f"{member.name}: not a single regular file")
            extracted = archive.extractfile(member)
            files[member.name] = extracted.read() if extracted else b""
    return files


def _verify(key: Ed25519PublicKey, signature_b64: bytes, message: bytes, what: str) -> None:
    try:
        key.verify(base64.b64decode(signature_b64.strip(), validate=True), message)
    except (InvalidSignature, ValueError) as error:
        raise VerificationError(f"{what}: signature does not verify") from error


def _chain_hash(event: dict[str, Any], version: int) -> bytes:
    topic = event["topic"].encode()
    state = base64.b64decode(event["state"])
    return _sha256(
        bytes.fromhex(event["stream_bytes"])
        + struct.pack(">q", version)
        + struct.pack(">I", len(topic))
        + topic
        + struct.pack(">I", len(state))
        + state
        + bytes.fromhex(event["previous_chain_hash"])
    )


def _root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise VerificationError("leaf index beyond the tree")
    fn, sn, result = index, size - 1, _sha256(b"\x00" + leaf)
    for node in proof:
        if sn == 0:
            raise VerificationError("proof too long")
        if fn & 1 or fn == sn:
            result = _sha256(b"\x01" + node + result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = _sha256(b"\x01" + result + node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("proof too short")
    return result


def _audit_row_hash(row: dict[str, Any]) -> str:
    names = ("seq", "at", "request_id", "staff_id", "role", "operation", "target", "result")
    content = [row[name] for name in (*names, "status", "prev_hash")]
    if row.get("reveals"):
        content.append(row["reveals"])
    if row.get("token_id") is not None:
        content.append(row["token_id"])
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def verify(bundle: bytes, key: Ed25519PublicKey) -> dict[str, Any]:
    """Raise `VerificationError` on the first thing that does not hold; else what was checked."""
    files = _members(bundle)
    manifest = files.pop("manifest.json")
    _verify(key, files.pop("manifest.sig"), MANIFEST_CONTEXT + manifest, "manifest.sig")
    listed = {entry["path"]: entry for entry in json.loads(manifest)["files"]}
    if set(listed) != set(files):
        raise VerificationError(
            f"files differ from the manifest: {sorted(set(listed) ^ set(files))}"
        )
    for path, content in files.items():
        if hashlib.sha256(content).hexdigest() != listed[path]["sha256"]:
            raise VerificationError(f"{path}: SHA-256 differs")
    text = files["checkpoint.txt"]
    _verify(key, files["checkpoint.sig"], text, "checkpoint.txt")
    lines = text.decode().split("\n")
    if lines[0] == CHECKPOINT_FIRST_LINE:  # the first format: number, size, hex root, time
        size, root = int(lines[2]), bytes.fromhex(lines[3])
        extensions = lines[5:]
    else:  # a C2SP checkpoint body: origin, size, base64 root, extension lines
        size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
        extensions = lines[3:]
    heads = dict(line.split(" ")[1:3] for line in extensions if line.startswith("head "))
    streams: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(p for p in files if p.startswith("events/")):
        proof = json.loads(files[path])
        leaf = _chain_hash(proof["event"], proof["version"])
        if leaf.hex() != proof["chain_hash"]:
            raise VerificationError(f"{path}: stored bytes do not hash to the chain hash")
        hashes = [bytes.fromhex(h) for h in proof["proof"]]
        if _root_from_inclusion(proof["leaf_index"], size, leaf, hashes) != root:
            raise VerificationError(f"{path}: not included in the checkpoint")
        streams.setdefault(proof["stream_id"], []).append(proof)
    for stream, proofs in streams.items():
        previous = "00" * 32
        for expected, proof in enumerate(sorted(proofs, key=lambda p: p["version"]), start=1):
            if proof["version"] != expected or proof["event"]["previous_chain_hash"] != previous:
                raise VerificationError(f"stream {stream}: version {expected} missing or unlinked")
            previous = proof["chain_hash"]
    segment = json.loads(files["audit/segment.json"])
    rows = segment["rows"]
    for before, row in zip([None, *rows], rows, strict=False):
        if before is not None and row["prev_hash"] != before["hash"]:
            raise VerificationError(f"audit/segment.json: row {row['seq']} unlinked")
        if _audit_row_hash(row) != row["hash"]:
            raise VerificationError(f"audit/segment.json: row {row['seq']} altered")
    if rows and f"{rows[-1]['seq']}:{rows[-1]['hash']}" != heads.get("operation-log"):
        raise VerificationError("audit/segment.json: does not end at the signed head")
    if not set(segment["touching"]) <= {row["seq"] for row in rows}:
        raise VerificationError("audit/segment.json: a touching row is missing")
    case = json.loads(files["case.json"])
    return {
        "events": sum(len(p) for p in streams.values()),
        "streams": len(streams),
        "audit_rows": len(segment["touching"]),
        "revealed": case["revealed"],
    }
