"""The application's commands on a complaint after its answer: feedback, reopening, promised
replies, waiting on the customer, closure.

A mixin that `LedgerApplication` inherits beside `ComplaintCommands` (registration through
resolution).
"""

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.cases.complaint import Complaint
from ledger.policy.service_policy import Policy
from ledger.values import Actor
from privacy.fields import Personal


class ComplaintFollowUpCommands:
    """Record feedback, reopen, promise replies, wait on the customer and close complaints."""

    if TYPE_CHECKING:  # provided by LedgerApplication
        policy: Policy

        def get_complaint(self, complaint_id: UUID, *, version: int | None = None) -> Complaint: ...
        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...
        def _now(self) -> datetime: ...

    def record_feedback(
        self, complaint_id: UUID, *, satisfaction: int, comment: str | None = None, actor: Actor
    ) -> Complaint:
        """Record the survey; at or below the policy's threshold the complaint reopens."""
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        with self._saving(complaint):
            complaint.record_feedback(
                satisfaction=satisfaction,
                comment=Personal.maybe(complaint.customer.subject_id, comment),
                reopen_at_or_below=self.policy.reopen_at_or_below,
                resolution_due=self._next_resolution_due(complaint, now),
                actor=actor,
                at=now,
            )
        return complaint

    def reopen_complaint(self, complaint_id: UUID, *, reason: str, actor: Actor) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        with self._saving(complaint):
            complaint.reopen(
                reason=reason,
                resolution_due=self._next_resolution_due(complaint, now),
                actor=actor,
                at=now,
            )
        return complaint

    def _next_resolution_due(self, complaint: Complaint, now: datetime) -> datetime | None:
        """A new round's resolution deadline: the complaint's target, counted from now."""
        if complaint.priority is None:
            return None
        return self.policy.resolution_due(
            reopened_at=now,
            priority=complaint.priority,
            tier=complaint.customer_tier or "standard",
            category=complaint.category,
            channel=complaint.channel,
        )

    def promise_reply(self, complaint_id: UUID, *, due: datetime, actor: Actor) -> Complaint:
        """Record a reply time promised to the customer; it runs as the `promise:<n>` clock."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.promise_reply(due=due, actor=actor, at=self._now())
        return complaint

    def close_complaint(
        self, complaint_id: UUID, *, waiver_reason: str | None = None, actor: Actor
    ) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.close(waiver_reason=waiver_reason, actor=actor, at=self._now())
        return complaint

    def await_customer(self, complaint_id: UUID, *, reason: str, actor: Actor) -> Complaint:
        """The complaint waits on the customer; its SLA clocks pause if the policy says so."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.await_customer(
                reason=reason,
                pauses_clocks=self.policy.pause_while_awaiting_customer,
                actor=actor,
                at=self._now(),
            )
        return complaint

    def record_customer_reply(self, complaint_id: UUID, *, actor: Actor) -> Complaint:
        """The customer replied; the SLA clocks run again."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.record_customer_reply(actor=actor, at=self._now())
        return complaint
