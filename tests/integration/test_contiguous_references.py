"""References have no gaps: a number is taken only in the transaction that stores its case.

An auditor reads a missing `CMP-2026-000004` as a deleted complaint, so a registration refused
at any point must leave the counter where it was. The number is claimed in the events' own
transaction, so a process killed between reading the counter and the commit takes nothing
either: there is no separate allocation step left to be interrupted.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.errors import ConcurrencyError, DomainError, DuplicateRequestError, NotFoundError
from ledger.store.side_tables import NumberClaim
from ledger.values import Actor
from tests.conftest import POSTGRES_URL

AGENT = Actor(staff_id="agent-7", role="agent", department="service")
MANAGER = Actor(staff_id="im-1", role="incident_manager")
PRIVACY = Actor(staff_id="po-1", role="privacy_officer")


def _register(ledger: LedgerApplication, **fields: object) -> Complaint:
    values: dict[str, object] = {
        "channel": "phone",
        "customer_name": "Li Si",
        "summary": "Parcel arrived broken",
        "description": "Crushed box",
    }
    values.update(fields)
    return ledger.register_complaint(**values, actor=AGENT)  # type: ignore[arg-type]


def _erased_subject(ledger: LedgerApplication) -> UUID:
    subject = _register(ledger).customer.subject_id
    ledger.erase_subject(subject, legal_basis="art-17", actor=PRIVACY)
    return subject


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def test_a_registration_refused_while_building_the_case_leaves_no_gap(
    ledger: LedgerApplication,
) -> None:
    assert _register(ledger).reference == "CMP-2026-000001"
    with pytest.raises(DomainError, match="channel"):
        _register(ledger, channel="carrier pigeon")
    with pytest.raises(DomainError, match="title"):
        ledger.report_incident(title="", description="d", actor=MANAGER)
    assert _register(ledger).reference == "CMP-2026-000002"
    assert ledger.report_incident(title="t", description="d", actor=MANAGER).reference == (
        "INC-2026-000001"
    )


def test_a_registration_whose_save_is_refused_leaves_no_gap(ledger: LedgerApplication) -> None:
    erased = _erased_subject(ledger)  # CMP-2026-000001
    with pytest.raises(DomainError, match="erased"):
        _register(ledger, subject_id=erased)  # refused by the recorder, in the transaction
    assert _register(ledger).reference == "CMP-2026-000002"


def test_a_claim_that_is_not_the_next_number_fails_the_whole_save_as_a_conflict(
    ledger: LedgerApplication,
) -> None:
    first = _register(ledger)  # CMP-2026-000001
    ahead = Complaint.register(
        reference="CMP-2026-000003",
        channel="phone",
        customer=first.customer,
        summary=first.summary,
        description=first.description,
        department="service",
        actor=AGENT,
        at=ledger.clock.now(),
    )
    with pytest.raises(ConcurrencyError):
        ledger.save(ahead, claims=[NumberClaim("CMP", 2026, 3)])
    assert ledger.get_history(first.id)  # the store is intact, and the case was not stored
    with pytest.raises(NotFoundError):
        ledger.get_complaint(ahead.id)
    assert _register(ledger).reference == "CMP-2026-000002"


def test_concurrent_registrations_some_refused_get_contiguous_unique_references(
    ledger: LedgerApplication,
) -> None:
    erased = _erased_subject(ledger)  # CMP-2026-000001
    writers = 12
    start = threading.Barrier(writers)

    def register(n: int) -> str | None:
        start.wait()
        try:
            if n % 3 == 0:
                return _register(ledger, subject_id=erased).reference
            if n % 3 == 1:
                return _register(ledger, channel="carrier pigeon").reference
            return _register(ledger).reference
        except DomainError:
            return None

    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(register, range(writers)))
    references = sorted(r for r in results if r is not None)
    assert len(references) == writers // 3
    assert [_number(r) for r in references] == list(range(2, 2 + writers // 3))
    assert _register(ledger).reference == f"CMP-2026-{2 + writers // 3:06d}"
    assert len(ledger.side_tables.issued_numbers("CMP")) == 2 + writers // 3


def test_a_duplicate_idempotent_registration_takes_no_number(ledger: LedgerApplication) -> None:
    from ledger.application.scope import RequestScope
    from ledger.store.idempotency import IdempotencyKey

    key = IdempotencyKey("agent-7", "k-1", "fp", 201, "2026-03-02T09:00:00+00:00")
    first = ledger.for_request(RequestScope(idempotency=key))
    assert _register(first).reference == "CMP-2026-000001"
    again = IdempotencyKey("agent-7", "k-1", "fp", 201, "2026-03-02T09:00:00+00:00")
    with pytest.raises(DuplicateRequestError):
        _register(ledger.for_request(RequestScope(idempotency=again)))
    assert _register(ledger).reference == "CMP-2026-000002"


def test_a_counter_restored_behind_its_cases_never_reuses_a_reference(
    ledger: LedgerApplication, database_url: str
) -> None:
    taken = [_register(ledger).reference for _ in range(3)]
    schema = database_url.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(
            sql.SQL("UPDATE {}.ledger_reference_counters SET last = 1").format(
                sql.Identifier(schema)
            )
        )
    assert _register(ledger).reference == "CMP-2026-000004"
    assert taken == ["CMP-2026-000001", "CMP-2026-000002", "CMP-2026-000003"]
    assert ledger.side_tables.current_number("CMP", 2026) == 4


def test_racing_registrations_each_get_the_next_reference_once(ledger: LedgerApplication) -> None:
    writers = 16
    start = threading.Barrier(writers)

    def register(_: int) -> str:
        start.wait()
        return _register(ledger).reference

    with ThreadPoolExecutor(writers) as pool:
        references = list(pool.map(register, range(writers)))
    assert sorted(_number(r) for r in references) == list(range(1, writers + 1))
