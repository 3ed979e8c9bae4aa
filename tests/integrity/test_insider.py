"""The insider suite: with every trigger disabled (`ALTER TABLE ... DISABLE TRIGGER ALL`, on the
test's own connection), edit, delete, reorder, insert and cut the tail of each table an auditor
relies on; plain `verify` (the tree, the chains, the checkpoints, the audit log and the archive)
must catch each and name the table and row.

This module covers the audit log and its purge rows (`AUDIT_LOG`); the events are
test_tampering.py, and the other tables have modules of their own: test_insider_archive.py,
test_insider_checkpoints.py, test_insider_keys_and_tokens.py.
"""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from api.wiring.integrity import sign_operation_log
from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import Operation, OperationLog
from ledger.clock import ManualClock
from ledger.integrity.breaks import Report
from ledger.integrity.service import Integrity
from tests.integrity.helpers import register
from tests.integrity.test_tampering import Insider

SEVEN_MONTHS = timedelta(days=210)
LOG = "ledger_operation_log"
PURGES = "ledger_log_purges"


@pytest.fixture
def audited(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity, database_url: str
) -> Iterator[tuple[Integrity, OperationLog, Insider, str]]:
    """Three complaints and six audit rows, the oldest two purged, under a signed checkpoint."""
    oplog = OperationLog(ledger.recorder.datastore)  # type: ignore[attr-defined]
    sign_operation_log(integrity, oplog)
    register(ledger, clock, 3)
    for n in range(3):
        oplog.append(
            Operation(clock.now(), f"r{n}", "agent-7", "agent", "old", f"c:{n}", "allowed", 200)
        )
    clock.advance(SEVEN_MONTHS)
    for n in range(3, 6):
        oplog.append(
            Operation(clock.now(), f"r{n}", "agent-7", "agent", "new", f"c:{n}", "allowed", 200)
        )
    now = clock.now()
    assert oplog.purge(cutoff=now - timedelta(days=183), policy="p", run_id="run", at=now)
    oplog.append(Operation(now, "r7", "agent-7", "agent", "new", "c:7", "allowed", 200))
    integrity.checkpoint()
    insider = Insider(database_url)
    schema = insider.events.split(".")[0]
    for table in (LOG, PURGES):
        insider.execute(f"ALTER TABLE {schema}.{table} DISABLE TRIGGER ALL")
    yield integrity, oplog, insider, schema
    insider.close()


def _rows(insider: Insider, schema: str) -> list[tuple[int, str]]:
    return [(int(r[0]), r[1]) for r in insider.execute(f"SELECT seq, hash FROM {schema}.{LOG}")]


Tamper = Callable[[Insider, str], None]
# Rows 1..3 are purged (row 3 is the anchor); 4, 5, 6 kept, 7 the purge's row, 8 the last.
AUDIT_LOG: dict[str, tuple[Tamper, set[tuple[str, str, int]]]] = {
    "edit": (
        lambda i, s: i.execute(f"UPDATE {s}.{LOG} SET staff_id = 'someone' WHERE seq = 4"),
        {("altered", LOG, 4)},
    ),
    "edit, hashes recomputed": (
        lambda i, s: _rechain(i, s, "UPDATE {t} SET result = 'refused' WHERE seq = 5"),
        {("altered", LOG, 8)},
    ),
    "delete": (
        lambda i, s: i.execute(f"DELETE FROM {s}.{LOG} WHERE seq = 5"),
        {("missing", LOG, 5), ("reordered", LOG, 6)},
    ),
    "reorder": (
        lambda i, s: (
            i.execute(f"UPDATE {s}.{LOG} SET seq = 1000 WHERE seq = 4"),
            i.execute(f"UPDATE {s}.{LOG} SET seq = 4 WHERE seq = 5"),
            i.execute(f"UPDATE {s}.{LOG} SET seq = 5 WHERE seq = 1000"),
        ),
        {("reordered", LOG, 4), ("reordered", LOG, 5), ("reordered", LOG, 6)},
    ),
    "insert": (
        lambda i, s: i.execute(
            f"INSERT INTO {s}.{LOG} SELECT 99, at, request_id, staff_id, role, operation, target,"
            f" result, status, prev_hash, hash, reveals FROM {s}.{LOG} WHERE seq = 4"
        ),
        {("missing", LOG, 9), ("reordered", LOG, 99)},
    ),
    "truncate the tail": (
        lambda i, s: i.execute(f"DELETE FROM {s}.{LOG} WHERE seq >= 6"),
        {("truncated", LOG, 8)},
    ),
    "forge a purge": (
        lambda i, s: (
            i.execute(
                f"INSERT INTO {s}.{PURGES} SELECT log, up_to, 5, 3, "
                f"(SELECT hash FROM {s}.{LOG} WHERE seq = 5), cutoff, policy, run_id, at "
                f"FROM {s}.{PURGES}"
            ),
            i.execute(f"DELETE FROM {s}.{LOG} WHERE seq <= 5"),
        ),
        {("forged purge", PURGES, 5)},
    ),
    "edit a purge": (
        lambda i, s: i.execute(f"UPDATE {s}.{PURGES} SET cutoff = at"),
        {("forged purge", PURGES, 3)},
    ),
    "delete the purge": (
        lambda i, s: i.execute(f"DELETE FROM {s}.{PURGES}"),
        {("missing", LOG, 1)},
    ),
}


def _rechain(insider: Insider, schema: str, statement: str) -> None:
    """Change a row, then recompute every hash after it, as an insider who read the code would."""
    from ledger.audit.log_rows import _STORED, row_hash

    table = f"{schema}.{LOG}"
    insider.execute(statement.format(t=table))
    rows = insider.connection.cursor(row_factory=__import__("psycopg").rows.dict_row)
    rows.execute(f"SELECT {_STORED} FROM {table} ORDER BY seq")
    previous = None
    for row in rows.fetchall():
        if previous is not None:
            row["prev_hash"] = previous
        row["hash"] = row_hash(row)
        insider.execute(
            f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s",
            (row["prev_hash"], row["hash"], row["seq"]),
        )
        previous = row["hash"]


def _found(report: Report) -> set[tuple[str, str, int]]:
    return {(b.kind, str(b.table), int(b.row)) for b in report.breaks if b.table is not None}  # type: ignore[arg-type]


def test_the_untouched_audit_log_verifies(
    audited: tuple[Integrity, OperationLog, Insider, str],
) -> None:
    integrity, _, _, _ = audited
    report = integrity.verify()
    assert report.intact, [b.describe() for b in report.breaks]


@pytest.mark.parametrize("tampering", sorted(AUDIT_LOG))
def test_an_insider_tampering_with_the_audit_log_is_caught_and_located(
    audited: tuple[Integrity, OperationLog, Insider, str], tampering: str
) -> None:
    integrity, _, insider, schema = audited
    tamper, expected = AUDIT_LOG[tampering]
    tamper(insider, schema)
    report = integrity.verify()
    assert expected <= _found(report), [b.describe() for b in report.breaks]
