"""The Complaint aggregate: the five-step loop receive → classify → dispatch → handle → feedback.

The aggregate is put together from one base class per job, each in its own module: handling
(classify, assign, respond, note), the service-level clocks (waiting, breaches), resolution
(resolve, feedback, reopen, close) and handoffs; escalations and legal holds come from `Case`.
Every event's topic names this module and `Complaint` whichever base wrote it (why, in
ledger/cases/complaint_state.py). Each public command checks the rules and then records its
event; the events' state changes only assign, because they re-run on every replay.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from ledger.cases.case import CLOSED
from ledger.cases.complaint_clocks import ComplaintClocks
from ledger.cases.complaint_handling import ComplaintHandling
from ledger.cases.complaint_handoffs import ComplaintHandoffs
from ledger.cases.complaint_resolution import ComplaintResolution
from ledger.cases.complaint_state import (
    CLASSIFIED,
    IN_PROGRESS,
    REGISTERED,
    REOPENED,
    RESOLVED,
    STATUSES,
    ComplaintState,
)
from ledger.cases.references import COMPLAINT_REFERENCES
from ledger.errors import DomainError, InvalidValueError
from ledger.values import CHANNELS, Actor, Customer
from privacy.fields import Personal

__all__ = [
    "CLASSIFIED",
    "CLOSED",
    "IN_PROGRESS",
    "REGISTERED",
    "REOPENED",
    "RESOLVED",
    "STATUSES",
    "Complaint",
    "ComplaintState",
    "complaint_id_for",
]


class Complaint(ComplaintHandling, ComplaintClocks, ComplaintResolution, ComplaintHandoffs):
    """One customer complaint, from registration to closure, reopened as often as needed."""

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
        first_contact_at: datetime | None = None,
        registration_due: datetime | None = None,
        actor: Actor,
        at: datetime,
    ) -> "Complaint":
        """Register first, then handle: nothing can happen to a complaint before this.

        When the customer first made contact earlier, registration was due by
        `registration_due` (the `registration` clock)."""
        if channel not in CHANNELS:
            raise InvalidValueError(f"unknown channel; expected one of {CHANNELS}", field="channel")
        if summary.is_blank():
            raise DomainError("a complaint needs a summary", field="summary")
        if first_contact_at is not None and (
            first_contact_at.tzinfo is None or first_contact_at > at
        ):
            raise DomainError(
                "the first contact cannot come after the registration", field="first_contact_at"
            )
        return cls(
            reference=reference,
            channel=channel,
            customer=customer,
            summary=summary,
            description=description,
            department=department,
            first_contact_at=first_contact_at,
            registration_due=registration_due if first_contact_at else None,
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
        # Both absent from registrations recorded before contact times were kept.
        first_contact_at: datetime | None = None,
        registration_due: datetime | None = None,
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
        self.owner = None
        self.category = None
        self.priority = None
        self.customer_tier = None
        self.first_response_due = None
        self.resolution_due = None
        self.written_reply_due = None
        self.first_responded_at = None
        self.resolved_at = None
        self.resolution = None
        self.feedback_due = None
        self.satisfaction = None
        self.cycle = 1
        self.open_handoff = None
        self.open_escalations = {}
        self.closed_at = None
        self.awaiting_customer_since = None
        self.awaiting_customer_pauses = False
        self.breaches = []
        self.warnings = []
        self.first_resolved_at = None
        self.incident_id = None
        self.first_contact_at = first_contact_at
        self.registration_due = registration_due
        self.promises = []
        self.last_told_customer_at = None

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
