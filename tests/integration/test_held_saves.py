"""A request that answers in one commit holds its saves; `commit_held` stores them with the
request's audit-log rows in one transaction, or leaves the rows to the caller when there is
nothing to store."""

from datetime import UTC, datetime
from uuid import uuid4

from ledger.application.scope import RequestScope
from ledger.application.service import LedgerApplication
from ledger.audit.log_rows import LogEntry, Operation
from ledger.values import Actor

AGENT = Actor("agent-7", "agent", "service")


def _entry(request_id: str) -> LogEntry:
    operation = Operation(
        at=datetime(2026, 1, 5, tzinfo=UTC),
        request_id=request_id,
        staff_id="agent-7",
        role="agent",
        operation="complaints.notes",
        target="complaint:x",
        result="allowed",
        status=200,
    )
    return LogEntry(operation, ())


def _registered(ledger: LedgerApplication) -> object:
    return ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="s", description="d", actor=AGENT
    )


def _holding(ledger: LedgerApplication) -> tuple[RequestScope, LedgerApplication]:
    """A request's scope that holds its saves, and the ledger's view for that request."""
    scope = RequestScope()
    scope.hold_saves()
    return scope, ledger.for_request(scope)


def test_held_saves_reach_the_store_only_with_the_requests_row(ledger: LedgerApplication) -> None:
    complaint = _registered(ledger)
    _, request = _holding(ledger)
    noted = request.note_progress(complaint.id, note="Called back", actor=AGENT)  # type: ignore[attr-defined]
    assert ledger.get_complaint(noted.id).version == noted.version - 1  # held, not stored
    request_id = uuid4().hex
    assert request.commit_held([_entry(request_id)])
    assert ledger.get_complaint(noted.id).version == noted.version
    assert [row.request_id for row in ledger.access_log.log.query(limit=1)] == [request_id]


def test_held_records_without_a_new_event_leave_the_row_to_the_caller(
    ledger: LedgerApplication,
) -> None:
    complaint = _registered(ledger)
    _, request = _holding(ledger)
    request.save(request.get_complaint(complaint.id))  # type: ignore[attr-defined]
    before = ledger.access_log.log.head()
    assert not request.commit_held([_entry("nothing-to-store")])
    assert ledger.access_log.log.head() == before


def test_a_save_that_carries_more_takes_what_was_held_along(ledger: LedgerApplication) -> None:
    complaint = _registered(ledger)
    scope, request = _holding(ledger)
    noted = request.note_progress(complaint.id, note="Called back", actor=AGENT)  # type: ignore[attr-defined]
    request.save(noted, completions=[])  # a save with its own records goes now, held ones too
    assert ledger.get_complaint(noted.id).version == noted.version
    assert not scope.holding and not scope.held
