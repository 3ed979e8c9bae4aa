"""An incident's timeline while it is handled: entries, milestones, mitigation, resolution.

Entries may be logged from the report on ("handle first, report after"); milestones (impact
started, detected, acknowledged, mitigated, resolved) may be set after the fact, in order.
"""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.errors import DomainError, InvalidValueError
from ledger.incidents.incident_state import (
    ACTIVE,
    ENTRY_KINDS,
    HANDLING,
    MILESTONES,
    MITIGATED,
    RESOLVED,
    RESPONSE_ACTIVATED,
    REVIEWED,
    IncidentState,
    blank,
)
from ledger.values import Actor
from privacy.fields import Personal


class IncidentTimeline(IncidentState):
    """What was done and when, up to the incident's resolution."""

    class EntryLogged(Aggregate.Event):
        kind: str
        text: str | None
        personal_text: Personal | None
        phase: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.timeline.append(
                {
                    "kind": self.kind,
                    "text": self.text,
                    "personal_text": self.personal_text,
                    "phase": self.phase,
                    "by": self.actor.staff_id,
                    "at": self.timestamp,
                }
            )
            if aggregate.status == RESPONSE_ACTIVATED:
                aggregate.status = HANDLING

    class MilestoneSet(Aggregate.Event):
        name: str
        occurred_at: datetime
        previous: datetime | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.milestones[self.name] = self.occurred_at

    class Mitigated(Aggregate.Event):
        summary: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.mitigated_at = self.timestamp
            aggregate.milestones["mitigated"] = self.timestamp
            aggregate.status = MITIGATED

    class Resolved(Aggregate.Event):
        summary: str
        review_plan_due: datetime
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.resolved_at = self.timestamp
            aggregate.milestones["resolved"] = self.timestamp
            aggregate.review_plan_due = self.review_plan_due
            aggregate.status = RESOLVED

    def log(
        self,
        *,
        kind: str,
        text: str | None,
        personal_text: Personal | None,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Log a timeline entry; allowed from the report on (handle first, report after).

        Text about one customer (a notification to them) is personal and goes in
        `personal_text`, sealed under that customer's key.
        """
        self.check_not_closed("log an entry")
        if self.status in (RESOLVED, REVIEWED):
            raise DomainError(f"cannot log an entry: the incident is {self.status}", field="status")
        if kind not in ENTRY_KINDS:
            raise InvalidValueError(
                f"unknown entry kind; expected one of {ENTRY_KINDS}", field="kind"
            )
        if (text is None) == (personal_text is None):
            raise DomainError("an entry has its text, or a customer's text", field="text")
        if (text is not None and blank(text)) or (
            personal_text is not None and personal_text.is_blank()
        ):
            raise DomainError("an entry needs text", field="text")
        if personal_text is not None and personal_text.subject_id not in {
            c.subject_id for c in self.affected_customers
        }:
            raise DomainError("that customer is not among the affected ones", field="subject_id")
        self.trigger_event(
            type(self).EntryLogged,
            kind=kind,
            text=text,
            personal_text=personal_text,
            phase=self.status,
            actor=actor,
            timestamp=at,
        )

    def set_milestone(
        self, *, name: str, occurred_at: datetime, actor: Actor, at: datetime
    ) -> None:
        """Record when something happened, possibly after the fact; the order is checked."""
        self.check_not_closed("set a milestone")
        if name not in MILESTONES:
            raise InvalidValueError(
                f"unknown milestone; expected one of {MILESTONES}", field="name"
            )
        if occurred_at.tzinfo is None:
            raise DomainError("a milestone needs a time with its timezone", field="occurred_at")
        if occurred_at > at:
            raise DomainError("a milestone cannot be in the future", field="occurred_at")
        if name in ("mitigated", "resolved") and getattr(self, f"{name}_at") is None:
            raise DomainError(
                f"the incident is not {name} yet; use the {name[:-1]} command",
                field="name",
            )
        self.check_milestone_order(name, occurred_at)
        self.trigger_event(
            type(self).MilestoneSet,
            name=name,
            occurred_at=occurred_at,
            previous=self.milestones.get(name),
            actor=actor,
            timestamp=at,
        )

    def check_milestone_order(self, name: str, occurred_at: datetime) -> None:
        position = MILESTONES.index(name)
        for other, when in self.milestones.items():
            other_position = MILESTONES.index(other)
            if other_position < position and when > occurred_at:
                raise DomainError(f"{name} cannot precede {other}", field="occurred_at")
            if other_position > position and when < occurred_at:
                raise DomainError(f"{name} cannot follow {other}", field="occurred_at")

    def mitigate(self, *, summary: str, actor: Actor, at: datetime) -> None:
        """The harm has stopped growing; the mitigated milestone is now, unless set earlier."""
        self.check_status("mitigate", *ACTIVE)
        if blank(summary):
            raise DomainError("say what mitigated the incident", field="summary")
        self.check_milestone_order("mitigated", at)
        self.trigger_event(type(self).Mitigated, summary=summary, actor=actor, timestamp=at)

    def resolve(
        self, *, summary: str, review_plan_due: datetime, actor: Actor, at: datetime
    ) -> None:
        """The incident is over; the review and its improvement plan are now owed."""
        self.check_status("resolve", MITIGATED)
        if blank(summary):
            raise DomainError("say how the incident was resolved", field="summary")
        if self.open_escalations:
            raise DomainError(
                "cannot resolve: an escalation on it is still open", field="open_escalations"
            )
        self.check_milestone_order("resolved", at)
        self.trigger_event(
            type(self).Resolved,
            summary=summary,
            review_plan_due=review_plan_due,
            actor=actor,
            timestamp=at,
        )
