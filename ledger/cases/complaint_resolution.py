"""The end of a complaint's round: resolve it, hear the customer, reopen it or close it."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.cases.case import CLOSED
from ledger.cases.complaint_state import REOPENED, RESOLVED, WORKABLE, ComplaintState
from ledger.errors import DomainError
from ledger.values import Actor
from privacy.fields import Personal


class ComplaintResolution(ComplaintState):
    """Resolution, the satisfaction survey, reopening, and closure."""

    class Resolved(Aggregate.Event):
        resolution: Personal
        feedback_due: datetime
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.status = RESOLVED
            aggregate.resolution = self.resolution
            aggregate.resolved_at = self.timestamp
            if aggregate.first_resolved_at is None:
                aggregate.first_resolved_at = self.timestamp
            aggregate.feedback_due = self.feedback_due
            aggregate.satisfaction = None
            aggregate.last_told_customer_at = self.timestamp

    class FeedbackRecorded(Aggregate.Event):
        satisfaction: int
        comment: Personal | None
        unsatisfied: bool
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.satisfaction = self.satisfaction

    class Reopened(Aggregate.Event):
        # Version 2 carries the new round's resolution deadline (None in earlier reopenings).
        class_version = 2
        reason: str
        automatic: bool
        resolution_due: datetime | None
        actor: Actor

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["resolution_due"] = None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = REOPENED
            aggregate.cycle += 1
            aggregate.resolution = None
            aggregate.resolved_at = None
            aggregate.feedback_due = None
            if self.resolution_due is not None:
                aggregate.resolution_due = self.resolution_due

    class Closed(Aggregate.Event):
        waiver_reason: str | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CLOSED
            aggregate.closed_at = self.timestamp

    def resolve(
        self, *, resolution: Personal, feedback_due: datetime, actor: Actor, at: datetime
    ) -> None:
        """Resolve a classified, owned complaint; a satisfaction survey is now owed."""
        self.check_not_closed("resolve")
        if self.category is None:
            raise DomainError("cannot resolve an unclassified complaint")
        if self.status not in WORKABLE:
            raise DomainError(f"cannot resolve: the complaint is {self.status}")
        if self.owner is None:
            raise DomainError("cannot resolve: nobody owns the complaint")
        self.check_no_open_handoff("resolve")
        self.check_not_awaiting_customer("resolve")
        if resolution.is_blank():
            raise DomainError("a resolution must say what was done", field="resolution")
        self.trigger_event(
            type(self).Resolved,
            resolution=resolution,
            feedback_due=feedback_due,
            actor=actor,
            timestamp=at,
        )

    def record_feedback(
        self,
        *,
        satisfaction: int,
        comment: Personal | None,
        reopen_at_or_below: int,
        resolution_due: datetime | None = None,
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
        self.check_not_awaiting_customer("record feedback")
        if not 1 <= satisfaction <= 5:
            raise DomainError("satisfaction is a score from 1 to 5", field="satisfaction")
        unsatisfied = satisfaction <= reopen_at_or_below
        self.trigger_event(
            type(self).FeedbackRecorded,
            satisfaction=satisfaction,
            comment=comment,
            unsatisfied=unsatisfied,
            actor=actor,
            timestamp=at,
        )
        if unsatisfied:
            self.trigger_event(
                type(self).Reopened,
                reason=f"customer unsatisfied: rated {satisfaction} (reopens at "
                f"{reopen_at_or_below} or below)",
                automatic=True,
                resolution_due=resolution_due,
                actor=actor,
                timestamp=at,
            )

    def reopen(
        self, *, reason: str, resolution_due: datetime | None = None, actor: Actor, at: datetime
    ) -> None:
        """Reopen a resolved complaint for another round, with its own resolution deadline."""
        self.check_not_closed("reopen")
        if self.status != RESOLVED:
            raise DomainError(f"cannot reopen: the complaint is {self.status}, not resolved")
        self.check_not_awaiting_customer("reopen")
        if not reason.strip():
            raise DomainError("reopening needs a reason", field="reason")
        self.trigger_event(
            type(self).Reopened,
            reason=reason,
            automatic=False,
            resolution_due=resolution_due,
            actor=actor,
            timestamp=at,
        )

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
        self.trigger_event(
            type(self).Closed,
            waiver_reason=waiver_reason if waived else None,
            actor=actor,
            timestamp=at,
        )
