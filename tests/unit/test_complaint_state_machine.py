"""Random command sequences against one Complaint: the invariants hold and replay rebuilds it.

Every rule sends a command, valid or not; a refused command (`DomainError`) is part of the
game. After every step the invariants are checked, and the events collected so far are
replayed from nothing into a second aggregate that must equal the live one.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger.cases.complaint import CLOSED, RESOLVED, STATUSES, Complaint
from ledger.errors import DomainError
from ledger.policy.service_policy import Policy
from ledger.values import ESCALATION_LEVELS, PRIORITIES, Actor, Customer
from privacy.fields import Personal

REGISTERED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = Policy()
STAFF = [Actor(staff_id=f"agent-{n}", role="agent", department="service") for n in (1, 2)]
TIERS = ("standard", "high_value")
# Blank text is in every sample so that the "needs a reason/message/..." refusals get exercised.
TEXT = st.just("Customer called back") | st.sampled_from(["", "  "])
# How far valid commands take the complaint before the random ones start: without a head
# start, few random runs get past resolution to feedback, closure and reopening.
HEAD_STARTS = {
    "registered": (),
    "classified": ("classify",),
    "owned": ("classify", "assign"),
    "in_progress": ("classify", "assign", "respond"),
    "resolved": ("classify", "assign", "respond", "resolve"),
    "reopened": ("classify", "assign", "respond", "resolve", "reopen"),
    "closed": ("classify", "assign", "respond", "resolve", "close"),
}


def staff_of(department: str) -> Actor:
    return Actor(staff_id=f"{department}-1", role="department_staff", department=department)


SUBJECT = UUID(int=1)


class ComplaintLifecycle(RuleBasedStateMachine):
    """One complaint under a random stream of commands, a minute apart."""

    def __init__(self) -> None:
        super().__init__()
        self.now = REGISTERED_AT
        self.complaint = Complaint.register(
            reference="CMP-2026-000001",
            channel="email",
            customer=Customer(subject_id=SUBJECT, name=Personal.of(SUBJECT, "Ada Example")),
            summary=Personal.of(SUBJECT, "Parcel arrived damaged"),
            description=Personal.of(SUBJECT, "The kettle inside is cracked."),
            department=POLICY.intake_department,
            actor=STAFF[0],
            at=self.now,
        )
        self.events = self.complaint.collect_events()
        self.escalation_ids: list[UUID] = []
        self.handoffs: list[tuple[UUID, str]] = []  # (id, to_department), every one requested
        self.events_when_closed: int | None = None

    def attempt(self, command: Callable[..., None], **arguments: Any) -> None:
        """Send one command; a refusal is allowed, but must leave no events behind."""
        self.now += timedelta(minutes=1)
        try:
            command(**arguments, at=self.now)
        except DomainError:
            assert self.complaint.collect_events() == [], "a refused command recorded events"
        else:
            self.events += self.complaint.collect_events()
        if self.complaint.status == CLOSED and self.events_when_closed is None:
            self.events_when_closed = len(self.events)

    @initialize(head_start=st.sampled_from(sorted(HEAD_STARTS)))
    def get_a_head_start(self, head_start: str) -> None:
        valid = {
            "classify": lambda: self.classify("order", "normal", "standard"),
            "assign": lambda: self.assign(STAFF[0].staff_id, None),
            "respond": lambda: self.respond("We are on it"),
            "resolve": lambda: self.resolve("Replacement sent"),
            "reopen": lambda: self.reopen("Replacement broken too"),
            "close": lambda: self.close("Customer cannot be reached"),
        }
        for command in HEAD_STARTS[head_start]:
            valid[command]()
        assert self.complaint.status == head_start.replace("owned", "classified")

    # -- rules: one per command ----------------------------------------------------------------

    @rule(
        category=st.sampled_from(POLICY.categories),
        priority=st.sampled_from(PRIORITIES),
        tier=st.sampled_from(TIERS),
    )
    def classify(self, category: str, priority: str, tier: str) -> None:
        self.attempt(
            self.complaint.classify,
            category=category,
            priority=priority,
            customer_tier=tier,
            deadlines=POLICY.complaint_deadlines(
                registered_at=self.complaint.registered_at, priority=priority, tier=tier
            ),
            actor=STAFF[0],
        )

    @rule(owner=st.sampled_from([a.staff_id for a in STAFF]), reason=st.none() | TEXT)
    def assign(self, owner: str, reason: str | None) -> None:
        self.attempt(self.complaint.assign, owner=owner, reason=reason, actor=STAFF[0])

    @rule(message=TEXT)
    def respond(self, message: str) -> None:
        self.attempt(self.complaint.respond, message=Personal.of(SUBJECT, message), actor=STAFF[0])

    @rule(note=TEXT)
    def note_progress(self, note: str) -> None:
        self.attempt(self.complaint.note_progress, note=Personal.of(SUBJECT, note), actor=STAFF[0])

    @rule(resolution=TEXT)
    def resolve(self, resolution: str) -> None:
        self.attempt(
            self.complaint.resolve,
            resolution=Personal.of(SUBJECT, resolution),
            feedback_due=self.now + POLICY.feedback_due,
            actor=STAFF[0],
        )

    @rule(satisfaction=st.integers(0, 6), reopen_at_or_below=st.integers(1, 4))
    def record_feedback(self, satisfaction: int, reopen_at_or_below: int) -> None:
        self.attempt(
            self.complaint.record_feedback,
            satisfaction=satisfaction,
            comment=None,
            reopen_at_or_below=reopen_at_or_below,
            actor=STAFF[0],
        )

    @rule(reason=TEXT)
    def reopen(self, reason: str) -> None:
        self.attempt(self.complaint.reopen, reason=reason, actor=STAFF[0])

    @rule(waiver_reason=st.none() | TEXT)
    def close(self, waiver_reason: str | None) -> None:
        self.attempt(self.complaint.close, waiver_reason=waiver_reason, actor=STAFF[0])

    @rule(level=st.sampled_from(ESCALATION_LEVELS))
    def escalate(self, level: str) -> None:
        escalation_id = UUID(int=0xE0000 + len(self.escalation_ids) + 1)
        self.escalation_ids.append(escalation_id)
        self.attempt(
            self.complaint.record_escalation,
            escalation_id=escalation_id,
            level=level,
            actor=STAFF[0],
        )

    @rule(pick=st.integers(0, 3))
    def resolve_escalation(self, pick: int) -> None:
        # Any escalation ever raised (open, resolved or refused) or, with none, an unknown one.
        ids = self.escalation_ids or [UUID(int=0)]
        self.attempt(
            self.complaint.record_escalation_resolved,
            escalation_id=ids[pick % len(ids)],
            actor=STAFF[1],
        )

    @rule(to_department=st.sampled_from(POLICY.departments))
    def request_handoff(self, to_department: str) -> None:
        handoff_id = UUID(int=0xA0000 + len(self.handoffs) + 1)
        self.handoffs.append((handoff_id, to_department))
        self.attempt(
            self.complaint.record_handoff_requested,
            handoff_id=handoff_id,
            to_department=to_department,
            actor=STAFF[0],
        )

    @rule(outcome=st.sampled_from(["accepted", "rejected", "completed"]), pick=st.integers(0, 3))
    def settle_handoff(self, outcome: str, pick: int) -> None:
        # The newest handoff most of the time (pick 0), an older or unknown one otherwise.
        handoffs = self.handoffs[::-1] or [(UUID(int=0), "technical")]
        handoff_id, to_department = handoffs[pick % len(handoffs)]
        self.attempt(
            getattr(self.complaint, f"record_handoff_{outcome}"),
            handoff_id=handoff_id,
            actor=staff_of(to_department),
        )

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def status_is_a_known_status(self) -> None:
        assert self.complaint.status in STATUSES

    @invariant()
    def closed_is_terminal(self) -> None:
        if self.events_when_closed is not None:
            assert self.complaint.status == CLOSED
            assert len(self.events) == self.events_when_closed, "a closed complaint changed"

    @invariant()
    def complaint_always_has_a_department(self) -> None:
        assert isinstance(self.complaint.department, str)
        assert self.complaint.department.strip()

    @invariant()
    def at_most_one_handoff_is_open(self) -> None:
        names = [type(event).__name__ for event in self.events]
        still_open = names.count("HandoffRequested") - (
            names.count("HandoffRejected") + names.count("HandoffCompleted")
        )
        assert still_open in (0, 1)
        assert (self.complaint.open_handoff is not None) == (still_open == 1)

    @invariant()
    def resolved_complaint_is_classified_and_owned(self) -> None:
        if self.complaint.status == RESOLVED:
            assert self.complaint.category is not None
            assert self.complaint.owner is not None

    @invariant()
    def replaying_the_events_rebuilds_the_complaint(self) -> None:
        rebuilt = None
        for event in self.events:
            rebuilt = event.mutate(rebuilt)

        assert rebuilt is not None
        assert rebuilt.version == self.complaint.version == len(self.events)
        live = {k: v for k, v in vars(self.complaint).items() if k != "_pending_events"}
        replayed = {k: v for k, v in vars(rebuilt).items() if k != "_pending_events"}
        assert replayed == live


ComplaintLifecycle.TestCase.settings = settings(
    max_examples=80,  # 200 took 28 s of the suite; 80 still walk every rule many times
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestComplaintLifecycle = ComplaintLifecycle.TestCase
