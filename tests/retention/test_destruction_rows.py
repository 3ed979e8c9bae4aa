"""A destruction row is only a copy of the ledger's confirmation: it spares no key, and verify
compares every row with its `DestroyedUnderRetention` event."""

from datetime import timedelta

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.subjects.subject import data_subject_id_for
from projections.retention.archive_tables import ArchiveTables
from projections.retention.destruction_check import destruction_check
from projections.retention.run import RetentionRun
from tests.integration.test_operation_log import _execute
from tests.retention.conftest import closed_complaint

THREE_YEARS = timedelta(days=3 * 365)
FORGED = (
    "INSERT INTO ledger_retention_destructions VALUES "
    "(%s, 'forged', '2026-01-01T00:00:00+00:00', '[]')"
)


@pytest.fixture
def verified(ledger: LedgerApplication, integrity: Integrity, archive: ArchiveTables) -> Integrity:
    integrity.checks.append(destruction_check(ledger, integrity.tables, archive))
    return integrity


def test_a_forged_destruction_row_does_not_spare_a_persons_key(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, database_url: str
) -> None:
    case = closed_complaint(ledger, marker="Forged Spared")
    subject = case.customer.subject_id
    _execute(database_url, FORGED, str(subject))
    clock.advance(THREE_YEARS + timedelta(days=1))
    assert retention.run().destroyed == [str(subject)]
    assert ledger.keys.is_erased(subject)


def test_verify_passes_a_destruction_row_that_matches_its_confirmation(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, verified: Integrity
) -> None:
    closed_complaint(ledger, marker="Honest Row")
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    report = verified.verify()
    assert report.intact, [b.describe() for b in report.breaks]


def test_verify_names_a_destruction_row_no_confirmation_backs(
    ledger: LedgerApplication, verified: Integrity, database_url: str
) -> None:
    case = closed_complaint(ledger, marker="Forged Row")
    subject = str(case.customer.subject_id)
    _execute(database_url, FORGED, subject)
    found = [(b.kind, b.table, b.row) for b in verified.verify().breaks]
    assert found == [("inserted", "ledger_retention_destructions", subject)]


def test_verify_names_a_destruction_row_forged_before_the_run_that_confirmed_it(
    ledger: LedgerApplication,
    clock: ManualClock,
    retention: RetentionRun,
    verified: Integrity,
    database_url: str,
) -> None:
    case = closed_complaint(ledger, marker="Forged Early")
    subject = str(case.customer.subject_id)
    _execute(database_url, FORGED, subject)
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    found = [(b.kind, b.table, b.row) for b in verified.verify().breaks]
    assert found == [("altered", "ledger_retention_destructions", subject)]


def test_verify_names_a_confirmed_destruction_whose_row_is_gone(
    ledger: LedgerApplication,
    clock: ManualClock,
    retention: RetentionRun,
    verified: Integrity,
    database_url: str,
) -> None:
    case = closed_complaint(ledger, marker="Row Deleted")
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    _execute(database_url, "ALTER TABLE ledger_retention_destructions DISABLE TRIGGER USER")
    _execute(database_url, "DELETE FROM ledger_retention_destructions")
    stream = data_subject_id_for(case.customer.subject_id)
    found = [(b.kind, b.table, b.stream_id) for b in verified.verify().breaks]
    assert found == [("missing", "ledger_retention_destructions", stream)]
