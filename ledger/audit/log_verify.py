"""Checking the audit log: its chain from the anchor, its purges, and the heads checkpoints signed.

Every row's hash is recomputed from its content and the row before it; a gap in the numbers is
rows deleted; a head a checkpoint signed must still be there with the same hash (a cut tail is
a signed head past the end). Each purge in the purge table must match the chained purge row the
log recorded for it (ledger/audit/log_purge.py), whose last removed row must hash to the anchor
and be older than the cut-off, and whose cut-off must lie at least the floor before the purge;
a purge that removed rows a checkpoint signed must itself be under a later signed head, and no
purge may be dated after the checkpoint that first signed it (the floor is counted from it).
"""

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from ledger.audit.log_purge import PURGE_OPERATION
from ledger.audit.log_rows import GENESIS, RETENTION_FLOOR, row_hash
from ledger.audit.purges import OPERATION_LOG, Purge
from ledger.audit.records import AuditBreak, Verification

if TYPE_CHECKING:
    from ledger.audit.operation_log import Head, OperationLog

# How far a purge's time may run ahead of the signing time of the checkpoint that first covers
# it: the run and the checkpoint signer may read different clocks.
CLOCK_SKEW: Final = timedelta(minutes=5)
LOG_TABLE: Final = "ledger_operation_log"
PURGE_TABLE: Final = "ledger_log_purges"
ALTERED, MISSING, INSERTED, REORDERED, TRUNCATED, FORGED = (
    "altered",
    "missing",
    "inserted",
    "reordered",
    "truncated",
    "forged purge",
)


def verify(
    log: "OperationLog", heads: list["Head"], signed_at: Mapping[int, datetime]
) -> Verification:
    breaks: list[AuditBreak] = []

    def found(kind: str, row: int, detail: str, table: str = LOG_TABLE) -> None:
        breaks.append(AuditBreak(kind, table, row, detail))

    purges = log.purges()
    anchor = purges[-1] if purges else None
    floor = anchor.up_to if anchor else 0
    previous_seq, previous_hash = (floor, anchor.anchor_hash) if anchor else (0, GENESIS)
    pinned = {head.count: head.hash for head in heads}
    stored: dict[int, str] = {floor: previous_hash} if anchor else {}
    recorded: dict[int, tuple[int, dict[str, Any]]] = {}  # purge up_to -> (its row, record)
    for row in log.stored_rows(after=previous_seq):
        seq = int(row["seq"])
        if seq != previous_seq + 1:
            found(MISSING, previous_seq + 1, f"rows {previous_seq + 1}..{seq - 1} are missing")
        if row["prev_hash"] != previous_hash:
            found(REORDERED, seq, f"row {seq} does not follow the row before it")
        if row_hash(row) != row["hash"]:
            found(ALTERED, seq, f"row {seq} was altered")
        if row["operation"] == PURGE_OPERATION:
            try:
                record = json.loads(row["target"])
                recorded[int(record["up_to"])] = (seq, record)
            except (ValueError, KeyError, TypeError):
                found(ALTERED, seq, f"row {seq} is a purge that does not say what it purged")
        if seq in pinned:
            stored[seq] = str(row["hash"])
        previous_seq, previous_hash = seq, str(row["hash"])
    for count, digest in sorted(pinned.items()):
        if count < floor or count == 0:
            continue  # purged under retention (the purge is checked below)
        if count > previous_seq:
            found(
                TRUNCATED,
                count,
                f"the log ends at row {previous_seq}, a checkpoint signed {count} rows",
            )
        elif stored.get(count, digest) != digest:
            found(ALTERED, count, f"row {count} no longer has the hash the checkpoint recorded")
    for purge in purges:
        seq_record = recorded.get(purge.up_to)
        if seq_record is None:
            if purge is anchor:
                found(
                    FORGED,
                    purge.up_to,
                    f"the purge of rows {purge.after + 1}..{purge.up_to} has no chained record",
                    PURGE_TABLE,
                )
            continue  # an older purge, whose own row a later purge removed
        seq, record = seq_record
        for problem in _purge_problems(purge, record, RETENTION_FLOOR.days, row_hash):
            found(
                FORGED,
                purge.up_to,
                f"the purge of rows {purge.after + 1}..{purge.up_to} (row {seq}): {problem}",
                PURGE_TABLE,
            )
        if problem := _dated_after_signing(purge, seq, signed_at):
            found(
                FORGED,
                purge.up_to,
                f"the purge of rows {purge.after + 1}..{purge.up_to} (row {seq}): {problem}",
                PURGE_TABLE,
            )
        signed_past = [count for count in pinned if 0 < count <= purge.up_to]
        if signed_past and not any(count >= seq for count in pinned):
            found(
                FORGED,
                purge.up_to,
                f"the purge of rows {purge.after + 1}..{purge.up_to} removed rows checkpoints "
                f"signed (up to {max(signed_past)}), and no checkpoint signs it (row {seq})",
                PURGE_TABLE,
            )
    return Verification(count=previous_seq, head=previous_hash, breaks=breaks, purged=floor)


def _dated_after_signing(purge: Purge, seq: int, signed_at: Mapping[int, datetime]) -> str:
    """Why the purge's time cannot be true: the floor is measured from it, so a purge dated
    ahead opens young rows; the first checkpoint whose head covers the purge row was signed
    after the purge happened, so the purge cannot be dated later (beyond clock skew)."""
    covering = [moment for count, moment in signed_at.items() if count >= seq]
    if not covering:
        return ""  # not signed yet: the check on the signed heads reports what it must
    first = min(covering)
    try:
        late = datetime.fromisoformat(purge.at) > first + CLOCK_SKEW
    except (TypeError, ValueError):  # not ISO 8601 (reported by `_purge_problems`), or naive
        late = True
    if late:
        return f"it is dated {purge.at}, after the checkpoint that first signed it ({first})"
    return ""


def _purge_problems(
    purge: Purge, record: Mapping[str, Any], floor_days: int, row_hash: Any
) -> list[str]:
    problems = []
    for name in ("after", "up_to", "anchor_hash", "cutoff", "policy", "run_id", "at"):
        if record.get(name) != getattr(purge, name):
            problems.append(f"its {name} differs from the purge table's")
    if purge.log != OPERATION_LOG:
        problems.append("it names another log")
    try:
        cutoff, at = datetime.fromisoformat(purge.cutoff), datetime.fromisoformat(purge.at)
        if (at - cutoff).days < floor_days:
            problems.append(f"its cut-off {purge.cutoff} is less than {floor_days} days old")
    except ValueError:
        problems.append("its times are not ISO 8601")
    removed = record.get("last_removed")
    if not isinstance(removed, dict) or removed.get("seq") != purge.up_to:
        problems.append("it does not hold the last row it removed")
    else:
        if row_hash(removed) != purge.anchor_hash or removed.get("hash") != purge.anchor_hash:
            problems.append("the last row it removed does not hash to its anchor")
        if str(removed.get("at", "")) >= purge.cutoff:
            problems.append(f"it removed row {purge.up_to}, written after its cut-off")
    return problems
