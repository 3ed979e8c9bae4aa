"""The Handoff aggregate: a cross-department transfer with its own accept and complete deadlines.

These deadlines are an internal agreement between departments, distinct from the customer's SLA.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import DomainError
from ledger.values import Actor

REQUESTED = "requested"
ACCEPTED = "accepted"
REJECTED = "rejected"
COMPLETED = "completed"


class Handoff(Aggregate):
    """One request from a department to another to take on a complaint."""

    @classmethod
    def request(
        cls,
        *,
        complaint_id: UUID,
        complaint_reference: str,
        from_department: str,
        to_department: str,
        reason: str,
        accept_due: datetime,
        complete_due: datetime,
        actor: Actor,
        at: datetime,
    ) -> "Handoff":
        """Ask another department to take the case, saying why and by when."""
        if to_department == from_department:
            raise DomainError("a handoff goes to another department", field="to_department")
        if not reason.strip():
            raise DomainError("a handoff needs a reason", field="reason")
        if complete_due <= at:
            raise DomainError("the due time must be in the future", field="due")
        return cls(
            complaint_id=complaint_id,
            complaint_reference=complaint_reference,
            from_department=from_department,
            to_department=to_department,
            reason=reason,
            accept_due=min(accept_due, complete_due),
            complete_due=complete_due,
            actor=actor,
            timestamp=at,
        )

    @event("Requested")
    def __init__(
        self,
        *,
        complaint_id: UUID,
        complaint_reference: str,
        from_department: str,
        to_department: str,
        reason: str,
        accept_due: datetime,
        complete_due: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.complaint_id = complaint_id
        self.complaint_reference = complaint_reference
        self.from_department = from_department
        self.to_department = to_department
        self.reason = reason
        self.accept_due = accept_due
        self.complete_due = complete_due
        self.requested_by = actor
        self.requested_at = timestamp
        self.status = REQUESTED
        self.accepted_by: str | None = None
        self.accepted_at: datetime | None = None
        self.rejection_reason: str | None = None
        self.result: str | None = None
        self.settled_at: datetime | None = None

    def check_receiver(self, actor: Actor, action: str) -> None:
        if actor.department is not None and actor.department != self.to_department:
            raise DomainError(f"only the receiving department ({self.to_department}) may {action}")

    def accept(self, *, actor: Actor, at: datetime) -> None:
        """The receiving department takes the case on."""
        if self.status != REQUESTED:
            raise DomainError(f"cannot accept: the handoff is {self.status}")
        self.check_receiver(actor, "accept it")
        self._accepted(actor=actor, timestamp=at)

    @event("Accepted")
    def _accepted(self, *, actor: Actor, timestamp: datetime) -> None:
        self.status = ACCEPTED
        self.accepted_by = actor.staff_id
        self.accepted_at = timestamp

    def reject(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """The receiving department refuses, saying why; the sender keeps the case."""
        if self.status != REQUESTED:
            raise DomainError(f"cannot reject: the handoff is {self.status}")
        if not reason.strip():
            raise DomainError("rejecting a handoff needs a reason", field="reason")
        self.check_receiver(actor, "reject it")
        self._rejected(reason=reason, actor=actor, timestamp=at)

    @event("Rejected")
    def _rejected(self, *, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.status = REJECTED
        self.rejection_reason = reason
        self.settled_at = timestamp

    def complete(self, *, result: str, actor: Actor, at: datetime) -> None:
        """The receiving department returns its result."""
        if self.status != ACCEPTED:
            raise DomainError(f"cannot complete: the handoff is {self.status}, not accepted")
        if not result.strip():
            raise DomainError("completing a handoff needs a result", field="result")
        self.check_receiver(actor, "complete it")
        self._completed(result=result, actor=actor, timestamp=at)

    @event("Completed")
    def _completed(self, *, result: str, actor: Actor, timestamp: datetime) -> None:
        self.status = COMPLETED
        self.result = result
        self.settled_at = timestamp
