"""The bundle's manifest: every other file with its SHA-256 and size, signed by the ledger.

The signature covers `CONTEXT` followed by the manifest's bytes, so it can never be mistaken
for a checkpoint's; with it the parts no proof reaches (the case's description, the values as
shown) are the ledger's word too.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT: Final = "complaint-ledger/evidence/1"
MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
CONTEXT: Final = b"complaint-ledger evidence manifest v1\n"


def manifest_bytes(files: Mapping[str, bytes]) -> bytes:
    """The manifest of `files` (every file but the manifest and its signature)."""
    document = {
        "format": FORMAT,
        "files": [
            {
                "path": path,
                "sha256": hashlib.sha256(files[path]).hexdigest(),
                "size": len(files[path]),
            }
            for path in sorted(files)
        ],
    }
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


def sealed(files: Mapping[str, bytes], sign: Callable[[bytes], bytes]) -> dict[str, bytes]:
    """`files` with their manifest and its signature added."""
    manifest = manifest_bytes(files)
    signature = base64.b64encode(sign(CONTEXT + manifest)) + b"\n"
    return {**files, MANIFEST: manifest, SIGNATURE: signature}


def check_manifest(files: Mapping[str, bytes], key: Ed25519PublicKey) -> list[tuple[bool, str]]:
    """(holds, what) for the manifest's signature and for every file it lists or does not."""
    results: list[tuple[bool, str]] = []
    manifest = files.get(MANIFEST)
    if manifest is None:
        return [(False, f"{MANIFEST} is missing")]
    try:
        key.verify(
            base64.b64decode(files.get(SIGNATURE, b"").strip(), validate=True), CONTEXT + manifest
        )
        results.append((True, f"{SIGNATURE}: the manifest is signed by the key"))
    except (InvalidSignature, binascii.Error, ValueError):
        results.append((False, f"{SIGNATURE}: the manifest's signature does not verify"))
    try:
        document: Any = json.loads(manifest)
        listed = {entry["path"]: entry for entry in document["files"]}
        if document.get("format") != FORMAT:
            results.append((False, f"{MANIFEST}: format is not {FORMAT!r}"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return [*results, (False, f"{MANIFEST}: not a manifest document")]
    bad = 0
    for path, entry in sorted(listed.items()):
        content = files.get(path)
        if content is None:
            results.append((False, f"{path}: listed in the manifest but missing"))
            bad += 1
        elif hashlib.sha256(content).hexdigest() != entry.get("sha256") or len(
            content
        ) != entry.get("size"):
            results.append((False, f"{path}: its SHA-256 differs from the manifest's"))
            bad += 1
    for path in sorted(set(files) - set(listed) - {MANIFEST, SIGNATURE}):
        results.append((False, f"{path}: in the bundle but not in the manifest"))
        bad += 1
    if not bad:
        results.append((True, f"{MANIFEST}: all {len(listed)} files match their SHA-256"))
    return results
