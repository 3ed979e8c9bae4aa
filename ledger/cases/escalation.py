"""The Escalation aggregate: raised to a rung of the ladder, acknowledged there, resolved."""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import DomainError, InvalidValueError
from ledger.values import ESCALATION_LEVELS, Actor, level_rank

RAISED = "raised"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
SUBJECT_KINDS = ("complaint", "incident")


class Escalation(Aggregate):
    """An escalation of one complaint (later: incident) to supervisor, manager or executive."""

    @classmethod
    def raise_(
        cls,
        *,
        subject_kind: str,
        subject_id: UUID,
        level: str,
        current_rank: int,
        reason: str,
        skip_reason: str | None,
        automatic: bool,
        rule: str | None,
        actor: Actor,
        at: datetime,
    ) -> "Escalation":
        """Raise to `level`; going past the next rung of the ladder needs a skip reason."""
        if subject_kind not in SUBJECT_KINDS:
            raise DomainError(f"escalations attach to {SUBJECT_KINDS}", field="subject_kind")
        if level not in ESCALATION_LEVELS:
            raise InvalidValueError(
                f"unknown level; expected one of {ESCALATION_LEVELS}", field="level"
            )
        if not reason.strip():
            raise DomainError("an escalation needs a reason", field="reason")
        rank = level_rank(level)
        if rank <= current_rank:
            raise DomainError(
                f"already escalated to {ESCALATION_LEVELS[current_rank - 1]}; "
                "raise to a higher level or resolve the open escalation first",
                field="level",
            )
        skips = rank > current_rank + 1
        if skips and not (skip_reason and skip_reason.strip()):
            raise DomainError(
                f"escalating straight to {level} skips a level and needs a skip_reason",
                field="skip_reason",
            )
        return cls(
            subject_kind=subject_kind,
            subject_id=subject_id,
            level=level,
            reason=reason,
            skip_reason=skip_reason if skips else None,
            automatic=automatic,
            rule=rule,
            actor=actor,
            timestamp=at,
        )

    @event("Raised")
    def __init__(
        self,
        *,
        subject_kind: str,
        subject_id: UUID,
        level: str,
        reason: str,
        skip_reason: str | None,
        automatic: bool,
        rule: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.subject_kind = subject_kind
        self.subject_id = subject_id
        self.level = level
        self.reason = reason
        self.skip_reason = skip_reason
        self.automatic = automatic
        self.rule = rule
        self.raised_by = actor
        self.raised_at = timestamp
        self.status = RAISED
        self.acknowledged_by: str | None = None
        self.acknowledged_at: datetime | None = None
        self.outcome: str | None = None
        self.resolved_at: datetime | None = None

    def acknowledge(self, *, actor: Actor, at: datetime) -> None:
        """Someone at the escalation's level (or above) takes it on."""
        if self.status != RAISED:
            raise DomainError(f"cannot acknowledge: the escalation is {self.status}")
        if level_rank(actor.role) < level_rank(self.level):
            raise DomainError(
                f"only a {self.level} or someone above acknowledges a {self.level} escalation"
            )
        self._acknowledged(actor=actor, timestamp=at)

    @event("Acknowledged")
    def _acknowledged(self, *, actor: Actor, timestamp: datetime) -> None:
        self.status = ACKNOWLEDGED
        self.acknowledged_by = actor.staff_id
        self.acknowledged_at = timestamp

    def resolve(self, *, outcome: str, actor: Actor, at: datetime) -> None:
        """Close the escalation with what was decided."""
        if self.status == RAISED:
            raise DomainError("cannot resolve: the escalation has not been acknowledged")
        if self.status == RESOLVED:
            raise DomainError("the escalation is already resolved")
        if not outcome.strip():
            raise DomainError("resolving an escalation needs an outcome", field="outcome")
        self._resolved(outcome=outcome, actor=actor, timestamp=at)

    @event("Resolved")
    def _resolved(self, *, outcome: str, actor: Actor, timestamp: datetime) -> None:
        self.status = RESOLVED
        self.outcome = outcome
        self.resolved_at = timestamp
