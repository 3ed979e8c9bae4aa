"""The audit log's rows: what a request is logged as, how a row is hashed into the chain.

`ledger.audit.operation_log` writes and reads them; `log_verify` and `log_purge` recompute and
chain them the same way.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, NamedTuple

from ledger.audit.records import Access

GENESIS: Final = "0" * 64
RETENTION_FLOOR: Final = timedelta(days=183)
_COLUMNS: Final = "seq, at, request_id, staff_id, role, operation, target, result, status"
_HASHED: Final = (*(c.strip() for c in _COLUMNS.split(",")), "prev_hash")
_STORED: Final = f"{_COLUMNS}, prev_hash, reveals, hash, token_id"


class OperationLogError(ValueError):
    """A setting of the operation log that is not allowed (a retention below the floor)."""


@dataclass(frozen=True)
class Operation:
    """One request as the log records it."""

    at: datetime
    request_id: str
    staff_id: str
    role: str
    operation: str
    target: str
    result: str  # "allowed" or "refused"
    status: int
    token_id: str | None = None  # the token the caller presented (None: none was valid)


@dataclass(frozen=True)
class LoggedOperation(Operation):
    seq: int = 0
    prev_hash: str = GENESIS
    hash: str = ""
    reveals: str = ""  # JSON: the persons' fields the request revealed ("" when none)


def reveals_text(accesses: Sequence[Access]) -> str:
    """The reveals column: each access as [at, staff, role, subject, fields, purpose]."""
    if not accesses:
        return ""
    return json.dumps(
        [
            [_text(a.at), a.staff_id, a.role, str(a.subject_id), list(a.fields), a.purpose]
            for a in accesses
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class Head:
    """How many rows the chain has and the hash of its last row: what a checkpoint signs."""

    count: int
    hash: str


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over a stored row's content and the previous row's hash; the reveals only when
    the row has any (rows written before reveals were logged here hash as they did)."""
    content = [row[name] for name in _HASHED]
    if row.get("reveals"):
        content.append(row["reveals"])
    if row.get("token_id") is not None:  # rows from before tokens were named hash as they did
        content.append(row["token_id"])
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


class LogEntry(NamedTuple):
    """One caller's append: its operation and the reveals recorded with it."""

    operation: Operation
    accesses: Sequence[Access]


def _logged(r: Any) -> LoggedOperation:
    """A stored row as the log returns it."""
    return LoggedOperation(
        at=datetime.fromisoformat(r["at"]),
        request_id=r["request_id"],
        staff_id=r["staff_id"],
        role=r["role"],
        operation=r["operation"],
        target=r["target"],
        result=r["result"],
        status=int(r["status"]),
        seq=int(r["seq"]),
        prev_hash=r["prev_hash"],
        hash=r["hash"],
        reveals=r["reveals"],
        token_id=r["token_id"],
    )
