"""The audit log's rows that touched a case, with the chain that ties them to a signed head.

The audit log is a hash chain whose head (count and last hash) every checkpoint signs
(ledger/integrity/audit_checks.py). A row is proven by the rows after it up to that head: each
one's hash covers its content and the hash before it. So the bundle carries every row from the
first that touched the case to the signed head; the rows between show who did what to which
record, never a personal value (the log holds none).
"""

from collections.abc import Iterable
from typing import Any

from ledger.audit.operation_log import OperationLog
from ledger.integrity.audit_checks import HEAD

_LIMIT = 100_000  # rows about one case; far beyond any real case's


def signed_head(heads: dict[str, str]) -> tuple[int, str] | None:
    """(count, hash) of the audit log's head a checkpoint signed, if it signed one."""
    count, _, digest = heads.get(HEAD, "").partition(":")
    return (int(count), digest) if count.isdigit() and digest else None


def audit_segment(
    log: OperationLog, targets: Iterable[str], head: tuple[int, str] | None
) -> dict[str, Any]:
    """`{head, touching, rows}`: the seqs of the rows naming a target, and the chain to `head`."""
    if head is None:
        return {"head": None, "touching": [], "rows": []}
    count = head[0]
    touching = sorted(
        {
            row.seq
            for target in targets
            for row in log.query(target=target, limit=_LIMIT)
            if row.seq <= count
        }
    )
    rows: list[dict[str, Any]] = []
    if touching:
        for row in log.stored_rows(after=touching[0] - 1):
            if int(row["seq"]) > count:
                break
            rows.append({name: _json(value) for name, value in row.items()})
    return {"head": {"count": count, "hash": head[1]}, "touching": touching, "rows": rows}


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, int | str) else str(value)
