"""A complaint's statuses and fields, as every part of the Complaint aggregate reads them.

The aggregate is assembled from one base class per job (ledger/cases/complaint.py names them).
Each job writes its events as classes with the state change they make (`apply`) and records
them as `type(self).<Event>`: the library gives the final `Complaint` its own subclass of every
inherited event class, named after it (`ledger.cases.complaint:Complaint.Assigned`), so the
topics stored before the split are the topics stored now. An `@event` method on a base class
would record the base's own class (`...:ComplaintHandling.Assigned`) instead, which is why the
jobs do not use them; tests/unit/test_event_topics.py pins every topic.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.cases.case import CLOSED, Case
from ledger.errors import DomainError
from ledger.values import Actor, Customer
from privacy.fields import Personal

REGISTERED = "registered"
CLASSIFIED = "classified"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
REOPENED = "reopened"
STATUSES = (REGISTERED, CLASSIFIED, IN_PROGRESS, RESOLVED, REOPENED, CLOSED)
WORKABLE = (CLASSIFIED, IN_PROGRESS, REOPENED)


class ComplaintState(Case):
    """The fields of a complaint (set by its registration) and the guards its jobs share."""

    KIND = "complaint"

    if TYPE_CHECKING:
        reference: str
        channel: str
        customer: Customer
        summary: Personal
        description: Personal
        registered_at: datetime
        registered_by: Actor
        department: str
        owner: str | None
        category: str | None
        priority: str | None
        customer_tier: str | None
        first_response_due: datetime | None
        resolution_due: datetime | None
        written_reply_due: datetime | None
        first_responded_at: datetime | None
        resolved_at: datetime | None
        first_resolved_at: datetime | None
        resolution: Personal | None
        feedback_due: datetime | None
        satisfaction: int | None
        cycle: int
        open_handoff: dict[str, Any] | None
        closed_at: datetime | None
        awaiting_customer_since: datetime | None
        # Whether the current wait pauses the clocks (the policy's choice when it began).
        awaiting_customer_pauses: bool
        breaches: list[str]
        warnings: list[str]
        incident_id: UUID | None
        first_contact_at: datetime | None
        registration_due: datetime | None
        # Replies promised to the customer: {"due", "at"}; kept by the next answer or resolution.
        promises: list[dict[str, datetime]]
        last_told_customer_at: datetime | None

    def check_no_open_handoff(self, action: str) -> None:
        if self.open_handoff is not None:
            raise DomainError(
                f"cannot {action}: handoff {self.open_handoff['handoff_id']} to "
                f"{self.open_handoff['to_department']} is still open"
            )

    def check_not_awaiting_customer(self, action: str) -> None:
        # A clock started during the wait would be paused on the ledger from its first moment
        # but running on the SLA view, so the case would show a breach never recorded.
        if self.awaiting_customer_since is not None:
            raise DomainError(
                f"cannot {action} while waiting on the customer: record the customer's reply first",
                field="status",
            )
