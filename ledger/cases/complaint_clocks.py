"""A complaint's service-level clocks: waiting for the customer pauses them; a clock past its
warning mark and a missed deadline are each recorded once per clock."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.cases.case import CLOSED
from ledger.cases.complaint_state import WORKABLE, ComplaintState
from ledger.errors import DomainError
from ledger.values import Actor


class ComplaintClocks(ComplaintState):
    """Waiting for the customer, and the deadlines breached."""

    class AwaitingCustomer(Aggregate.Event):
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.awaiting_customer_since = self.timestamp

    class CustomerReplied(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.awaiting_customer_since = None

    class DeadlineWarned(Aggregate.Event):
        clock: str
        due: datetime
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.warnings = [*aggregate.warnings, self.clock]

    class DeadlineBreached(Aggregate.Event):
        clock: str
        due: datetime
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.breaches = [*aggregate.breaches, self.clock]

    def await_customer(self, *, reason: str, actor: Actor, at: datetime) -> None:
        """The next move is the customer's: the SLA clocks pause until they reply."""
        self.check_not_closed("wait for the customer")
        if self.status not in WORKABLE:
            raise DomainError(f"cannot wait for the customer: the complaint is {self.status}")
        if self.awaiting_customer_since is not None:
            raise DomainError("the complaint is already waiting for the customer")
        if not reason.strip():
            raise DomainError("waiting for the customer needs a reason", field="reason")
        self.trigger_event(type(self).AwaitingCustomer, reason=reason, actor=actor, timestamp=at)

    def record_customer_reply(self, *, actor: Actor, at: datetime) -> None:
        """The customer answered: the paused SLA clocks run again."""
        self.check_not_closed("record the customer's reply")
        if self.awaiting_customer_since is None:
            raise DomainError("the complaint is not waiting for the customer")
        self.trigger_event(type(self).CustomerReplied, actor=actor, timestamp=at)

    def check_breach(self, clock: str) -> bool:
        """Whether a missed deadline on `clock` may still be recorded (once, while open)."""
        return (
            self.status != CLOSED
            and (self.awaiting_customer_since is None or clock.startswith("handoff_"))
            and clock not in self.breaches
            and not self._clock_met(clock)
        )

    def check_warning(self, clock: str) -> bool:
        """Whether `clock` passing its warning mark may still be recorded (once, before breach)."""
        return self.check_breach(clock) and clock not in self.warnings

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

    def record_warning(self, *, clock: str, due: datetime, actor: Actor, at: datetime) -> None:
        """A clock passed the policy's warning share of its time; recorded once per clock."""
        if not self.check_warning(clock):
            raise DomainError(f"the {clock} warning cannot be recorded now")
        self.trigger_event(
            type(self).DeadlineWarned, clock=clock, due=due, actor=actor, timestamp=at
        )

    def record_breach(self, *, clock: str, due: datetime, actor: Actor, at: datetime) -> None:
        """A deadline passed without the event it asked for; recorded once per clock."""
        if not self.check_breach(clock):
            raise DomainError(f"the {clock} breach cannot be recorded now")
        self.trigger_event(
            type(self).DeadlineBreached, clock=clock, due=due, actor=actor, timestamp=at
        )
