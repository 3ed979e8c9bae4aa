"""The Complaint aggregate: the five-step loop receive → classify → dispatch → handle → feedback.

Each public command checks the rules and then calls a decorated method that *is* the event
definition; decorated bodies only assign, because they re-run on every replay.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.cases.case import CLOSED as CLOSED
from ledger.cases.case import Case
from ledger.cases.references import COMPLAINT_REFERENCES
from ledger.errors import DomainError
from ledger.policy.service_policy import ComplaintDeadlines
from ledger.values import CHANNELS, Actor, Customer
from privacy.fields import Personal

REGISTERED = "registered"
CLASSIFIED = "classified"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
REOPENED = "reopened"
STATUSES = (REGISTERED, CLASSIFIED, IN_PROGRESS, RESOLVED, REOPENED, CLOSED)
_WORKABLE = (CLASSIFIED, IN_PROGRESS, REOPENED)


class Complaint(Case):
    """One customer complaint, from registration to closure, reopened as often as needed."""

    KIND = "complaint"

    @staticmethod
    def create_id(reference: str) -> UUID:
        return complaint_id_for(reference)

    @classmethod
    def register(
        cls,
        *,
        reference: str,
        channel: str,
        customer: Customer,
        summary: Personal,
        description: Personal,
        department: str,
        actor: Actor,
        at: datetime,
    ) -> "Complaint":
        """Register first, then handle: nothing can happen to a complaint before this."""
        if channel not in CHANNELS:
            raise DomainError(f"unknown channel; expected one of {CHANNELS}", field="channel")
        if summary.is_blank():
            raise DomainError("a complaint needs a summary", field="summary")
        return cls(
            reference=reference,
            channel=channel,
            customer=customer,
            summary=summary,
            description=description,
            department=department,
            actor=actor,
            timestamp=at,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        reference: str,
        channel: str,
        customer: Customer,
        summary: Personal,
        description: Personal,
        department: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.reference = reference
        self.channel = channel
        self.customer = customer
        self.summary = summary
        self.description = description
        self.registered_at = timestamp
        self.registered_by = actor
        self.status = REGISTERED
        self.department = department
        self.owner: str | None = None
        self.category: str | None = None
        self.priority: str | None = None
        self.customer_tier: str | None = None
        self.first_response_due: datetime | None = None
        self.resolution_due: datetime | None = None
        self.written_reply_due: datetime | None = None
        self.first_responded_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.resolution: Personal | None = None
        self.feedback_due: datetime | None = None
        self.satisfaction: int | None = None
        self.cycle = 1
        self.open_handoff: dict[str, Any] | None = None
        self.open_escalations: dict[str, str] = {}
        self.closed_at: datetime | None = None
        self.awaiting_customer_since: datetime | None = None
        self.breaches: list[str] = []
        self.first_resolved_at: datetime | None = None
        self.incident_id: UUID | None = None

    # -- guards -----------------------------------------------------------------------------

    def check_no_open_handoff(self, action: str) -> None:
        if self.open_handoff is not None:
            raise DomainError(
                f"cannot {action}: handoff {self.open_handoff['handoff_id']} to "
                f"{self.open_handoff['to_department']} is still open"
            )

    # -- classify -----------------------------------------------------------------------------

    def classify(
        self,
        *,
        category: str,
        priority: str,
        customer_tier: str,
        deadlines: ComplaintDeadlines,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Set category, priority and tier; the deadlines come from the policy, counted from
        registration, and are stored in the event."""
        self.check_not_closed("classify")
        if self.status == RESOLVED:
            raise DomainError("cannot classify: the complaint is resolved; reopen it first")
        self._classified(
            category=category,
            priority=priority,
            customer_tier=customer_tier,
            first_response_due=deadlines.first_response_due,
            resolution_due=deadlines.resolution_due,
            written_reply_due=deadlines.written_reply_due,
            actor=actor,
            timestamp=at,
        )

    @event("Classified")
    def _classified(
        self,
        *,
        category: str,
        priority: str,
        customer_tier: str,
        first_response_due: datetime,
        resolution_due: datetime,
        written_reply_due: datetime | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.category = category
        self.priority = priority
        self.customer_tier = customer_tier
        self.first_response_due = first_response_due
        self.resolution_due = resolution_due
        self.written_reply_due = written_reply_due
        if self.status == REGISTERED:
            self.status = CLASSIFIED

    # -- dispatch -----------------------------------------------------------------------------

    def assign(self, *, owner: str, reason: str | None, actor: Actor, at: datetime) -> None:
        """First-contact ownership: the first taker owns it; changing owner needs a reason."""
        self.check_not_closed("assign")
        self.check_no_open_handoff("reassign")
        if not owner.strip():
            raise DomainError("an owner is a staff id", field="owner")
        if self.owner is not None:
            if owner == self.owner:
                raise DomainError(
                    "the complaint is already owned by that staff member", field="owner"
                )
            if not reason or not reason.strip():
                raise DomainError(
                    "the complaint already has an owner; reassigning it needs a reason",
                    field="reason",
                )
        self._assigned(
            owner=owner, previous_owner=self.owner, reason=reason, actor=actor, timestamp=at
        )

    @event("Assigned")
    def _assigned(
        self,
        *,
        owner: str,
        previous_owner: str | None,
        reason: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.owner = owner

    # -- handle -------------------------------------------------------------------------------

    def respond(self, *, message: Personal, actor: Actor, at: datetime) -> None:
        """Answer the customer; the first answer stops the first-response clock."""
        self.check_not_closed("respond")
        if self.status not in _WORKABLE:
            raise DomainError(f"cannot respond: the complaint is {self.status}; classify it first")
        if self.owner is None:
            raise DomainError("cannot respond: nobody owns the complaint yet; assign it first")
        if message.is_blank():
            raise DomainError("a response needs a message", field="message")
        self._responded(message=message, actor=actor, timestamp=at)

    @event("Responded")
    def _responded(self, *, message: Personal, actor: Actor, timestamp: datetime) -> None:
        if self.first_responded_at is None:
            self.first_responded_at = timestamp
        self.status = IN_PROGRESS

    def note_progress(self, *, note: Personal, actor: Actor, at: datetime) -> None:
        """Record progress; allowed at any time before closure."""
        self.check_not_closed("add a note")
        if note.is_blank():
            raise DomainError("a progress note needs text", field="note")
        self._progress_noted(note=note, actor=actor, timestamp=at)

    @event("ProgressNoted")
    def _progress_noted(self, *, note: Personal, actor: Actor, timestamp: datetime) -> None:
        pass

    def await_customer(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """The next move is the customer's: the SLA clocks pause until they reply."""
        self.check_not_closed("wait for the customer")
        if self.status not in _WORKABLE:
            raise DomainError(f"cannot wait for the customer: the complaint is {self.status}")
        if self.awaiting_customer_since is not None:
            raise DomainError("the complaint is already waiting for the customer")
        if not reason.strip():
            raise DomainError("waiting for the customer needs a reason", field="reason")
        self._awaiting_customer(reason=reason, actor=actor, timestamp=at)

    @event("AwaitingCustomer")
    def _awaiting_customer(self, *, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.awaiting_customer_since = timestamp

    def record_customer_reply(self, *, actor: Actor, at: datetime) -> None:
        """The customer answered: the paused SLA clocks run again."""
        self.check_not_closed("record the customer's reply")
        if self.awaiting_customer_since is None:
            raise DomainError("the complaint is not waiting for the customer")
        self._customer_replied(actor=actor, timestamp=at)

    @event("CustomerReplied")
    def _customer_replied(self, *, actor: Actor, timestamp: datetime) -> None:
        self.awaiting_customer_since = None

    def check_breach(self, clock: str) -> bool:
        """Whether a missed deadline on `clock` may still be recorded (once, while open)."""
        return (
            self.status != CLOSED
            and (self.awaiting_customer_since is None or clock.startswith("handoff_"))
            and clock not in self.breaches
            and not self._clock_met(clock)
        )

    def _clock_met(self, clock: str) -> bool:
        if clock == "first_response":
            return self.first_responded_at is not None
        if clock in ("written_reply", "resolution"):
            return self.first_resolved_at is not None
        kind, _, handoff_id = clock.partition(":")
        handoff = self.open_handoff
        if handoff is None or handoff["handoff_id"] != handoff_id:
            return True  # that handoff is settled
        return kind == "handoff_accept" and bool(handoff["accepted"])

    def record_breach(self, *, clock: str, due: datetime, actor: Actor, at: datetime) -> None:
        """A deadline passed without the event it asked for; recorded once per clock."""
        if not self.check_breach(clock):
            raise DomainError(f"the {clock} breach cannot be recorded now")
        self._deadline_breached(clock=clock, due=due, actor=actor, timestamp=at)

    @event("DeadlineBreached")
    def _deadline_breached(
        self, *, clock: str, due: datetime, actor: Actor, timestamp: datetime
    ) -> None:
        self.breaches = [*self.breaches, clock]

    def resolve(
        self, *, resolution: Personal, feedback_due: datetime, actor: Actor, at: datetime
    ) -> None:
        """Resolve a classified, owned complaint; a satisfaction survey is now owed."""
        self.check_not_closed("resolve")
        if self.category is None:
            raise DomainError("cannot resolve an unclassified complaint")
        if self.status not in _WORKABLE:
            raise DomainError(f"cannot resolve: the complaint is {self.status}")
        if self.owner is None:
            raise DomainError("cannot resolve: nobody owns the complaint")
        self.check_no_open_handoff("resolve")
        if resolution.is_blank():
            raise DomainError("a resolution must say what was done", field="resolution")
        self._resolved(resolution=resolution, feedback_due=feedback_due, actor=actor, timestamp=at)

    @event("Resolved")
    def _resolved(
        self,
        *,
        resolution: Personal,
        feedback_due: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = RESOLVED
        self.resolution = resolution
        self.resolved_at = timestamp
        if self.first_resolved_at is None:
            self.first_resolved_at = timestamp
        self.feedback_due = feedback_due
        self.satisfaction = None

    # -- feedback -----------------------------------------------------------------------------

    def record_feedback(
        self,
        *,
        satisfaction: int,
        comment: Personal | None,
        reopen_at_or_below: int,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Record the survey; an unsatisfied rating reopens the complaint for re-dispatch."""
        self.check_not_closed("record feedback")
        if self.status != RESOLVED:
            raise DomainError(
                f"cannot record feedback: the complaint is {self.status}, not resolved"
            )
        if self.satisfaction is not None:
            raise DomainError("feedback for this resolution has already been recorded")
        if not 1 <= satisfaction <= 5:
            raise DomainError("satisfaction is a score from 1 to 5", field="satisfaction")
        unsatisfied = satisfaction <= reopen_at_or_below
        self._feedback_recorded(
            satisfaction=satisfaction,
            comment=comment,
            unsatisfied=unsatisfied,
            actor=actor,
            timestamp=at,
        )
        if unsatisfied:
            self._reopened(
                reason=f"customer unsatisfied: rated {satisfaction} (reopens at "
                f"{reopen_at_or_below} or below)",
                automatic=True,
                actor=actor,
                timestamp=at,
            )

    @event("FeedbackRecorded")
    def _feedback_recorded(
        self,
        *,
        satisfaction: int,
        comment: Personal | None,
        unsatisfied: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.satisfaction = satisfaction

    def reopen(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """Reopen a resolved complaint for another round of handling."""
        self.check_not_closed("reopen")
        if self.status != RESOLVED:
            raise DomainError(f"cannot reopen: the complaint is {self.status}, not resolved")
        if not reason.strip():
            raise DomainError("reopening needs a reason", field="reason")
        self._reopened(reason=reason, automatic=False, actor=actor, timestamp=at)

    @event("Reopened")
    def _reopened(self, *, reason: str, automatic: bool, actor: Actor, timestamp: datetime) -> None:
        self.status = REOPENED
        self.cycle += 1
        self.resolution = None
        self.resolved_at = None
        self.feedback_due = None

    def close(self, *, waiver_reason: str | None, actor: Actor, at: datetime) -> None:
        """Close a resolved complaint: the customer was satisfied, or the survey was waived."""
        self.check_not_closed("close")
        if self.status != RESOLVED:
            raise DomainError(f"cannot close: the complaint is {self.status}, not resolved")
        waived = bool(waiver_reason and waiver_reason.strip())
        if self.satisfaction is None and not waived:
            raise DomainError(
                "cannot close without the customer's feedback or a recorded waiver reason",
                field="waiver_reason",
            )
        if self.open_escalations:
            raise DomainError("cannot close: an escalation on it is still open")
        self._closed(waiver_reason=waiver_reason if waived else None, actor=actor, timestamp=at)

    @event("Closed")
    def _closed(self, *, waiver_reason: str | None, actor: Actor, timestamp: datetime) -> None:
        self.status = CLOSED
        self.closed_at = timestamp

    # -- handoffs (recorded here so the complaint's own stream is complete) ------------------

    def record_handoff_requested(
        self, *, handoff_id: UUID, to_department: str, actor: Actor, at: datetime
    ) -> None:
        """A complaint has at most one open handoff; the sender keeps it until accepted."""
        self.check_not_closed("hand off")
        self.check_no_open_handoff("hand off again")
        if self.status == RESOLVED:
            raise DomainError("cannot hand off a resolved complaint; reopen it first")
        if to_department == self.department:
            raise DomainError(
                "the complaint is already with that department", field="to_department"
            )
        self._handoff_requested(
            handoff_id=handoff_id,
            from_department=self.department,
            from_owner=self.owner,
            to_department=to_department,
            actor=actor,
            timestamp=at,
        )

    @event("HandoffRequested")
    def _handoff_requested(
        self,
        *,
        handoff_id: UUID,
        from_department: str,
        from_owner: str | None,
        to_department: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.open_handoff = {
            "handoff_id": str(handoff_id),
            "from_department": from_department,
            "from_owner": from_owner,
            "to_department": to_department,
            "accepted": False,
        }

    def _check_open_handoff(self, handoff_id: UUID, *, accepted: bool) -> dict[str, Any]:
        if self.open_handoff is None or self.open_handoff["handoff_id"] != str(handoff_id):
            raise DomainError("that handoff is not open on this complaint")
        if self.open_handoff["accepted"] != accepted:
            state = "already accepted" if self.open_handoff["accepted"] else "not accepted yet"
            raise DomainError(f"that handoff is {state}")
        return self.open_handoff

    def record_handoff_accepted(self, *, handoff_id: UUID, actor: Actor, at: datetime) -> None:
        """The receiving department now owns the case; the accepting staff member owns it."""
        self._check_open_handoff(handoff_id, accepted=False)
        self._handoff_accepted(
            handoff_id=handoff_id, owner=actor.staff_id, actor=actor, timestamp=at
        )

    @event("HandoffAccepted")
    def _handoff_accepted(
        self, *, handoff_id: UUID, owner: str, actor: Actor, timestamp: datetime
    ) -> None:
        handoff = self.open_handoff or {}
        handoff["accepted"] = True
        self.department = handoff["to_department"]
        self.owner = owner

    def record_handoff_rejected(self, *, handoff_id: UUID, actor: Actor, at: datetime) -> None:
        """Ownership stays with the sender: no case is ever owned by nobody."""
        self._check_open_handoff(handoff_id, accepted=False)
        self._handoff_rejected(handoff_id=handoff_id, actor=actor, timestamp=at)

    @event("HandoffRejected")
    def _handoff_rejected(self, *, handoff_id: UUID, actor: Actor, timestamp: datetime) -> None:
        self.open_handoff = None

    def record_handoff_completed(self, *, handoff_id: UUID, actor: Actor, at: datetime) -> None:
        """The result returns the case to the department and owner who asked for the work."""
        handoff = self._check_open_handoff(handoff_id, accepted=True)
        self._handoff_completed(
            handoff_id=handoff_id,
            department=handoff["from_department"],
            owner=handoff["from_owner"],
            actor=actor,
            timestamp=at,
        )

    @event("HandoffCompleted")
    def _handoff_completed(
        self,
        *,
        handoff_id: UUID,
        department: str,
        owner: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.open_handoff = None
        self.department = department
        self.owner = owner

    def record_incident_linked(
        self, *, incident_id: UUID, incident_reference: str, actor: Actor, at: datetime
    ) -> None:
        """The incident that caused this complaint; a complaint has at most one."""
        if self.incident_id is not None:
            raise DomainError(
                "the complaint is already linked to an incident", field="complaint_id"
            )
        self._linked_to_incident(
            incident_id=incident_id,
            incident_reference=incident_reference,
            actor=actor,
            timestamp=at,
        )

    @event("LinkedToIncident")
    def _linked_to_incident(
        self, *, incident_id: UUID, incident_reference: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.incident_id = incident_id


# A complaint's id follows from its reference (ledger/cases/references.py).
complaint_id_for = COMPLAINT_REFERENCES.id_for
