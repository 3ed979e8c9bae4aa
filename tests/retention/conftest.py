"""The retention run on the ledger under test: integrity, archive tables, and closed cases."""

from collections.abc import Callable
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.integrity.tables import integrity_tables_for
from ledger.values import Actor
from projections.retention.archive_tables import ArchiveTables, archive_tables_for
from projections.retention.rules import RetentionRules
from projections.retention.run import RetentionRun
from tests.conftest import PERSONAL_MARKERS, TEST_SIGNING_SEED

AGENT = Actor(staff_id="agent-7", role="agent", department="service")
OFFICER = Actor(staff_id="audit-1", role="compliance_officer")


@pytest.fixture
def integrity(ledger: LedgerApplication, clock: ManualClock) -> Integrity:
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    tables = integrity_tables_for(datastore, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    return Integrity(tables, Ed25519PrivateKey.from_private_bytes(TEST_SIGNING_SEED), clock)


@pytest.fixture
def archive(ledger: LedgerApplication) -> ArchiveTables:
    return archive_tables_for(ledger.recorder.datastore)  # type: ignore[attr-defined]


@pytest.fixture
def retention(
    ledger: LedgerApplication, integrity: Integrity, archive: ArchiveTables
) -> RetentionRun:
    return RetentionRun(ledger, integrity, archive, RetentionRules())


def closed_complaint(
    ledger: LedgerApplication,
    *,
    marker: str,
    subject_id: UUID | None = None,
    close: bool = True,
    category: str = "complaint",
) -> Complaint:
    """A complaint of `marker` (a personal name filed as a marker) taken through to closure."""
    PERSONAL_MARKERS.add(marker)
    complaint = ledger.register_complaint(
        channel="phone",
        customer_name=marker,
        customer_phone=f"{marker}-phone",
        subject_id=subject_id,
        summary=f"{marker} summary",
        description=f"{marker} says the parcel arrived crushed",
        actor=AGENT,
    )
    ledger.classify_complaint(complaint.id, category=category, priority="urgent", actor=AGENT)
    ledger.assign_complaint(complaint.id, actor=AGENT)
    ledger.respond_to_complaint(complaint.id, message=f"Dear {marker}", actor=AGENT)
    ledger.resolve_complaint(complaint.id, resolution=f"{marker} refunded", actor=AGENT)
    ledger.record_feedback(complaint.id, satisfaction=5, actor=AGENT)
    if close:
        ledger.close_complaint(complaint.id, actor=AGENT)
    return ledger.get_complaint(complaint.id)


CaseFactory = Callable[..., Complaint]
