"""Handling a complaint: classify it, give it an owner, answer the customer, note progress."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.cases.complaint_state import (
    CLASSIFIED,
    IN_PROGRESS,
    REGISTERED,
    RESOLVED,
    WORKABLE,
    ComplaintState,
)
from ledger.errors import DomainError
from ledger.policy.service_policy import ComplaintDeadlines
from ledger.values import Actor
from privacy.fields import Personal


class ComplaintHandling(ComplaintState):
    """The complaint's classification, its owner, and the work done for the customer."""

    class Classified(Aggregate.Event):
        category: str
        priority: str
        customer_tier: str
        first_response_due: datetime
        resolution_due: datetime
        written_reply_due: datetime | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.category = self.category
            aggregate.priority = self.priority
            aggregate.customer_tier = self.customer_tier
            aggregate.first_response_due = self.first_response_due
            aggregate.resolution_due = self.resolution_due
            aggregate.written_reply_due = self.written_reply_due
            if aggregate.status == REGISTERED:
                aggregate.status = CLASSIFIED

    class Assigned(Aggregate.Event):
        owner: str
        previous_owner: str | None
        reason: str | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.owner = self.owner

    class Responded(Aggregate.Event):
        message: Personal
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            if aggregate.first_responded_at is None:
                aggregate.first_responded_at = self.timestamp
            aggregate.last_told_customer_at = self.timestamp
            aggregate.status = IN_PROGRESS

    class ProgressNoted(Aggregate.Event):
        note: Personal
        actor: Actor

    def classify(
        self,
        *,
        category: str,
        priority: str,
        customer_tier: str,
        deadlines: ComplaintDeadlines,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Set category, priority and tier; the deadlines come from the policy, counted from
        registration, and are stored in the event."""
        self.check_not_closed("classify")
        if self.status == RESOLVED:
            raise DomainError("cannot classify: the complaint is resolved; reopen it first")
        self.trigger_event(
            type(self).Classified,
            category=category,
            priority=priority,
            customer_tier=customer_tier,
            first_response_due=deadlines.first_response_due,
            resolution_due=deadlines.resolution_due,
            written_reply_due=deadlines.written_reply_due,
            actor=actor,
            timestamp=at,
        )

    def assign(self, *, owner: str, reason: str | None, actor: Actor, at: datetime) -> None:
        """First-contact ownership: the first taker owns it; changing owner needs a reason."""
        self.check_not_closed("assign")
        self.check_no_open_handoff("reassign")
        if not owner.strip():
            raise DomainError("an owner is a staff id", field="owner")
        if self.owner is not None:
            if owner == self.owner:
                raise DomainError(
                    "the complaint is already owned by that staff member", field="owner"
                )
            if not reason or not reason.strip():
                raise DomainError(
                    "the complaint already has an owner; reassigning it needs a reason",
                    field="reason",
                )
        self.trigger_event(
            type(self).Assigned,
            owner=owner,
            previous_owner=self.owner,
            reason=reason,
            actor=actor,
            timestamp=at,
        )

    def respond(self, *, message: Personal, actor: Actor, at: datetime) -> None:
        """Answer the customer; the first answer stops the first-response clock."""
        self.check_not_closed("respond")
        if self.status not in WORKABLE:
            raise DomainError(f"cannot respond: the complaint is {self.status}; classify it first")
        if self.owner is None:
            raise DomainError("cannot respond: nobody owns the complaint yet; assign it first")
        if message.is_blank():
            raise DomainError("a response needs a message", field="message")
        self.trigger_event(type(self).Responded, message=message, actor=actor, timestamp=at)

    def note_progress(self, *, note: Personal, actor: Actor, at: datetime) -> None:
        """Record progress; allowed at any time before closure."""
        self.check_not_closed("add a note")
        if note.is_blank():
            raise DomainError("a progress note needs text", field="note")
        self.trigger_event(type(self).ProgressNoted, note=note, actor=actor, timestamp=at)
