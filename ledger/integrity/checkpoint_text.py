"""The signed text of a checkpoint, in both formats the ledger has issued.

The C2SP tlog-checkpoint body (c2sp.org/tlog-checkpoint), issued today:

    <origin>                        e.g. ledger.example.com/complaints
    <tree size>                     decimal
    <root hash>                     base64 of the RFC 6962 root
    number <n>                      extension lines (docs/adr/0019-c2sp-checkpoints.md):
    time <signed at, ISO 8601 UTC>  the checkpoint's number and time, and one line per
    head <name> <value>             extra head (the audit log's), sorted by name

The first format, `complaint-ledger checkpoint v1` (number, size, hex root, time, head lines),
is still verified for the checkpoints signed in it; nothing new is signed in it.
"""

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ledger.integrity.chain import HASH_BYTES
from ledger.integrity.note import NoteError, is_valid_name

LEGACY_FORMAT: Final = "complaint-ledger checkpoint v1"


def legacy_bytes(
    number: int, tree_size: int, root_hash: bytes, signed_at: str, heads: Mapping[str, str]
) -> bytes:
    lines = [LEGACY_FORMAT, str(number), str(tree_size), root_hash.hex(), signed_at]
    lines += [f"head {name} {heads[name]}" for name in sorted(heads)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def check_heads(heads: Mapping[str, str]) -> None:
    for name, value in heads.items():
        if not name or not value or any(c.isspace() for c in name + value):
            raise ValueError("an extra head's name and value must be non-empty, without spaces")


def c2sp_body(
    origin: str,
    number: int,
    tree_size: int,
    root_hash: bytes,
    signed_at: str,
    heads: Mapping[str, str],
) -> str:
    lines = [
        origin,
        str(tree_size),
        base64.b64encode(root_hash).decode("ascii"),
        f"number {number}",
        f"time {signed_at}",
    ]
    lines += [f"head {name} {heads[name]}" for name in sorted(heads)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Body:
    """The facts a C2SP checkpoint body states."""

    origin: str
    tree_size: int
    root_hash: bytes
    number: int
    signed_at: str
    heads: dict[str, str]


def parse_c2sp_body(body: str) -> Body:
    """Read a body this ledger signed: the three C2SP lines and our extension lines."""
    if not body.endswith("\n"):
        raise NoteError("a checkpoint body ends with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 5 or not is_valid_name(lines[0]):
        raise NoteError("a checkpoint body is origin, size, root and extension lines")
    size_text, root_text = lines[1], lines[2]
    if not size_text.isdigit() or str(int(size_text)) != size_text:
        raise NoteError("a checkpoint's tree size is a decimal number without leading zeros")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("a checkpoint's root hash is base64") from None
    if len(root) != HASH_BYTES:
        raise NoteError("a checkpoint's root hash is 32 bytes")
    number, time, heads = None, None, {}
    for line in lines[3:]:
        key, _, value = line.partition(" ")
        if key == "number" and value.isdigit() and number is None:
            number = int(value)
        elif key == "time" and value and time is None:
            time = value
        elif key == "head":
            name, _, head = value.partition(" ")
            heads[name] = head
        else:
            raise NoteError(f"not an extension line this ledger writes: {line!r}")
    if number is None or time is None:
        raise NoteError("a checkpoint of this ledger states its number and time")
    if body != c2sp_body(lines[0], number, int(size_text), root, time, heads):
        raise NoteError("the checkpoint body is not in its canonical form")
    return Body(lines[0], int(size_text), root, number, time, heads)
