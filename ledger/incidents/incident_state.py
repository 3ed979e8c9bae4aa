"""An incident's statuses, levels and fields, as every part of the Incident aggregate reads them.

The aggregate is assembled from one base class per job (ledger/incidents/incident.py names
them). As for the complaint (ledger/cases/complaint_state.py says why), each job writes its
events as classes with an `apply` and records them as `type(self).<Event>`, so that every topic
stays `ledger.incidents.incident:Incident.<Event>`; tests/unit/test_event_topics.py pins them.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from ledger.cases.case import CLOSED, Case
from ledger.errors import DomainError
from ledger.values import INCIDENT_LEVELS, Actor, Customer

REPORTED = "reported"
ASSESSED = "assessed"
RESPONSE_ACTIVATED = "response_activated"
HANDLING = "handling"
MITIGATED = "mitigated"
RESOLVED = "resolved"
REVIEWED = "reviewed"
STATUSES: Final = (
    REPORTED,
    ASSESSED,
    RESPONSE_ACTIVATED,
    HANDLING,
    MITIGATED,
    RESOLVED,
    REVIEWED,
    CLOSED,
)
LEVELS: Final = INCIDENT_LEVELS
ENTRY_KINDS: Final = ("action", "customer_notification", "resource_allocation", "status_update")
MILESTONES: Final = ("impact_started", "detected", "acknowledged", "mitigated", "resolved")
ACTION_OPEN = "open"
ACTION_DONE = "done"
ACTION_VERIFIED = "verified"
ACTION_WAIVED = "waived"
ACTIVE: Final = (RESPONSE_ACTIVATED, HANDLING)


def severity(level: str) -> int:
    """3 for level I, 1 for level III: a higher number is a graver incident."""
    return len(LEVELS) - LEVELS.index(level)


def blank(text: str | None) -> bool:
    """Whether a required text is missing or only spaces."""
    return text is None or not text.strip()


class IncidentState(Case):
    """The fields of an incident (set by its report) and the status guard its jobs share."""

    KIND = "incident"

    if TYPE_CHECKING:
        reference: str
        title: str
        description: str
        reported_at: datetime
        reported_by: Actor
        assess_due: datetime
        activate_due: datetime
        level: str | None
        impact: str | None
        affected_customers: list[Customer]
        departments: list[str]
        assessed_at: datetime | None
        plan: str | None
        activated_at: datetime | None
        # role -> staff id of its current holder; the full record is in `role_history`.
        roles: dict[str, str]
        role_history: list[dict[str, Any]]
        timeline: list[dict[str, Any]]
        milestones: dict[str, datetime]
        mitigated_at: datetime | None
        resolved_at: datetime | None
        review_plan_due: datetime | None
        reviewed_at: datetime | None
        contributing_factors: list[str]
        went_well: list[str]
        went_badly: list[str]
        action_items: dict[str, dict[str, Any]]
        linked_complaints: list[UUID]
        closed_at: datetime | None
        breaches: list[str]
        warnings: list[str]

    def check_status(self, action: str, *allowed: str) -> None:
        self.check_not_closed(action)
        if self.status not in allowed:
            raise DomainError(
                f"cannot {action}: the incident is {self.status}; expected {' or '.join(allowed)}",
                field="status",
            )
