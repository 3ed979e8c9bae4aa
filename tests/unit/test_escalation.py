"""The Escalation aggregate: raised one rung up the ladder, acknowledged at its level, resolved."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ledger.cases.escalation import Escalation
from ledger.errors import DomainError
from ledger.values import ESCALATION_LEVELS, Actor

RAISED_AT = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
LATER = RAISED_AT + timedelta(minutes=30)
COMPLAINT_ID = UUID("00000000-0000-4000-8000-000000000001")
AGENT = Actor(staff_id="agent-1", role="agent", department="service")


def actor(role: str) -> Actor:
    return Actor(staff_id=f"{role}-1", role=role, department="service")


def raise_(**changes: object) -> Escalation:
    arguments: dict[str, object] = {
        "subject_kind": "complaint",
        "subject_id": COMPLAINT_ID,
        "level": "supervisor",
        "current_rank": 0,
        "reason": "Customer asked for a manager",
        "skip_reason": None,
        "automatic": False,
        "rule": None,
        "actor": AGENT,
        "at": RAISED_AT,
    }
    arguments.update(changes)
    return Escalation.raise_(**arguments)  # type: ignore[arg-type]


def acknowledged(level: str = "supervisor") -> Escalation:
    escalation = raise_(level=level, current_rank=ESCALATION_LEVELS.index(level))
    escalation.acknowledge(actor=actor("executive"), at=LATER)
    return escalation


def resolved() -> Escalation:
    escalation = acknowledged()
    escalation.resolve(outcome="Goodwill voucher issued", actor=actor("supervisor"), at=LATER)
    return escalation


# -- raising ------------------------------------------------------------------------------------


def test_raised_escalation_records_who_why_and_when() -> None:
    escalation = raise_(automatic=True, rule="first-response-overdue")

    assert escalation.status == "raised"
    assert (escalation.subject_kind, escalation.subject_id) == ("complaint", COMPLAINT_ID)
    assert escalation.level == "supervisor"
    assert escalation.reason == "Customer asked for a manager"
    assert (escalation.automatic, escalation.rule) == (True, "first-response-overdue")
    assert (escalation.raised_by, escalation.raised_at) == (AGENT, RAISED_AT)
    assert escalation.acknowledged_by is None
    assert escalation.outcome is None
    assert [type(e).__name__ for e in escalation.collect_events()] == ["Raised"]


@pytest.mark.parametrize(
    ("current_rank", "level"), [(0, "supervisor"), (1, "manager"), (2, "executive")]
)
def test_escalation_to_the_next_rung_needs_no_skip_reason(current_rank: int, level: str) -> None:
    escalation = raise_(current_rank=current_rank, level=level)

    assert escalation.level == level
    assert escalation.skip_reason is None


def test_skip_reason_is_not_kept_when_nothing_is_skipped() -> None:
    escalation = raise_(current_rank=0, level="supervisor", skip_reason="in a hurry")

    assert escalation.skip_reason is None


@pytest.mark.parametrize(
    ("current_rank", "level"), [(0, "manager"), (0, "executive"), (1, "executive")]
)
def test_escalation_skipping_a_rung_is_kept_with_its_skip_reason(
    current_rank: int, level: str
) -> None:
    escalation = raise_(current_rank=current_rank, level=level, skip_reason="legal threat")

    assert escalation.level == level
    assert escalation.skip_reason == "legal threat"


@pytest.mark.parametrize("skip_reason", [None, "", "   "])
@pytest.mark.parametrize(
    ("current_rank", "level"), [(0, "manager"), (0, "executive"), (1, "executive")]
)
def test_escalation_skipping_a_rung_without_a_skip_reason_is_refused(
    current_rank: int, level: str, skip_reason: str | None
) -> None:
    with pytest.raises(DomainError, match=f"straight to {level} skips a level") as refused:
        raise_(current_rank=current_rank, level=level, skip_reason=skip_reason)

    assert refused.value.field == "skip_reason"


@pytest.mark.parametrize(
    ("current_rank", "level", "current_level"),
    [
        (1, "supervisor", "supervisor"),
        (2, "supervisor", "manager"),
        (2, "manager", "manager"),
        (3, "supervisor", "executive"),
        (3, "manager", "executive"),
        (3, "executive", "executive"),
    ],
)
def test_escalation_to_the_current_level_or_lower_is_refused(
    current_rank: int, level: str, current_level: str
) -> None:
    with pytest.raises(DomainError, match=f"already escalated to {current_level}") as refused:
        raise_(current_rank=current_rank, level=level, skip_reason="anyway")

    assert refused.value.field == "level"


@pytest.mark.parametrize("subject_kind", ["complaint", "incident"])
def test_escalation_attaches_to_complaints_and_incidents(subject_kind: str) -> None:
    assert raise_(subject_kind=subject_kind).subject_kind == subject_kind


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"subject_kind": "handoff"}, "subject_kind", "escalations attach to"),
        ({"level": "director"}, "level", "unknown level"),
        ({"level": "Supervisor"}, "level", "unknown level"),
        ({"reason": ""}, "reason", "needs a reason"),
        ({"reason": "  "}, "reason", "needs a reason"),
    ],
    ids=["unknown subject", "unknown level", "level in capitals", "no reason", "blank reason"],
)
def test_escalation_with_invalid_details_is_refused(
    changes: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(DomainError, match=reason) as refused:
        raise_(**changes)

    assert refused.value.field == field


# -- acknowledging ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "role"),
    [
        ("supervisor", "supervisor"),
        ("supervisor", "manager"),
        ("supervisor", "executive"),
        ("manager", "manager"),
        ("manager", "executive"),
        ("executive", "executive"),
    ],
)
def test_escalation_is_acknowledged_at_its_level_or_above(level: str, role: str) -> None:
    escalation = raise_(level=level, current_rank=ESCALATION_LEVELS.index(level))

    escalation.acknowledge(actor=actor(role), at=LATER)

    assert escalation.status == "acknowledged"
    assert escalation.acknowledged_by == f"{role}-1"
    assert escalation.acknowledged_at == LATER


@pytest.mark.parametrize(
    ("level", "role"),
    [
        ("supervisor", "agent"),
        ("supervisor", "department_staff"),
        ("supervisor", "system"),
        ("manager", "supervisor"),
        ("manager", "incident_manager"),
        ("executive", "manager"),
    ],
)
def test_escalation_is_not_acknowledged_below_its_level(level: str, role: str) -> None:
    escalation = raise_(level=level, current_rank=ESCALATION_LEVELS.index(level))

    with pytest.raises(DomainError, match=f"only a {level} or someone above"):
        escalation.acknowledge(actor=actor(role), at=LATER)

    assert escalation.status == "raised"


@pytest.mark.parametrize(
    ("build", "status"), [(acknowledged, "acknowledged"), (resolved, "resolved")]
)
def test_escalation_is_acknowledged_only_once(build: Callable[[], Escalation], status: str) -> None:
    escalation = build()

    with pytest.raises(DomainError, match=f"cannot acknowledge: the escalation is {status}"):
        escalation.acknowledge(actor=actor("executive"), at=LATER)


# -- resolving ----------------------------------------------------------------------------------


def test_acknowledged_escalation_is_resolved_with_its_outcome() -> None:
    escalation = acknowledged()

    escalation.resolve(outcome="Refund approved", actor=actor("supervisor"), at=LATER)

    assert escalation.status == "resolved"
    assert escalation.outcome == "Refund approved"
    assert escalation.resolved_at == LATER


def test_escalation_cannot_be_resolved_before_it_is_acknowledged() -> None:
    escalation = raise_()

    with pytest.raises(DomainError, match="has not been acknowledged"):
        escalation.resolve(outcome="Refund approved", actor=actor("supervisor"), at=LATER)


def test_resolved_escalation_cannot_be_resolved_again() -> None:
    escalation = resolved()

    with pytest.raises(DomainError, match="already resolved"):
        escalation.resolve(outcome="Second thoughts", actor=actor("supervisor"), at=LATER)


@pytest.mark.parametrize("outcome", ["", "   "])
def test_escalation_resolved_without_an_outcome_is_refused(outcome: str) -> None:
    escalation = acknowledged()

    with pytest.raises(DomainError, match="needs an outcome") as refused:
        escalation.resolve(outcome=outcome, actor=actor("supervisor"), at=LATER)

    assert refused.value.field == "outcome"
    assert escalation.status == "acknowledged"


def test_replaying_an_escalation_rebuilds_the_same_state() -> None:
    escalation = resolved()
    events = escalation.collect_events()

    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)

    assert rebuilt is not None
    assert vars(rebuilt) == vars(escalation)
