"""The Handoff aggregate: requested, then accepted and completed, or rejected, by the receiver."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ledger.cases.handoff import Handoff
from ledger.errors import DomainError
from ledger.values import Actor

REQUESTED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = REQUESTED_AT + timedelta(minutes=45)
COMPLAINT_ID = UUID("00000000-0000-4000-8000-000000000001")
SENDER = Actor(staff_id="agent-1", role="agent", department="service")
RECEIVER = Actor(staff_id="tech-1", role="department_staff", department="technical")
OUTSIDER = Actor(staff_id="log-1", role="department_staff", department="logistics")
NO_DEPARTMENT = Actor(staff_id="mgr-1", role="manager", department=None)


def request(**changes: object) -> Handoff:
    arguments: dict[str, object] = {
        "complaint_id": COMPLAINT_ID,
        "complaint_reference": "CMP-2026-000001",
        "from_department": "service",
        "to_department": "technical",
        "reason": "Needs a technician to inspect the unit",
        "accept_due": REQUESTED_AT + timedelta(hours=2),
        "complete_due": REQUESTED_AT + timedelta(hours=24),
        "actor": SENDER,
        "at": REQUESTED_AT,
    }
    arguments.update(changes)
    return Handoff.request(**arguments)  # type: ignore[arg-type]


def accept(handoff: Handoff) -> None:
    handoff.accept(actor=RECEIVER, at=LATER)


def reject(handoff: Handoff) -> None:
    handoff.reject(reason="Not a technical fault", actor=RECEIVER, at=LATER)


def complete(handoff: Handoff) -> None:
    handoff.complete(result="Heating element replaced", actor=RECEIVER, at=LATER)


COMMANDS: dict[str, Callable[[Handoff], None]] = {
    "accept": accept,
    "reject": reject,
    "complete": complete,
}


def in_state(state: str) -> Handoff:
    handoff = request()
    steps = {
        "requested": [],
        "accepted": [accept],
        "rejected": [reject],
        "completed": [accept, complete],
    }[state]
    for step in steps:
        step(handoff)
    return handoff


# -- the transition tables ----------------------------------------------------------------------

LEGAL = [
    ("requested", "accept", "accepted"),
    ("requested", "reject", "rejected"),
    ("accepted", "complete", "completed"),
]
FORBIDDEN = [
    ("requested", "complete", "cannot complete: the handoff is requested, not accepted"),
    ("accepted", "accept", "cannot accept: the handoff is accepted"),
    ("accepted", "reject", "cannot reject: the handoff is accepted"),
    ("rejected", "accept", "cannot accept: the handoff is rejected"),
    ("rejected", "reject", "cannot reject: the handoff is rejected"),
    ("rejected", "complete", "cannot complete: the handoff is rejected"),
    ("completed", "accept", "cannot accept: the handoff is completed"),
    ("completed", "reject", "cannot reject: the handoff is completed"),
    ("completed", "complete", "cannot complete: the handoff is completed"),
]


@pytest.mark.parametrize(("state", "command", "status"), LEGAL)
def test_legal_command_moves_the_handoff_to_its_next_status(
    state: str, command: str, status: str
) -> None:
    handoff = in_state(state)

    COMMANDS[command](handoff)

    assert handoff.status == status


@pytest.mark.parametrize(("state", "command", "reason"), FORBIDDEN)
def test_forbidden_command_is_refused_saying_why(state: str, command: str, reason: str) -> None:
    handoff = in_state(state)
    handoff.collect_events()

    with pytest.raises(DomainError, match=reason):
        COMMANDS[command](handoff)

    assert handoff.status == state
    assert handoff.collect_events() == []


# -- requesting ---------------------------------------------------------------------------------


def test_requested_handoff_records_both_departments_reason_and_deadlines() -> None:
    handoff = request()

    assert handoff.status == "requested"
    assert (handoff.complaint_id, handoff.complaint_reference) == (COMPLAINT_ID, "CMP-2026-000001")
    assert (handoff.from_department, handoff.to_department) == ("service", "technical")
    assert handoff.reason == "Needs a technician to inspect the unit"
    assert handoff.accept_due == REQUESTED_AT + timedelta(hours=2)
    assert handoff.complete_due == REQUESTED_AT + timedelta(hours=24)
    assert (handoff.requested_by, handoff.requested_at) == (SENDER, REQUESTED_AT)
    assert [type(e).__name__ for e in handoff.collect_events()] == ["Requested"]


def test_acceptance_is_never_due_after_completion() -> None:
    complete_due = REQUESTED_AT + timedelta(hours=1)

    handoff = request(accept_due=REQUESTED_AT + timedelta(hours=2), complete_due=complete_due)

    assert handoff.accept_due == complete_due


def test_handoff_to_the_same_department_is_refused() -> None:
    with pytest.raises(DomainError, match="goes to another department") as refused:
        request(to_department="service")

    assert refused.value.field == "to_department"


@pytest.mark.parametrize("reason", ["", "   "])
def test_handoff_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(DomainError, match="needs a reason") as refused:
        request(reason=reason)

    assert refused.value.field == "reason"


@pytest.mark.parametrize("complete_due", [REQUESTED_AT, REQUESTED_AT - timedelta(minutes=1)])
def test_handoff_due_now_or_in_the_past_is_refused(complete_due: datetime) -> None:
    with pytest.raises(DomainError, match="must be in the future") as refused:
        request(complete_due=complete_due)

    assert refused.value.field == "due"


# -- the receiving department decides ------------------------------------------------------------


def test_accepted_handoff_records_who_accepted_and_when() -> None:
    handoff = request()

    handoff.accept(actor=RECEIVER, at=LATER)

    assert (handoff.accepted_by, handoff.accepted_at) == (RECEIVER.staff_id, LATER)
    assert handoff.settled_at is None


def test_rejected_handoff_records_why_and_when() -> None:
    handoff = request()

    handoff.reject(reason="Not a technical fault", actor=RECEIVER, at=LATER)

    assert handoff.rejection_reason == "Not a technical fault"
    assert handoff.settled_at == LATER


def test_completed_handoff_records_its_result_and_when() -> None:
    handoff = in_state("accepted")

    handoff.complete(result="Heating element replaced", actor=RECEIVER, at=LATER)

    assert handoff.result == "Heating element replaced"
    assert handoff.settled_at == LATER


@pytest.mark.parametrize(
    ("state", "command", "action"),
    [
        ("requested", "accept", "accept it"),
        ("requested", "reject", "reject it"),
        ("accepted", "complete", "complete it"),
    ],
)
def test_only_the_receiving_department_settles_a_handoff(
    state: str, command: str, action: str
) -> None:
    handoff = in_state(state)
    arguments = {"reject": {"reason": "no"}, "complete": {"result": "done"}}.get(command, {})

    with pytest.raises(
        DomainError, match=rf"only the receiving department \(technical\) may {action}"
    ):
        getattr(handoff, command)(actor=OUTSIDER, at=LATER, **arguments)

    assert handoff.status == state


@pytest.mark.parametrize(
    ("state", "command"),
    [("requested", "accept"), ("requested", "reject"), ("accepted", "complete")],
)
def test_staff_without_a_department_may_settle_a_handoff(state: str, command: str) -> None:
    handoff = in_state(state)
    arguments = {"reject": {"reason": "no"}, "complete": {"result": "done"}}.get(command, {})

    getattr(handoff, command)(actor=NO_DEPARTMENT, at=LATER, **arguments)

    assert handoff.status != state


@pytest.mark.parametrize("reason", ["", "  "])
def test_rejection_without_a_reason_is_refused(reason: str) -> None:
    handoff = request()

    with pytest.raises(DomainError, match="rejecting a handoff needs a reason") as refused:
        handoff.reject(reason=reason, actor=RECEIVER, at=LATER)

    assert refused.value.field == "reason"


@pytest.mark.parametrize("result", ["", "  "])
def test_completion_without_a_result_is_refused(result: str) -> None:
    handoff = in_state("accepted")

    with pytest.raises(DomainError, match="completing a handoff needs a result") as refused:
        handoff.complete(result=result, actor=RECEIVER, at=LATER)

    assert refused.value.field == "result"


@pytest.mark.parametrize("state", ["rejected", "completed"])
def test_replaying_a_handoff_rebuilds_the_same_state(state: str) -> None:
    handoff = in_state(state)
    events = handoff.collect_events()

    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)

    assert rebuilt is not None
    assert vars(rebuilt) == vars(handoff)
