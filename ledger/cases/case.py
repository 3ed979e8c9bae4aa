"""What a complaint and an incident share: being closed, escalations, legal holds, and the
rule that a deadline's warning and its breach are each recorded once.

An escalation is its own aggregate (ledger/cases/escalation.py); the case records it too, so
that its own stream is complete and the next escalation knows the rung it starts from. As with
the hold events (ledger/cases/hold.py), the event classes are written once here and every case
aggregate gets its own subclass of each (`Incident.Escalated`), so stored topics do not change.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.cases.escalation import Escalation
from ledger.cases.hold import HeldByLaw
from ledger.errors import DomainError
from ledger.values import Actor, level_rank

CLOSED = "closed"


class ClockEvent(Aggregate.Event):
    """A clock's warning or breach, recorded once: the case keeps the clock in `kept_in`.

    Each case kind subclasses it inside its own class (`Complaint.DeadlineWarned`), so the
    stored topics stay that kind's."""

    kept_in: ClassVar[str]  # "warnings" or "breaches"
    clock: str
    due: datetime
    actor: Actor

    def apply(self, aggregate: Any) -> None:
        setattr(aggregate, self.kept_in, [*getattr(aggregate, self.kept_in), self.clock])


class Case(HeldByLaw):
    """A complaint or an incident: escalated up the ladder, held, and in the end closed."""

    # The case's kind, as escalations name it and refusals say it: "complaint" or "incident".
    KIND: ClassVar[str]

    if TYPE_CHECKING:
        status: str
        # Escalation id -> level of every open escalation; set empty by the case's creation.
        open_escalations: dict[str, str]
        # The clocks warned of and breached; set empty by the case's creation.
        warnings: list[str]
        breaches: list[str]
        # Each case kind defines its own (its topics are stored under that kind's name).
        DeadlineWarned: ClassVar[type[ClockEvent]]
        DeadlineBreached: ClassVar[type[ClockEvent]]

    class Escalated(Aggregate.Event):
        escalation_id: UUID
        level: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.open_escalations[str(self.escalation_id)] = self.level

    class EscalationResolved(Aggregate.Event):
        escalation_id: UUID
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.open_escalations.pop(str(self.escalation_id), None)

    def check_not_closed(self, action: str) -> None:
        if self.status == CLOSED:
            raise DomainError(f"cannot {action}: the {self.KIND} is closed", field="status")

    @property
    def escalation_level(self) -> int:
        """The highest ladder rank among open escalations (0 when none is open)."""
        return max((level_rank(level) for level in self.open_escalations.values()), default=0)

    def escalate(
        self,
        *,
        level: str,
        reason: str,
        skip_reason: str | None,
        automatic: bool,
        rule: str | None,
        actor: Actor,
        at: datetime,
    ) -> Escalation:
        """Raise an escalation of this case to `level` and record it here; save both."""
        escalation = Escalation.raise_(
            subject_kind=self.KIND,
            subject_id=self.id,
            level=level,
            current_rank=self.escalation_level,
            reason=reason,
            skip_reason=skip_reason,
            automatic=automatic,
            rule=rule,
            actor=actor,
            at=at,
        )
        self.record_escalation(escalation_id=escalation.id, level=level, actor=actor, at=at)
        return escalation

    def record_escalation(
        self, *, escalation_id: UUID, level: str, actor: Actor, at: datetime
    ) -> None:
        self.check_not_closed("escalate")
        escalated = type(self).Escalated
        self.trigger_event(
            escalated, escalation_id=escalation_id, level=level, actor=actor, timestamp=at
        )

    def record_escalation_resolved(
        self, *, escalation_id: UUID, actor: Actor, at: datetime
    ) -> None:
        if str(escalation_id) not in self.open_escalations:
            raise DomainError(f"that escalation is not open on this {self.KIND}")
        self.trigger_event(
            type(self).EscalationResolved, escalation_id=escalation_id, actor=actor, timestamp=at
        )

    def _clock_met(self, clock: str) -> bool:
        """Whether the event `clock` waits for has happened (each case kind knows its clocks)."""
        raise NotImplementedError

    def _clock_paused(self, clock: str) -> bool:
        """Whether `clock` is paused now (a case kind that pauses clocks says when)."""
        return False

    def check_breach(self, clock: str) -> bool:
        """Whether a missed deadline on `clock` may still be recorded (once, while open)."""
        return (
            self.status != CLOSED
            and not self._clock_paused(clock)
            and clock not in self.breaches
            and not self._clock_met(clock)
        )

    def check_warning(self, clock: str) -> bool:
        """Whether `clock` passing its warning mark may still be recorded (once, before breach)."""
        return self.check_breach(clock) and clock not in self.warnings

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
