"""Archive rows are sealed by events in the signed tree; the archive keeps the escalation reached."""

from datetime import timedelta

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.values import Actor
from projections.retention.archive_seal import archive_check
from projections.retention.archive_tables import ArchiveTables, canonical, record_sha256
from projections.retention.run import RetentionRun
from tests.integration.test_operation_log import _execute
from tests.retention.conftest import AGENT, closed_complaint

THREE_YEARS = timedelta(days=3 * 365)
DIRECTOR = Actor(staff_id="exec-1", role="executive")


def _archived(ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun) -> str:
    case = closed_complaint(ledger, marker="Sealed Case")
    clock.advance(THREE_YEARS + timedelta(days=1))
    assert retention.run().archived == [str(case.id)]
    return str(case.id)


def test_a_complaint_escalated_twice_is_archived_with_the_level_it_reached(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    case = closed_complaint(ledger, marker="Escalated Twice", close=False)
    first = ledger.escalate_case(case, level="supervisor", reason="slow", actor=AGENT)
    case = ledger.get_complaint(case.id)
    second = ledger.escalate_case(case, level="manager", reason="slower", actor=AGENT)
    for escalation in (first, second):
        ledger.acknowledge_escalation(escalation.id, actor=DIRECTOR)
        ledger.resolve_escalation(escalation.id, outcome="handled", actor=DIRECTOR)
    ledger.close_complaint(case.id, actor=AGENT)
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    row = archive.archive(str(case.id))
    assert row is not None and row.record["escalation_level"] == 2


def test_an_archive_row_edited_with_its_hash_recomputed_is_caught_by_verify(
    ledger: LedgerApplication,
    clock: ManualClock,
    retention: RetentionRun,
    archive: ArchiveTables,
    integrity: Integrity,
    database_url: str,
) -> None:
    case_id = _archived(ledger, clock, retention)
    integrity.checks.append(archive_check(ledger, integrity.tables, archive))
    assert integrity.verify().intact
    row = archive.archive(case_id)
    assert row is not None
    record = {**row.record, "csat": 1, "departments": ["legal"], "sla": {"resolution": "met"}}
    with _WithoutTriggers(database_url) as run:
        run(
            "UPDATE ledger_archives SET record = %s, sha256 = %s WHERE case_id = %s",
            canonical(record),
            record_sha256(record),
            case_id,
        )
    found = [(b.kind, b.table, b.row) for b in integrity.verify().breaks]
    assert found == [("altered", "ledger_archives", case_id)]


@pytest.mark.parametrize(
    ("column", "value"),
    [("archived_at", "2026-01-01T00:00:00+00:00"), ("run_id", "another-run")],
)
def test_an_archive_rows_archival_time_or_run_edited_is_caught_by_verify(
    ledger: LedgerApplication,
    clock: ManualClock,
    retention: RetentionRun,
    archive: ArchiveTables,
    integrity: Integrity,
    database_url: str,
    column: str,
    value: str,
) -> None:
    case_id = _archived(ledger, clock, retention)
    integrity.checks.append(archive_check(ledger, integrity.tables, archive))
    assert integrity.verify().intact
    with _WithoutTriggers(database_url) as run:
        run(f"UPDATE ledger_archives SET {column} = %s WHERE case_id = %s", value, case_id)
    found = [(b.kind, b.table, b.row) for b in integrity.verify().breaks]
    assert found == [("altered", "ledger_archives", case_id)]


class _WithoutTriggers:
    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def __enter__(self):  # type: ignore[no-untyped-def]
        _execute(self.url, "ALTER TABLE ledger_archives DISABLE TRIGGER USER")
        return lambda statement, *params: _execute(self.url, statement, *params)

    def __exit__(self, *exc: object) -> None:
        _execute(self.url, "ALTER TABLE ledger_archives ENABLE TRIGGER USER")
