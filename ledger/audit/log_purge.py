"""Purging the audit log's oldest rows under retention, as a signed record of its own.

A purge, in one transaction: appends a chained row to the log itself (operation
`audit-log.purge`) whose target holds the purge — the range, the cut-off, the rule, the run —
and the last row removed, verbatim, so that its hash (the *anchor* the rest of the chain is
verified from) and its time can be recomputed; records the purge in the purge table (which the
DELETE trigger reads); deletes the range. The purge row is covered by the next checkpoint's
signed head. A cut-off less than `RETENTION_FLOOR` (183 days) before the purge is refused here,
and `ledger verify` reports a purge row that claims one (ledger/audit/log_verify.py).
"""

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ledger.audit.log_rows import (
    _STORED,
    RETENTION_FLOOR,
    LogEntry,
    Operation,
    OperationLogError,
    _text,
)
from ledger.audit.purges import OPERATION_LOG, Purge

if TYPE_CHECKING:
    from ledger.audit.operation_log import OperationLog

PURGE_OPERATION: Final = "audit-log.purge"
PURGER: Final = ("retention-run", "system")


def purge_record(purge: Purge, last_removed: dict[str, Any]) -> str:
    """The target of a purge row: the purge's facts and the last row removed, as JSON."""
    return json.dumps(
        {
            "after": purge.after,
            "up_to": purge.up_to,
            "count": purge.count,
            "anchor_hash": purge.anchor_hash,
            "cutoff": purge.cutoff,
            "policy": purge.policy,
            "run_id": purge.run_id,
            "at": purge.at,
            "last_removed": last_removed,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def purge(
    log: "OperationLog", *, cutoff: datetime, policy: str, run_id: str, at: datetime
) -> Purge | None:
    """Delete the rows before the first one at or after `cutoff` (never the last row: the next
    append chains onto it), recording the purge as a chained row and in the purge table, all in
    one transaction; None when there is nothing to purge."""
    if cutoff > at - RETENTION_FLOOR:
        raise OperationLogError(
            f"the audit log is kept at least {RETENTION_FLOOR.days} days: a purge on "
            f"{_text(at)} cannot reach rows after {_text(at - RETENTION_FLOOR)}"
        )
    table = log.table
    with log._lock, log._cursor() as c:
        # as a writer does: no append interleaves with the purge
        c.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        previous = log.purge_table.latest(c, OPERATION_LOG)
        after = previous.up_to if previous else 0
        c.execute(f"SELECT MAX(seq) AS seq FROM {table}")
        last = int(c.fetchone()["seq"] or 0)
        c.execute(
            f"SELECT seq FROM {table} WHERE seq > %s AND at >= %s ORDER BY seq LIMIT 1",
            (after, _text(cutoff)),
        )
        first_kept = c.fetchone()
        up_to = min(last - 1, int(first_kept["seq"]) - 1 if first_kept else last)
        if up_to <= after:
            return None
        c.execute(f"SELECT {_STORED} FROM {table} WHERE seq = %s", (up_to,))
        removed = c.fetchone()
        if removed is None:
            raise OperationLogError(f"row {up_to} of the operation log is missing")
        removed = dict(removed)
        record = Purge(
            OPERATION_LOG,
            after,
            up_to,
            up_to - after,
            str(removed["hash"]),
            _text(cutoff),
            policy,
            run_id,
            _text(at),
        )
        operation = Operation(
            at=at,
            request_id=run_id,
            staff_id=PURGER[0],
            role=PURGER[1],
            operation=PURGE_OPERATION,
            target=purge_record(record, removed),
            result="allowed",
            status=200,
        )
        log.chain(c, [LogEntry(operation, ())])
        log.purge_table.record(c, record)
        c.execute(f"DELETE FROM {table} WHERE seq > %s AND seq <= %s", (after, up_to))
    return record
