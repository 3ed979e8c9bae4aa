"""The Complaint aggregate: receive → classify → dispatch → handle → feedback, and its refusals."""

from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ledger.cases.complaint import STATUSES, Complaint, complaint_id_for
from ledger.errors import DomainError
from ledger.policy.service_policy import Policy
from ledger.values import CHANNELS, Actor, Customer
from privacy.fields import Personal

REGISTERED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = REGISTERED_AT + timedelta(hours=1)
POLICY = Policy()
AGENT = Actor(staff_id="agent-1", role="agent", department="service")
COLLEAGUE = Actor(staff_id="agent-2", role="agent", department="service")
TECHNICIAN = Actor(staff_id="tech-1", role="department_staff", department="technical")
SUBJECT = UUID("00000000-0000-4000-8000-000000000001")
CUSTOMER = Customer(
    subject_id=SUBJECT,
    name=Personal.of(SUBJECT, "Ada Example"),
    phone=Personal.of(SUBJECT, "0123"),
)


def personal(text: str) -> Personal:
    return Personal.of(SUBJECT, text)


ESCALATION_ID = UUID("00000000-0000-4000-8000-0000000000e1")
HANDOFF_ID = UUID("00000000-0000-4000-8000-0000000000a1")


def register(**changes: object) -> Complaint:
    arguments: dict[str, object] = {
        "reference": "CMP-2026-000001",
        "channel": "phone",
        "customer": CUSTOMER,
        "summary": personal("Parcel arrived damaged"),
        "description": personal("The kettle inside is cracked."),
        "department": "service",
        "actor": AGENT,
        "at": REGISTERED_AT,
    }
    arguments.update(changes)
    return Complaint.register(**arguments)  # type: ignore[arg-type]


# -- commands, with valid arguments -------------------------------------------------------------


def classify(complaint: Complaint, priority: str = "normal", tier: str = "standard") -> None:
    complaint.classify(
        category="order",
        priority=priority,
        customer_tier=tier,
        deadlines=POLICY.complaint_deadlines(
            registered_at=complaint.registered_at, priority=priority, tier=tier
        ),
        actor=AGENT,
        at=LATER,
    )


def assign(complaint: Complaint) -> None:
    complaint.assign(owner=COLLEAGUE.staff_id, reason="shift change", actor=AGENT, at=LATER)


def take(complaint: Complaint) -> None:
    complaint.assign(owner=AGENT.staff_id, reason=None, actor=AGENT, at=LATER)


def respond(complaint: Complaint) -> None:
    complaint.respond(message=personal("We have ordered a replacement."), actor=AGENT, at=LATER)


def note(complaint: Complaint) -> None:
    complaint.note_progress(note=personal("Courier asked for photos."), actor=AGENT, at=LATER)


def resolve(complaint: Complaint) -> None:
    complaint.resolve(
        resolution=personal("Replacement delivered."),
        feedback_due=LATER + POLICY.feedback_due,
        actor=AGENT,
        at=LATER,
    )


def feedback(complaint: Complaint, satisfaction: int = 5) -> None:
    complaint.record_feedback(
        satisfaction=satisfaction,
        comment=None,
        reopen_at_or_below=POLICY.reopen_at_or_below,
        actor=AGENT,
        at=LATER,
    )


def reopen(complaint: Complaint) -> None:
    complaint.reopen(reason="The replacement is cracked too.", actor=AGENT, at=LATER)


def close(complaint: Complaint) -> None:
    complaint.close(waiver_reason="customer cannot be reached", actor=AGENT, at=LATER)


def escalate(complaint: Complaint) -> None:
    complaint.record_escalation(
        escalation_id=ESCALATION_ID, level="supervisor", actor=AGENT, at=LATER
    )


def hand_off(complaint: Complaint) -> None:
    complaint.record_handoff_requested(
        handoff_id=HANDOFF_ID, to_department="technical", actor=AGENT, at=LATER
    )


COMMANDS: dict[str, Callable[[Complaint], None]] = {
    "classify": classify,
    "assign": assign,
    "respond": respond,
    "note progress": note,
    "resolve": resolve,
    "record feedback": feedback,
    "reopen": reopen,
    "close": close,
    "escalate": escalate,
    "hand off": hand_off,
}


# -- complaints in each state -------------------------------------------------------------------


def in_state(state: str) -> Complaint:
    """A complaint brought to `state` through the commands only; `owned` is classified+owned."""
    complaint = register()
    steps = {
        "registered": [],
        "classified": [classify],
        "owned": [classify, take],
        "in_progress": [classify, take, respond],
        "resolved": [classify, take, respond, resolve],
        "reopened": [classify, take, respond, resolve, reopen],
        "closed": [classify, take, respond, resolve, feedback, close],
    }[state]
    for step in steps:
        step(complaint)
    complaint.collect_events()
    return complaint


def event_names(complaint: Complaint) -> list[str]:
    return [type(event).__name__ for event in complaint.collect_events()]


# -- the transition tables ----------------------------------------------------------------------

LEGAL = [
    # (state, command, status afterwards)
    ("registered", "classify", "classified"),
    ("registered", "assign", "registered"),
    ("registered", "note progress", "registered"),
    ("registered", "escalate", "registered"),
    ("registered", "hand off", "registered"),
    ("classified", "classify", "classified"),
    ("classified", "assign", "classified"),
    ("classified", "note progress", "classified"),
    ("classified", "escalate", "classified"),
    ("classified", "hand off", "classified"),
    ("owned", "respond", "in_progress"),
    ("owned", "resolve", "resolved"),
    ("in_progress", "classify", "in_progress"),
    ("in_progress", "assign", "in_progress"),
    ("in_progress", "respond", "in_progress"),
    ("in_progress", "note progress", "in_progress"),
    ("in_progress", "resolve", "resolved"),
    ("in_progress", "escalate", "in_progress"),
    ("in_progress", "hand off", "in_progress"),
    ("resolved", "assign", "resolved"),
    ("resolved", "note progress", "resolved"),
    ("resolved", "record feedback", "resolved"),
    ("resolved", "reopen", "reopened"),
    ("resolved", "close", "closed"),
    ("resolved", "escalate", "resolved"),
    ("reopened", "classify", "reopened"),
    ("reopened", "assign", "reopened"),
    ("reopened", "respond", "in_progress"),
    ("reopened", "note progress", "reopened"),
    ("reopened", "resolve", "resolved"),
    ("reopened", "escalate", "reopened"),
    ("reopened", "hand off", "reopened"),
]

FORBIDDEN = [
    # (state, command, what the refusal says)
    ("registered", "respond", "classify it first"),
    ("registered", "resolve", "unclassified"),
    ("registered", "record feedback", "not resolved"),
    ("registered", "reopen", "not resolved"),
    ("registered", "close", "not resolved"),
    ("classified", "respond", "assign it first"),
    ("classified", "resolve", "nobody owns"),
    ("classified", "record feedback", "not resolved"),
    ("classified", "reopen", "not resolved"),
    ("classified", "close", "not resolved"),
    ("in_progress", "record feedback", "not resolved"),
    ("in_progress", "reopen", "not resolved"),
    ("in_progress", "close", "not resolved"),
    ("resolved", "classify", "reopen it first"),
    ("resolved", "respond", "the complaint is resolved"),
    ("resolved", "resolve", "the complaint is resolved"),
    ("resolved", "hand off", "resolved complaint; reopen it first"),
    ("reopened", "record feedback", "not resolved"),
    ("reopened", "reopen", "not resolved"),
    ("reopened", "close", "not resolved"),
    *[("closed", command, "the complaint is closed") for command in COMMANDS],
]


@pytest.mark.parametrize(("state", "command", "status"), LEGAL)
def test_legal_command_moves_the_complaint_to_its_next_status(
    state: str, command: str, status: str
) -> None:
    complaint = in_state(state)

    COMMANDS[command](complaint)

    assert complaint.status == status


@pytest.mark.parametrize(("state", "command", "reason"), FORBIDDEN)
def test_forbidden_command_is_refused_saying_why(state: str, command: str, reason: str) -> None:
    complaint = in_state(state)

    with pytest.raises(DomainError, match=reason):
        COMMANDS[command](complaint)


@pytest.mark.parametrize(("state", "command", "reason"), FORBIDDEN)
def test_refused_command_leaves_no_trace(state: str, command: str, reason: str) -> None:
    complaint = in_state(state)
    before = deepcopy(vars(complaint))

    with pytest.raises(DomainError):
        COMMANDS[command](complaint)

    assert vars(complaint) == before
    assert complaint.collect_events() == []


def test_every_status_is_reached_by_some_legal_command() -> None:
    reached = {"registered"} | {status for _, _, status in LEGAL}

    assert reached == set(STATUSES)


def test_closed_complaint_cannot_be_escalated() -> None:
    complaint = in_state("closed")

    with pytest.raises(DomainError, match="cannot escalate: the complaint is closed"):
        escalate(complaint)


# -- registration -------------------------------------------------------------------------------


def test_registered_complaint_starts_unowned_in_its_intake_department() -> None:
    complaint = register()

    assert complaint.status == "registered"
    assert complaint.department == "service"
    assert complaint.owner is None
    assert complaint.category is None
    assert complaint.cycle == 1
    assert complaint.registered_at == REGISTERED_AT
    assert complaint.registered_by == AGENT
    assert complaint.customer == CUSTOMER


def test_registration_is_recorded_as_one_registered_event() -> None:
    assert event_names(register()) == ["Registered"]


def test_complaint_id_follows_from_its_reference() -> None:
    complaint = register(reference="CMP-2026-000042")

    assert complaint.id == complaint_id_for("CMP-2026-000042")
    assert complaint.id == Complaint.create_id("CMP-2026-000042")
    assert complaint.id != register(reference="CMP-2026-000043").id


@pytest.mark.parametrize("channel", CHANNELS)
def test_complaint_is_registered_from_every_channel(channel: str) -> None:
    assert register(channel=channel).channel == channel


@pytest.mark.parametrize("channel", ["fax", "", "Phone", "carrier_pigeon"])
def test_registration_from_an_unknown_channel_is_refused(channel: str) -> None:
    with pytest.raises(DomainError, match="unknown channel") as refused:
        register(channel=channel)

    assert refused.value.field == "channel"


@pytest.mark.parametrize("summary", ["", "   ", "\n\t"])
def test_registration_without_a_summary_is_refused(summary: str) -> None:
    with pytest.raises(DomainError, match="needs a summary") as refused:
        register(summary=personal(summary))

    assert refused.value.field == "summary"


# -- classification -----------------------------------------------------------------------------


def test_classification_records_category_priority_tier_and_the_deadlines_given() -> None:
    complaint = register()
    deadlines = POLICY.complaint_deadlines(
        registered_at=REGISTERED_AT, priority="normal", tier="standard"
    )

    classify(complaint, priority="normal", tier="standard")

    assert (complaint.category, complaint.priority, complaint.customer_tier) == (
        "order",
        "normal",
        "standard",
    )
    assert complaint.first_response_due == deadlines.first_response_due
    assert complaint.resolution_due == deadlines.resolution_due
    assert complaint.written_reply_due == deadlines.written_reply_due
    assert event_names(complaint) == ["Registered", "Classified"]


def test_reclassification_replaces_the_deadlines() -> None:
    complaint = in_state("in_progress")

    classify(complaint, priority="urgent", tier="high_value")

    assert complaint.priority == "urgent"
    assert complaint.first_response_due == REGISTERED_AT + timedelta(minutes=15)
    assert complaint.resolution_due == REGISTERED_AT + timedelta(hours=24)
    assert complaint.written_reply_due is None


# -- dispatch -----------------------------------------------------------------------------------


def test_first_taker_owns_an_unowned_complaint_without_giving_a_reason() -> None:
    complaint = register()

    take(complaint)

    assert complaint.owner == AGENT.staff_id
    (_, assigned) = complaint.collect_events()
    assert assigned.previous_owner is None  # type: ignore[attr-defined]


def test_owned_complaint_is_reassigned_with_a_reason() -> None:
    complaint = in_state("owned")

    complaint.assign(owner=COLLEAGUE.staff_id, reason="shift change", actor=AGENT, at=LATER)

    assert complaint.owner == COLLEAGUE.staff_id
    (assigned,) = complaint.collect_events()
    assert assigned.previous_owner == AGENT.staff_id  # type: ignore[attr-defined]
    assert assigned.reason == "shift change"  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reassigning_an_owned_complaint_without_a_reason_is_refused(reason: str | None) -> None:
    complaint = in_state("owned")

    with pytest.raises(DomainError, match="reassigning it needs a reason") as refused:
        complaint.assign(owner=COLLEAGUE.staff_id, reason=reason, actor=AGENT, at=LATER)

    assert refused.value.field == "reason"


def test_complaint_cannot_be_reassigned_to_its_owner() -> None:
    complaint = in_state("owned")

    with pytest.raises(DomainError, match="already owned by that staff member") as refused:
        complaint.assign(owner=AGENT.staff_id, reason="again", actor=AGENT, at=LATER)

    assert refused.value.field == "owner"


def test_complaint_cannot_be_reassigned_while_a_handoff_is_open() -> None:
    complaint = in_state("owned")
    hand_off(complaint)

    with pytest.raises(DomainError, match=r"cannot reassign: handoff .* is still open"):
        assign(complaint)


# -- handling -----------------------------------------------------------------------------------


def test_first_response_time_is_the_time_of_the_first_answer_only() -> None:
    complaint = in_state("owned")

    complaint.respond(message=personal("First answer"), actor=AGENT, at=LATER)
    complaint.respond(message=personal("Second answer"), actor=AGENT, at=LATER + timedelta(hours=3))

    assert complaint.first_responded_at == LATER


@pytest.mark.parametrize("message", ["", "  "])
def test_response_without_a_message_is_refused(message: str) -> None:
    complaint = in_state("owned")

    with pytest.raises(DomainError, match="needs a message") as refused:
        complaint.respond(message=personal(message), actor=AGENT, at=LATER)

    assert refused.value.field == "message"


@pytest.mark.parametrize("text", ["", " \n"])
def test_progress_note_without_text_is_refused(text: str) -> None:
    complaint = register()

    with pytest.raises(DomainError, match="needs text") as refused:
        complaint.note_progress(note=personal(text), actor=AGENT, at=LATER)

    assert refused.value.field == "note"


def test_progress_note_is_recorded_without_changing_the_status() -> None:
    complaint = in_state("in_progress")

    note(complaint)

    assert complaint.status == "in_progress"
    assert event_names(complaint) == ["ProgressNoted"]


def test_resolution_records_what_was_done_and_when_feedback_is_due() -> None:
    complaint = in_state("in_progress")

    resolve(complaint)

    assert complaint.resolution == personal("Replacement delivered.")
    assert complaint.resolved_at == LATER
    assert complaint.feedback_due == LATER + timedelta(hours=24)
    assert complaint.satisfaction is None


@pytest.mark.parametrize("resolution", ["", "   "])
def test_resolution_that_says_nothing_is_refused(resolution: str) -> None:
    complaint = in_state("in_progress")

    with pytest.raises(DomainError, match="must say what was done") as refused:
        complaint.resolve(
            resolution=personal(resolution), feedback_due=LATER, actor=AGENT, at=LATER
        )

    assert refused.value.field == "resolution"


def test_complaint_cannot_be_resolved_while_a_handoff_is_open() -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)

    with pytest.raises(DomainError, match=r"cannot resolve: handoff .* is still open"):
        resolve(complaint)


# -- feedback, reopening and closing ------------------------------------------------------------


@pytest.mark.parametrize("satisfaction", [1, 2])
def test_unsatisfied_feedback_reopens_the_complaint(satisfaction: int) -> None:
    complaint = in_state("resolved")

    feedback(complaint, satisfaction)

    assert complaint.status == "reopened"
    assert complaint.satisfaction == satisfaction
    assert complaint.cycle == 2
    assert complaint.resolution is None
    assert complaint.resolved_at is None
    (recorded, reopened) = complaint.collect_events()
    assert type(recorded).__name__ == "FeedbackRecorded"
    assert recorded.unsatisfied is True  # type: ignore[attr-defined]
    assert type(reopened).__name__ == "Reopened"
    assert reopened.automatic is True  # type: ignore[attr-defined]
    assert f"rated {satisfaction}" in reopened.reason  # type: ignore[attr-defined]


@pytest.mark.parametrize("satisfaction", [3, 4, 5])
def test_satisfied_feedback_leaves_the_complaint_resolved(satisfaction: int) -> None:
    complaint = in_state("resolved")

    feedback(complaint, satisfaction)

    assert complaint.status == "resolved"
    assert complaint.satisfaction == satisfaction
    assert event_names(complaint) == ["FeedbackRecorded"]


@pytest.mark.parametrize(
    ("reopen_at_or_below", "satisfaction", "reopens"),
    [(1, 1, True), (1, 2, False), (2, 2, True), (2, 3, False), (4, 4, True), (4, 5, False)],
)
def test_reopen_threshold_is_inclusive(
    reopen_at_or_below: int, satisfaction: int, reopens: bool
) -> None:
    complaint = in_state("resolved")

    complaint.record_feedback(
        satisfaction=satisfaction,
        comment=personal("as rated"),
        reopen_at_or_below=reopen_at_or_below,
        actor=AGENT,
        at=LATER,
    )

    assert (complaint.status == "reopened") is reopens


@pytest.mark.parametrize("satisfaction", [0, 6, -1, 10])
def test_satisfaction_outside_one_to_five_is_refused(satisfaction: int) -> None:
    complaint = in_state("resolved")

    with pytest.raises(DomainError, match="score from 1 to 5") as refused:
        feedback(complaint, satisfaction)

    assert refused.value.field == "satisfaction"


def test_feedback_is_recorded_once_per_resolution() -> None:
    complaint = in_state("resolved")
    feedback(complaint, 4)

    with pytest.raises(DomainError, match="already been recorded"):
        feedback(complaint, 5)


def test_reopened_complaint_gets_a_fresh_survey_when_resolved_again() -> None:
    complaint = in_state("resolved")
    feedback(complaint, 1)
    respond(complaint)
    resolve(complaint)

    feedback(complaint, 5)

    assert complaint.status == "resolved"
    assert complaint.satisfaction == 5
    assert complaint.cycle == 2


def test_manual_reopening_starts_a_new_cycle() -> None:
    complaint = in_state("resolved")

    reopen(complaint)

    assert complaint.cycle == 2
    assert complaint.resolution is None
    (reopened,) = complaint.collect_events()
    assert reopened.automatic is False  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", ["", "  "])
def test_reopening_without_a_reason_is_refused(reason: str) -> None:
    complaint = in_state("resolved")

    with pytest.raises(DomainError, match="reopening needs a reason") as refused:
        complaint.reopen(reason=reason, actor=AGENT, at=LATER)

    assert refused.value.field == "reason"


def test_satisfied_complaint_closes_without_a_waiver() -> None:
    complaint = in_state("resolved")
    feedback(complaint, 4)

    complaint.close(waiver_reason=None, actor=AGENT, at=LATER)

    assert complaint.status == "closed"
    assert complaint.closed_at == LATER


def test_complaint_without_feedback_closes_with_a_waiver_reason() -> None:
    complaint = in_state("resolved")

    complaint.close(waiver_reason="customer cannot be reached", actor=AGENT, at=LATER)

    assert complaint.status == "closed"
    (closed,) = complaint.collect_events()
    assert closed.waiver_reason == "customer cannot be reached"  # type: ignore[attr-defined]


def test_blank_waiver_reason_is_not_stored_when_feedback_exists() -> None:
    complaint = in_state("resolved")
    feedback(complaint, 5)
    complaint.collect_events()

    complaint.close(waiver_reason="   ", actor=AGENT, at=LATER)

    (closed,) = complaint.collect_events()
    assert closed.waiver_reason is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("waiver_reason", [None, "", "   "])
def test_complaint_without_feedback_or_waiver_cannot_close(waiver_reason: str | None) -> None:
    complaint = in_state("resolved")

    with pytest.raises(DomainError, match="feedback or a recorded waiver reason") as refused:
        complaint.close(waiver_reason=waiver_reason, actor=AGENT, at=LATER)

    assert refused.value.field == "waiver_reason"


def test_complaint_cannot_close_while_an_escalation_is_open() -> None:
    complaint = in_state("resolved")
    escalate(complaint)

    with pytest.raises(DomainError, match="escalation on it is still open"):
        close(complaint)


# -- escalations recorded on the complaint ------------------------------------------------------


def test_escalation_is_recorded_as_open_at_its_level() -> None:
    complaint = in_state("in_progress")

    escalate(complaint)

    assert complaint.open_escalations == {str(ESCALATION_ID): "supervisor"}
    assert complaint.escalation_level == 1


def test_escalation_level_is_the_highest_open_one() -> None:
    complaint = in_state("in_progress")
    first, second = UUID(int=1), UUID(int=2)
    complaint.record_escalation(escalation_id=first, level="executive", actor=AGENT, at=LATER)
    complaint.record_escalation(escalation_id=second, level="supervisor", actor=AGENT, at=LATER)

    assert complaint.escalation_level == 3

    complaint.record_escalation_resolved(escalation_id=first, actor=AGENT, at=LATER)

    assert complaint.escalation_level == 1


def test_complaint_without_open_escalation_is_at_level_zero() -> None:
    assert register().escalation_level == 0


def test_resolved_escalation_is_no_longer_open() -> None:
    complaint = in_state("resolved")
    escalate(complaint)

    complaint.record_escalation_resolved(escalation_id=ESCALATION_ID, actor=AGENT, at=LATER)

    assert complaint.open_escalations == {}
    close(complaint)
    assert complaint.status == "closed"


def test_escalation_that_is_not_open_cannot_be_resolved_on_the_complaint() -> None:
    complaint = in_state("in_progress")

    with pytest.raises(DomainError, match="escalation is not open on this complaint"):
        complaint.record_escalation_resolved(escalation_id=ESCALATION_ID, actor=AGENT, at=LATER)


# -- handoffs recorded on the complaint ---------------------------------------------------------


def test_requested_handoff_is_open_and_the_sender_keeps_the_complaint() -> None:
    complaint = in_state("in_progress")

    hand_off(complaint)

    assert complaint.open_handoff == {
        "handoff_id": str(HANDOFF_ID),
        "from_department": "service",
        "from_owner": AGENT.staff_id,
        "to_department": "technical",
        "accepted": False,
    }
    assert (complaint.department, complaint.owner) == ("service", AGENT.staff_id)


def test_complaint_has_at_most_one_open_handoff() -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)

    with pytest.raises(DomainError, match="cannot hand off again"):
        complaint.record_handoff_requested(
            handoff_id=UUID(int=7), to_department="quality", actor=AGENT, at=LATER
        )


def test_handoff_to_the_complaints_own_department_is_refused() -> None:
    complaint = in_state("in_progress")

    with pytest.raises(DomainError, match="already with that department") as refused:
        complaint.record_handoff_requested(
            handoff_id=HANDOFF_ID, to_department="service", actor=AGENT, at=LATER
        )

    assert refused.value.field == "to_department"


def test_accepted_handoff_gives_the_complaint_to_the_receiver_and_stays_open() -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)

    complaint.record_handoff_accepted(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)

    assert (complaint.department, complaint.owner) == ("technical", TECHNICIAN.staff_id)
    assert complaint.open_handoff is not None
    assert complaint.open_handoff["accepted"] is True


def test_rejected_handoff_leaves_the_complaint_with_the_sender() -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)

    complaint.record_handoff_rejected(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)

    assert complaint.open_handoff is None
    assert (complaint.department, complaint.owner) == ("service", AGENT.staff_id)


def test_completed_handoff_returns_the_complaint_to_the_sender() -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)
    complaint.record_handoff_accepted(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)

    complaint.record_handoff_completed(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)

    assert complaint.open_handoff is None
    assert (complaint.department, complaint.owner) == ("service", AGENT.staff_id)


@pytest.mark.parametrize("settle", ["rejected", "completed"])
def test_complaint_can_be_handed_off_again_once_the_handoff_is_settled(settle: str) -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)
    if settle == "completed":
        complaint.record_handoff_accepted(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)
    getattr(complaint, f"record_handoff_{settle}")(
        handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER
    )

    complaint.record_handoff_requested(
        handoff_id=UUID(int=8), to_department="quality", actor=AGENT, at=LATER
    )

    assert complaint.open_handoff is not None
    assert complaint.open_handoff["to_department"] == "quality"


@pytest.mark.parametrize("outcome", ["accepted", "rejected", "completed"])
@pytest.mark.parametrize("open_handoff", [None, UUID(int=9)], ids=["none open", "another open"])
def test_handoff_that_is_not_open_on_the_complaint_cannot_be_settled(
    outcome: str, open_handoff: UUID | None
) -> None:
    complaint = in_state("in_progress")
    if open_handoff is not None:
        complaint.record_handoff_requested(
            handoff_id=open_handoff, to_department="technical", actor=AGENT, at=LATER
        )

    with pytest.raises(DomainError, match="handoff is not open on this complaint"):
        getattr(complaint, f"record_handoff_{outcome}")(
            handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER
        )


@pytest.mark.parametrize(
    ("accepted", "outcome", "why"),
    [
        (False, "completed", "not accepted yet"),
        (True, "accepted", "already accepted"),
        (True, "rejected", "already accepted"),
    ],
)
def test_handoff_steps_follow_their_order_on_the_complaint(
    accepted: bool, outcome: str, why: str
) -> None:
    complaint = in_state("in_progress")
    hand_off(complaint)
    if accepted:
        complaint.record_handoff_accepted(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)

    with pytest.raises(DomainError, match=why):
        getattr(complaint, f"record_handoff_{outcome}")(
            handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER
        )


@pytest.mark.parametrize("owner", ["", "   "])
def test_a_blank_owner_is_refused(owner: str) -> None:
    complaint = in_state("classified")

    with pytest.raises(DomainError, match="owner is a staff id") as refused:
        complaint.assign(owner=owner, reason=None, actor=AGENT, at=LATER)

    assert refused.value.field == "owner"


# -- replay -------------------------------------------------------------------------------------


def test_replaying_a_full_lifecycle_rebuilds_the_same_complaint() -> None:
    complaint = register()
    events = complaint.collect_events()
    for step in (classify, take, escalate, hand_off, respond):
        step(complaint)
    complaint.record_handoff_accepted(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)
    complaint.record_handoff_completed(handoff_id=HANDOFF_ID, actor=TECHNICIAN, at=LATER)
    complaint.record_escalation_resolved(escalation_id=ESCALATION_ID, actor=AGENT, at=LATER)
    for step in (resolve, lambda c: feedback(c, 1), respond, resolve, feedback, close):
        step(complaint)
    events += complaint.collect_events()

    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)

    assert rebuilt is not None
    assert vars(rebuilt) == vars(complaint)
    assert rebuilt.version == len(events)
