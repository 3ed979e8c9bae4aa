"""Legal hold: what a complaint, an incident and a data subject share when kept from retention.

A held record is never archived, destroyed or erased, whatever its age, until the hold is lifted
with a reason. The events live on the held record's own stream, so the hold's history is part of
its history.

The event classes are written once here, with the state change they make (`apply`); the library
gives every aggregate that inherits them its own subclass, named after the aggregate
(`Complaint.LegalHoldPlaced`, topic `ledger.cases.complaint:Complaint.LegalHoldPlaced`), so the
topics stored before this base existed are the topics stored now. `DataSubject` names its events
`HoldPlaced` / `HoldLifted` (`HOLD_EVENTS`), as it always has.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from ledger.errors import DomainError
from ledger.values import Actor


class HeldByLaw(Aggregate):
    """An aggregate that can be put under legal hold and released from it."""

    # What the record is called in refusals, and the names of its two hold events.
    HELD: ClassVar[str] = "case"
    HOLD_EVENTS: ClassVar[tuple[str, str]] = ("LegalHoldPlaced", "LegalHoldLifted")

    if TYPE_CHECKING:
        legal_hold: str | None  # the hold's reason; None when not held
    else:
        legal_hold = None  # records from before holds existed were never held

    class LegalHoldPlaced(Aggregate.Event):
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.legal_hold = self.reason

    class LegalHoldLifted(Aggregate.Event):
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.legal_hold = None

    def place_hold(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """Keep this record out of every retention run until the hold is lifted."""
        self.check_can_place_hold()
        if self.legal_hold is not None:
            raise DomainError(f"the {self.HELD} is already under legal hold", field="legal_hold")
        if not reason.strip():
            raise DomainError("a legal hold needs a reason", field="reason")
        placed = getattr(type(self), self.HOLD_EVENTS[0])
        self.trigger_event(placed, reason=reason, actor=actor, timestamp=at)

    def lift_hold(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """Release the record: retention treats it by its age again."""
        if self.legal_hold is None:
            raise DomainError(f"the {self.HELD} is not under legal hold", field="legal_hold")
        if not reason.strip():
            raise DomainError("lifting a legal hold needs a reason", field="reason")
        lifted = getattr(type(self), self.HOLD_EVENTS[1])
        self.trigger_event(lifted, reason=reason, actor=actor, timestamp=at)

    def check_can_place_hold(self) -> None:
        """A further rule of the held record (a case may be held whatever its status)."""
