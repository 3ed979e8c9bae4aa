"""A complaint's handoffs to another department, recorded on the complaint too, so that its own
stream is complete (the handoff itself is an aggregate: ledger/cases/handoff.py)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.cases.complaint_state import RESOLVED, ComplaintState
from ledger.errors import DomainError
from ledger.values import Actor


class ComplaintHandoffs(ComplaintState):
    """At most one open handoff; the sender owns the complaint until it is accepted."""

    class HandoffRequested(Aggregate.Event):
        handoff_id: UUID
        from_department: str
        from_owner: str | None
        to_department: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.open_handoff = {
                "handoff_id": str(self.handoff_id),
                "from_department": self.from_department,
                "from_owner": self.from_owner,
                "to_department": self.to_department,
                "accepted": False,
            }

    class HandoffAccepted(Aggregate.Event):
        handoff_id: UUID
        owner: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            handoff = aggregate.open_handoff or {}
            handoff["accepted"] = True
            aggregate.department = handoff["to_department"]
            aggregate.owner = self.owner

    class HandoffRejected(Aggregate.Event):
        handoff_id: UUID
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.open_handoff = None

    class HandoffCompleted(Aggregate.Event):
        handoff_id: UUID
        department: str
        owner: str | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.open_handoff = None
            aggregate.department = self.department
            aggregate.owner = self.owner

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
        self.trigger_event(
            type(self).HandoffRequested,
            handoff_id=handoff_id,
            from_department=self.department,
            from_owner=self.owner,
            to_department=to_department,
            actor=actor,
            timestamp=at,
        )

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
        self.trigger_event(
            type(self).HandoffAccepted,
            handoff_id=handoff_id,
            owner=actor.staff_id,
            actor=actor,
            timestamp=at,
        )

    def record_handoff_rejected(self, *, handoff_id: UUID, actor: Actor, at: datetime) -> None:
        """Ownership stays with the sender: no case is ever owned by nobody."""
        self._check_open_handoff(handoff_id, accepted=False)
        self.trigger_event(
            type(self).HandoffRejected, handoff_id=handoff_id, actor=actor, timestamp=at
        )

    def record_handoff_completed(self, *, handoff_id: UUID, actor: Actor, at: datetime) -> None:
        """The result returns the case to the department and owner who asked for the work."""
        handoff = self._check_open_handoff(handoff_id, accepted=True)
        self.trigger_event(
            type(self).HandoffCompleted,
            handoff_id=handoff_id,
            department=handoff["from_department"],
            owner=handoff["from_owner"],
            actor=actor,
            timestamp=at,
        )
