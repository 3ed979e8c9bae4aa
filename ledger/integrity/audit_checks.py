"""`ledger verify`, the audit log: its chain, its purges, and the heads every checkpoint signed.

The audit log (ledger/audit/operation_log.py) is a hash chain of its own; each checkpoint signs
its head (`operation-log COUNT:HASH`) beside the tree's root, so a row deleted, edited or
reordered, a tail cut, or a purge forged is caught against those heads and named by its row.
"""

from datetime import datetime
from typing import Final

from ledger.audit.operation_log import Head, OperationLog
from ledger.integrity.breaks import Break, Report
from ledger.integrity.checkpoints import Checkpoint

HEAD: Final = "operation-log"
ANCHOR: Final = "operation-log-anchor"


def _signed_head(checkpoint: Checkpoint) -> Head | None:
    """The audit log's head as this checkpoint signed it (COUNT:HASH), if it signed one."""
    count, _, digest = checkpoint.heads.get(HEAD, "").partition(":")
    return Head(int(count), digest) if count.isdigit() and digest else None


def signed_heads(checkpoints: list[Checkpoint]) -> list[Head]:
    """The audit log's heads as the checkpoints signed them."""
    return [head for c in checkpoints if (head := _signed_head(c)) is not None]


def signing_times(checkpoints: list[Checkpoint]) -> dict[int, datetime]:
    """The earliest time each audit-log head count was signed, by count."""
    times: dict[int, datetime] = {}
    for checkpoint in checkpoints:
        head = _signed_head(checkpoint)
        try:
            moment = datetime.fromisoformat(checkpoint.signed_at)
        except ValueError:
            continue  # its signature check reports a checkpoint that does not parse
        if head is not None:
            times[head.count] = min(moment, times.get(head.count, moment))
    return times


def check_audit_log(report: Report, log: OperationLog, checkpoints: list[Checkpoint]) -> None:
    result = log.verify(expected=signed_heads(checkpoints), signed_at=signing_times(checkpoints))
    report.audit_rows = result.count - result.purged
    report.breaks.extend(
        Break(found.kind, found.detail, table=found.table, row=found.row) for found in result.breaks
    )
