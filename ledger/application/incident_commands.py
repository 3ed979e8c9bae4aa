"""The application's incident commands, as a mixin that `LedgerApplication` inherits.

Kept apart from `ledger.application.service` so that the incident work reads as one piece (the
review and its action items in `incident_review_commands`);
every method follows the same pattern there: load, let the aggregates decide, save their
events together.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger.application.incident_review_commands import IncidentReviewCommands
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.references import INCIDENT_REFERENCES
from ledger.errors import DomainError
from ledger.incidents.incident import Incident
from ledger.policy.service_policy import Policy
from ledger.values import Actor, Customer
from privacy.fields import Personal
from privacy.keys.blind_index import BlindIndex
from privacy.keys.keystore import SubjectKeyStore

A = TypeVar("A", bound=Aggregate)


class IncidentCommands(IncidentReviewCommands):
    """Report, assess, respond, handle, resolve, review and close emergency incidents."""

    if TYPE_CHECKING:  # provided by LedgerApplication
        policy: Policy
        keys: SubjectKeyStore

        def get_complaint(self, complaint_id: UUID, *, version: int | None = None) -> Complaint: ...
        def _check_department(self, department: str, *, field: str) -> None: ...

    def report_incident(self, *, title: str, description: str, actor: Actor) -> Incident:
        """Report an incident and give it the next reference of its year."""
        now = self._now()
        rules = self.policy.incidents
        return self._create_numbered(
            INCIDENT_REFERENCES,
            now.year,
            lambda reference: Incident.report(
                reference=reference,
                title=title,
                description=description,
                assess_due=now + rules.assess_within,
                activate_due=now + rules.activate_within,
                actor=actor,
                at=now,
            ),
        )

    def get_incident(self, incident_id: UUID, *, version: int | None = None) -> Incident:
        return self._get(Incident, incident_id, version)

    def find_incident(self, id_or_reference: str) -> Incident:
        """Look an incident up by its UUID or its human-readable reference."""
        return self._find(Incident, INCIDENT_REFERENCES, id_or_reference)

    def assess_incident(
        self,
        incident_id: UUID,
        *,
        level: str,
        impact: str,
        affected_customers: Sequence[Mapping[str, Any]] = (),
        departments: Sequence[str],
        actor: Actor,
    ) -> Incident:
        """Assess: the level, the impact, the affected customers (personal) and departments."""
        for department in departments:
            self._check_department(department, field="departments")
        index = self.keys.blind_index
        customers = [_customer(details, index) for details in affected_customers]
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.assess(
                level=level,
                impact=impact,
                affected_customers=customers,
                departments=list(departments),
                actor=actor,
                at=self._now(),
            )
        if index is not None:
            for customer, details in zip(customers, affected_customers, strict=True):
                index.add(
                    customer.subject_id,
                    (
                        ("phone", details.get("phone")),
                        ("email", details.get("email")),
                        ("name", details["name"]),
                    ),
                )
        return incident

    def change_incident_level(
        self, incident_id: UUID, *, level: str, reason: str, actor: Actor
    ) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.change_level(level=level, reason=reason, actor=actor, at=self._now())
        return incident

    def activate_response(
        self, incident_id: UUID, *, plan: str, roles: Mapping[str, str], actor: Actor
    ) -> Incident:
        for holder in roles.values():
            self._check_named_staff(holder, "roles")
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.activate(
                plan=plan,
                roles=dict(roles),
                known_roles=self.policy.incidents.roles,
                actor=actor,
                at=self._now(),
            )
        return incident

    def assign_incident_role(
        self, incident_id: UUID, *, role: str, staff_id: str, actor: Actor
    ) -> Incident:
        self._check_named_staff(staff_id, "staff_id")
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.assign_role(
                role=role,
                staff_id=staff_id,
                known_roles=self.policy.incidents.roles,
                actor=actor,
                at=self._now(),
            )
        return incident

    def log_incident_entry(
        self,
        incident_id: UUID,
        *,
        kind: str,
        text: str,
        subject_id: UUID | None = None,
        actor: Actor,
    ) -> Incident:
        """Log a timeline entry; with `subject_id` the text is about that customer (personal)."""
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.log(
                kind=kind,
                text=None if subject_id else text,
                personal_text=Personal.of(subject_id, text) if subject_id else None,
                actor=actor,
                at=self._now(),
            )
        return incident

    def set_incident_milestone(
        self, incident_id: UUID, *, name: str, occurred_at: datetime, actor: Actor
    ) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.set_milestone(name=name, occurred_at=occurred_at, actor=actor, at=self._now())
        return incident

    def mitigate_incident(self, incident_id: UUID, *, summary: str, actor: Actor) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.mitigate(summary=summary, actor=actor, at=self._now())
        return incident

    def resolve_incident(self, incident_id: UUID, *, summary: str, actor: Actor) -> Incident:
        incident = self.get_incident(incident_id)
        now = self._now()
        with self._saving(incident):
            incident.resolve(
                summary=summary,
                review_plan_due=self.policy.review_plan_due(now),
                actor=actor,
                at=now,
            )
        return incident

    def close_incident(self, incident_id: UUID, *, actor: Actor) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.close(actor=actor, at=self._now())
        return incident

    def link_complaint_to_incident(
        self, incident_id: UUID, *, complaint_id: UUID, actor: Actor
    ) -> Incident:
        """Link a complaint to the incident that caused it: one event on each, one transaction."""
        incident = self.get_incident(incident_id)
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        with self._saving(incident, complaint):
            incident.record_complaint_linked(
                complaint_id=complaint.id,
                complaint_reference=complaint.reference,
                actor=actor,
                at=now,
            )
            complaint.record_incident_linked(
                incident_id=incident.id, incident_reference=incident.reference, actor=actor, at=now
            )
        return incident

    def raise_incident_escalation(
        self,
        *,
        incident_id: UUID,
        level: str,
        reason: str,
        skip_reason: str | None = None,
        actor: Actor,
    ) -> Escalation:
        """Escalate an incident up the ladder; the incident records it too."""
        return self.escalate_case(
            self.get_incident(incident_id),
            level=level,
            reason=reason,
            skip_reason=skip_reason,
            actor=actor,
        )

    def incident_ids(self) -> Iterator[UUID]:
        """Every incident's id, in order of report (for the metrics across incidents)."""
        return iter(self._numbered_ids(INCIDENT_REFERENCES))


def _customer(details: Mapping[str, Any], index: BlindIndex | None) -> Customer:
    if not details.get("name"):
        raise DomainError("an affected customer needs a name", field="affected_customers")
    subject = details.get("subject_id")
    if subject is None and index is not None:  # a customer the ledger already knows
        subject = index.match(
            name=details["name"], phone=details.get("phone"), email=details.get("email")
        )
    subject = subject or uuid4()
    return Customer(
        subject_id=subject,
        name=Personal.of(subject, details["name"]),
        phone=Personal.maybe(subject, details.get("phone")),
        email=Personal.maybe(subject, details.get("email")),
        address=Personal.maybe(subject, details.get("address")),
        region=details.get("region"),
    )
