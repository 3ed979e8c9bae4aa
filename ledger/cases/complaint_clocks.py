"""A complaint's service-level clocks: waiting for the customer pauses them; a clock past its
warning mark and a missed deadline are each recorded once per clock; a reply time promised to
the customer is a clock of its own.

The clocks, by name: `registration` (from the customer's first contact), `first_response`,
`written_reply`, `resolution` (the first round) and `resolution:<n>` (round n after a reopening),
`confirmation:<n>` (the survey after round n's resolution), `promise:<n>` (the n-th promised
reply), `handoff_accept:<id>` and `handoff_complete:<id>`. Waiting for the customer pauses only
the clocks of the complaint's own work: a handoff, a promise and the registration keep running.
"""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.cases.case import ClockEvent
from ledger.cases.complaint_state import WORKABLE, ComplaintState
from ledger.errors import DomainError
from ledger.values import Actor

# Clocks that waiting for the customer does not pause (the complaint's own work is not theirs).
KEEP_RUNNING = ("handoff_", "promise:", "registration")


class ComplaintClocks(ComplaintState):
    """Waiting for the customer, promised replies, and the deadlines warned of and breached."""

    class AwaitingCustomer(Aggregate.Event):
        # Version 2 records whether the wait pauses the clocks (the policy may say it does not);
        # every earlier wait paused them.
        class_version = 2
        reason: str
        pauses_clocks: bool
        actor: Actor

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["pauses_clocks"] = True

        def apply(self, aggregate: Any) -> None:
            aggregate.awaiting_customer_since = self.timestamp
            aggregate.awaiting_customer_pauses = self.pauses_clocks

    class CustomerReplied(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.awaiting_customer_since = None
            aggregate.awaiting_customer_pauses = False

    class ReplyPromised(Aggregate.Event):
        due: datetime
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.promises = [*aggregate.promises, {"due": self.due, "at": self.timestamp}]

    class DeadlineWarned(ClockEvent):
        kept_in = "warnings"

    class DeadlineBreached(ClockEvent):
        kept_in = "breaches"

    def await_customer(
        self, *, reason: str, pauses_clocks: bool = True, actor: Actor, at: datetime
    ) -> None:
        """The next move is the customer's: the SLA clocks pause until they reply, unless the
        policy keeps them running (`pauses_clocks=False`)."""
        self.check_not_closed("wait for the customer")
        if self.status not in WORKABLE:
            raise DomainError(f"cannot wait for the customer: the complaint is {self.status}")
        if self.awaiting_customer_since is not None:
            raise DomainError("the complaint is already waiting for the customer")
        if not reason.strip():
            raise DomainError("waiting for the customer needs a reason", field="reason")
        self.trigger_event(
            type(self).AwaitingCustomer,
            reason=reason,
            pauses_clocks=pauses_clocks,
            actor=actor,
            timestamp=at,
        )

    def record_customer_reply(self, *, actor: Actor, at: datetime) -> None:
        """The customer answered: the paused SLA clocks run again."""
        self.check_not_closed("record the customer's reply")
        if self.awaiting_customer_since is None:
            raise DomainError("the complaint is not waiting for the customer")
        self.trigger_event(type(self).CustomerReplied, actor=actor, timestamp=at)

    def promise_reply(self, *, due: datetime, actor: Actor, at: datetime) -> int:
        """Promise the customer a reply by `due`; kept by the next answer, whatever the progress.

        Returns the promise's number (its clock is `promise:<n>`)."""
        self.check_not_closed("promise a reply")
        if due.tzinfo is None or due <= at:
            raise DomainError("a promised reply time must be in the future", field="due")
        self.trigger_event(type(self).ReplyPromised, due=due, actor=actor, timestamp=at)
        return len(self.promises)

    def _clock_paused(self, clock: str) -> bool:
        return (
            self.awaiting_customer_since is not None
            and self.awaiting_customer_pauses
            and not clock.startswith(KEEP_RUNNING)
        )

    def _clock_met(self, clock: str) -> bool:
        if clock == "first_response":
            return self.first_responded_at is not None
        if clock in ("written_reply", "resolution"):
            return self.first_resolved_at is not None
        kind, _, key = clock.partition(":")
        if kind == "registration":
            return self.registration_due is None or self.registered_at <= self.registration_due
        if kind == "resolution":  # a later round: met once resolved (or reopened past it)
            return self.cycle != int(key) or self.resolved_at is not None
        if kind == "confirmation":  # the survey after a round's resolution
            return self.cycle != int(key) or self.satisfaction is not None
        if kind == "promise":
            promised = self.promises[int(key) - 1]
            told = self.last_told_customer_at
            return told is not None and told >= promised["at"]
        handoff_id = key
        handoff = self.open_handoff
        if handoff is None or handoff["handoff_id"] != handoff_id:
            return True  # that handoff is settled
        return kind == "handoff_accept" and bool(handoff["accepted"])
