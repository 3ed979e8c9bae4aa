"""The Incident aggregate: an emergency from its report to the close of its improvement plan.

    reported → assessed → response_activated → handling → mitigated → resolved → reviewed → closed

The aggregate is put together from one base class per job, each in its own module: the response
(assess, level, activate, roles), the timeline (entries, milestones, mitigation, resolution),
the review (review, action items, close) and the clocks (deadlines warned of and missed);
escalations and legal holds come from `Case`. Every event's topic names this module and
`Incident` whichever base wrote it (why, in ledger/incidents/incident_state.py). Each public
command checks the rules and then records its event; the events' state changes only assign,
because they re-run on every replay.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from ledger.cases.case import CLOSED
from ledger.cases.references import INCIDENT_REFERENCES
from ledger.errors import DomainError
from ledger.incidents.incident_clocks import IncidentClocks
from ledger.incidents.incident_response import IncidentResponse
from ledger.incidents.incident_review import IncidentReview
from ledger.incidents.incident_state import (
    ACTION_DONE,
    ACTION_OPEN,
    ACTION_VERIFIED,
    ACTION_WAIVED,
    ASSESSED,
    ENTRY_KINDS,
    HANDLING,
    LEVELS,
    MILESTONES,
    MITIGATED,
    REPORTED,
    RESOLVED,
    RESPONSE_ACTIVATED,
    REVIEWED,
    STATUSES,
    IncidentState,
    blank,
    severity,
)
from ledger.incidents.incident_timeline import IncidentTimeline
from ledger.values import Actor

__all__ = [
    "ACTION_DONE",
    "ACTION_OPEN",
    "ACTION_VERIFIED",
    "ACTION_WAIVED",
    "ASSESSED",
    "CLOSED",
    "ENTRY_KINDS",
    "HANDLING",
    "LEVELS",
    "MILESTONES",
    "MITIGATED",
    "REPORTED",
    "RESOLVED",
    "RESPONSE_ACTIVATED",
    "REVIEWED",
    "STATUSES",
    "Incident",
    "IncidentState",
    "incident_id_for",
    "severity",
]


class Incident(IncidentResponse, IncidentTimeline, IncidentReview, IncidentClocks):
    """One emergency incident, its response, its review and its improvement plan."""

    @staticmethod
    def create_id(reference: str) -> UUID:
        return incident_id_for(reference)

    @classmethod
    def report(
        cls,
        *,
        reference: str,
        title: str,
        description: str,
        assess_due: datetime,
        activate_due: datetime,
        actor: Actor,
        at: datetime,
    ) -> "Incident":
        """Record the report; the assessment and activation deadlines run from now."""
        if blank(title):
            raise DomainError("an incident needs a title", field="title")
        if blank(description):
            raise DomainError("an incident needs a description", field="description")
        return cls(
            reference=reference,
            title=title,
            description=description,
            assess_due=assess_due,
            activate_due=activate_due,
            actor=actor,
            timestamp=at,
        )

    @event("Reported")
    def __init__(
        self,
        *,
        reference: str,
        title: str,
        description: str,
        assess_due: datetime,
        activate_due: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.reference = reference
        self.title = title
        self.description = description
        self.reported_at = timestamp
        self.reported_by = actor
        self.assess_due = assess_due
        self.activate_due = activate_due
        self.status = REPORTED
        self.level = None
        self.impact = None
        self.affected_customers = []
        self.departments = []
        self.assessed_at = None
        self.plan = None
        self.activated_at = None
        self.roles = {}
        self.role_history = []
        self.timeline = []
        self.milestones = {}
        self.mitigated_at = None
        self.resolved_at = None
        self.review_plan_due = None
        self.reviewed_at = None
        self.contributing_factors = []
        self.went_well = []
        self.went_badly = []
        self.action_items = {}
        self.linked_complaints = []
        self.open_escalations = {}
        self.closed_at = None
        self.breaches = []
        self.warnings = []

    # -- links, recorded here so the incident's own stream is complete -------------------------

    def record_complaint_linked(
        self, *, complaint_id: UUID, complaint_reference: str, actor: Actor, at: datetime
    ) -> None:
        self.check_not_closed("link a complaint")
        if complaint_id in self.linked_complaints:
            raise DomainError("the complaint is already linked", field="complaint_id")
        self._complaint_linked(
            complaint_id=complaint_id,
            complaint_reference=complaint_reference,
            actor=actor,
            timestamp=at,
        )

    @event("ComplaintLinked")
    def _complaint_linked(
        self, *, complaint_id: UUID, complaint_reference: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.linked_complaints.append(complaint_id)


# An incident's id follows from its reference (ledger/cases/references.py).
incident_id_for = INCIDENT_REFERENCES.id_for
