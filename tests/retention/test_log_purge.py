"""The retention run purges the audit log (operations and reveals, one log) past its retention;
its chain still verifies from the purge's anchor, which checkpoints sign."""

import json
from datetime import timedelta
from uuid import uuid4

import psycopg
import pytest

from api.wiring.integrity import OPERATION_LOG_ANCHOR, sign_operation_log
from ledger.application.service import LedgerApplication
from ledger.audit.access_log import Access
from ledger.audit.log_purge import PURGE_OPERATION
from ledger.audit.operation_log import Head, Operation, OperationLog, OperationLogError
from ledger.clock import ManualClock
from ledger.integrity.checkpoints import checkpoint_document
from ledger.integrity.service import Integrity
from projections.retention.archive_tables import ArchiveTables
from projections.retention.rules import RetentionRules
from projections.retention.run import RetentionRun
from tests.integration.test_operation_log import _execute, _tamper

SEVEN_MONTHS = timedelta(days=210)


@pytest.fixture
def oplog(ledger: LedgerApplication) -> OperationLog:
    return OperationLog(ledger.recorder.datastore)  # type: ignore[attr-defined]


@pytest.fixture
def run(
    ledger: LedgerApplication, integrity: Integrity, archive: ArchiveTables, oplog: OperationLog
) -> RetentionRun:
    sign_operation_log(integrity, oplog)
    rules = RetentionRules(operation_log=timedelta(days=183))
    return RetentionRun(ledger, integrity, archive, rules, oplog=oplog)


def _access(ledger: LedgerApplication, clock: ManualClock, purpose: str) -> None:
    ledger.access_log.record([Access(clock.now(), "agent-7", "agent", uuid4(), ("name",), purpose)])


def _operations(oplog: OperationLog, clock: ManualClock, count: int, name: str) -> None:
    for n in range(count):
        oplog.append(
            Operation(
                clock.now(), f"{name}-{n}", "agent-7", "agent", name, "complaint:1", "allowed", 200
            )
        )


def test_reveals_past_retention_are_purged_with_the_operations_and_the_rest_kept(
    ledger: LedgerApplication, clock: ManualClock, run: RetentionRun
) -> None:
    _access(ledger, clock, "old-1")
    _access(ledger, clock, "old-2")
    clock.advance(SEVEN_MONTHS)
    _access(ledger, clock, "recent")
    report = run.run()
    assert [a.purpose for a in ledger.access_log.query()] == ["recent"]
    [purge] = report.purged
    assert (purge.log, purge.after, purge.up_to, purge.count) == ("operation_log", 0, 2, 2)
    assert (purge.policy, purge.run_id) == ("operation_log.keep=183d", report.run_id)
    assert ledger.access_log.purges() == [purge]


def test_a_second_run_purges_nothing_more(
    ledger: LedgerApplication, clock: ManualClock, run: RetentionRun
) -> None:
    _access(ledger, clock, "old")
    clock.advance(SEVEN_MONTHS)
    _access(ledger, clock, "recent")
    run.run()
    assert run.run().purged == []
    assert len(ledger.access_log.purges()) == 1


def test_the_audit_log_still_refuses_to_delete_what_no_purge_covers(
    ledger: LedgerApplication, clock: ManualClock, run: RetentionRun, database_url: str
) -> None:
    _access(ledger, clock, "old")
    clock.advance(SEVEN_MONTHS)
    _access(ledger, clock, "recent")
    run.run()
    with pytest.raises(Exception, match="append-only"):
        _execute(database_url, "DELETE FROM ledger_operation_log")
    with pytest.raises(Exception, match="append-only"):
        _execute(database_url, "DELETE FROM ledger_log_purges")
    assert [a.purpose for a in ledger.access_log.query()] == ["recent"]


def test_a_purge_reaching_past_the_183_day_floor_is_refused(
    clock: ManualClock, oplog: OperationLog
) -> None:
    _operations(oplog, clock, 3, "recent")
    now = clock.now()
    with pytest.raises(OperationLogError, match="183 days"):
        oplog.purge(cutoff=now - timedelta(days=180), policy="x", run_id="r", at=now)
    assert oplog.purges() == []


def test_a_purged_operation_log_verifies_from_its_anchor_and_records_the_purge(
    clock: ManualClock, run: RetentionRun, oplog: OperationLog
) -> None:
    _operations(oplog, clock, 4, "old")
    anchor_hash = oplog.query(limit=1)[0].hash
    clock.advance(SEVEN_MONTHS)
    _operations(oplog, clock, 2, "recent")
    report = run.run()
    [purge] = [p for p in report.purged if p.log == "operation_log"]
    assert (purge.up_to, purge.count, purge.anchor_hash) == (4, 4, anchor_hash)
    assert purge.policy == "operation_log.keep=183d"
    assert oplog.anchor() == Head(4, anchor_hash)
    result = oplog.verify()
    assert (result.intact, result.purged, result.count) == (True, 4, oplog.head().count)
    recorded = oplog.query(where=[("operation = %s", PURGE_OPERATION)])
    assert [(r.request_id, r.staff_id) for r in recorded] == [(report.run_id, "retention-run")]
    assert json.loads(recorded[0].target)["anchor_hash"] == anchor_hash


def test_the_last_row_is_kept_so_that_the_chain_goes_on(
    clock: ManualClock, run: RetentionRun, oplog: OperationLog
) -> None:
    _operations(oplog, clock, 3, "old")
    clock.advance(SEVEN_MONTHS)
    run.run()
    anchor = oplog.anchor()
    assert anchor is not None and anchor.count == 2
    _operations(oplog, clock, 1, "next")
    assert oplog.verify().intact


def test_a_row_altered_or_removed_after_the_anchor_is_still_found(
    clock: ManualClock, run: RetentionRun, oplog: OperationLog, database_url: str
) -> None:
    _operations(oplog, clock, 3, "old")
    clock.advance(SEVEN_MONTHS)
    _operations(oplog, clock, 4, "recent")
    run.run()
    _tamper(database_url, "UPDATE ledger_operation_log SET staff_id = %s WHERE seq = 5", "x")
    _tamper(database_url, "DELETE FROM ledger_operation_log WHERE seq = 6")
    assert oplog.verify().problems == [
        "row 5 was altered",
        "rows 6..6 are missing",
        "row 7 does not follow the row before it",
    ]


def test_the_first_rows_after_the_anchor_cannot_be_cut_unnoticed(
    clock: ManualClock, run: RetentionRun, oplog: OperationLog, database_url: str
) -> None:
    _operations(oplog, clock, 3, "old")
    clock.advance(SEVEN_MONTHS)
    _operations(oplog, clock, 3, "recent")
    run.run()
    with pytest.raises(Exception, match="append-only"):
        _execute(database_url, "DELETE FROM ledger_operation_log WHERE seq = 4")
    _tamper(database_url, "DELETE FROM ledger_operation_log WHERE seq = 4")
    assert "rows 4..4 are missing" in oplog.verify().problems


def test_the_anchor_is_signed_into_the_checkpoint_the_run_ends_with(
    clock: ManualClock, run: RetentionRun, oplog: OperationLog, integrity: Integrity
) -> None:
    _operations(oplog, clock, 3, "old")
    clock.advance(SEVEN_MONTHS)
    _operations(oplog, clock, 1, "recent")
    report = run.run()
    latest = integrity.get_checkpoint()
    assert latest.number == report.checkpoints[-1]
    anchor = oplog.anchor()
    assert anchor is not None
    heads = checkpoint_document(latest)["heads"]
    assert heads[OPERATION_LOG_ANCHOR] == f"{anchor.count}:{anchor.hash}"


def _insert_purge(database_url: str, cutoff: str, at: str) -> None:
    """A purge row inserted by hand, as an insider with the triggers left on would."""
    _execute(
        database_url,
        "INSERT INTO ledger_log_purges (log, after, up_to, count, anchor_hash, cutoff, policy, "
        "run_id, at) VALUES ('operation_log', 0, 5, 5, '', %s, 'hand', 'hand', %s)",
        cutoff,
        at,
    )


def test_the_database_refuses_a_purge_row_whose_cutoff_is_inside_the_floor(
    oplog: OperationLog, database_url: str
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="at least 183 days"):
        _insert_purge(database_url, "2026-03-01T00:00:00+00:00", "2026-06-01T00:00:00+00:00")


def test_the_database_accepts_a_purge_row_whose_cutoff_is_at_the_floor(
    oplog: OperationLog, database_url: str
) -> None:
    _insert_purge(database_url, "2025-11-30T00:00:00+00:00", "2026-06-01T00:00:00+00:00")


def test_a_purge_dated_after_the_checkpoint_that_first_signed_it_is_reported(
    clock: ManualClock, oplog: OperationLog, integrity: Integrity
) -> None:
    sign_operation_log(integrity, oplog)
    _operations(oplog, clock, 3, "young")
    integrity.checkpoint()
    # Dated 184 days ahead, the purge meets the floor on paper and opens rows a day old.
    at = clock.now() + timedelta(days=184)
    oplog.purge(cutoff=clock.now() + timedelta(days=1), policy="forged", run_id="r", at=at)
    integrity.checkpoint()
    found = [(b.kind, b.table, b.row) for b in integrity.verify().breaks]
    assert found == [("forged purge", "ledger_log_purges", 2)]


def test_the_retention_runs_purge_verifies_against_the_checkpoint_that_signs_it(
    clock: ManualClock, run: RetentionRun, integrity: Integrity
) -> None:
    _operations(run.oplog, clock, 3, "old")  # type: ignore[arg-type]
    clock.advance(SEVEN_MONTHS)
    _operations(run.oplog, clock, 1, "recent")  # type: ignore[arg-type]
    assert run.run().purged
    report = integrity.verify()
    assert report.intact, [b.describe() for b in report.breaks]
