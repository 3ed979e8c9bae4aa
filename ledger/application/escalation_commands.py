"""The application's commands on escalations and handoffs of complaints.

A mixin that `LedgerApplication` inherits, like `IncidentCommands`.
"""

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.case_commands import CaseCommands
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.incidents.incident import Incident
from ledger.policy.service_policy import Policy
from ledger.values import Actor

A = TypeVar("A", bound=Aggregate)


class EscalationCommands(CaseCommands):
    """Raise, acknowledge and resolve escalations; request and settle handoffs."""

    if TYPE_CHECKING:  # provided by LedgerApplication
        policy: Policy

        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...
        def _get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A: ...
        def _now(self) -> datetime: ...
        def _check_department(self, department: str, *, field: str) -> None: ...
        def get_complaint(self, complaint_id: UUID, *, version: int | None = None) -> Complaint: ...
        def get_incident(self, incident_id: UUID, *, version: int | None = None) -> Incident: ...

    def raise_escalation(
        self,
        *,
        complaint_id: UUID,
        level: str,
        reason: str,
        skip_reason: str | None = None,
        automatic: bool = False,
        rule: str | None = None,
        actor: Actor,
    ) -> Escalation:
        """Escalate a complaint one rung up the ladder (or more, with a skip reason)."""
        return self.escalate_case(
            self.get_complaint(complaint_id),
            level=level,
            reason=reason,
            skip_reason=skip_reason,
            automatic=automatic,
            rule=rule,
            actor=actor,
        )

    def get_escalation(self, escalation_id: UUID, *, version: int | None = None) -> Escalation:
        return self._get(Escalation, escalation_id, version)

    def acknowledge_escalation(self, escalation_id: UUID, *, actor: Actor) -> Escalation:
        escalation = self.get_escalation(escalation_id)
        with self._saving(escalation):
            escalation.acknowledge(actor=actor, at=self._now())
        return escalation

    def resolve_escalation(self, escalation_id: UUID, *, outcome: str, actor: Actor) -> Escalation:
        escalation = self.get_escalation(escalation_id)
        subject: Complaint | Incident = (
            self.get_incident(escalation.subject_id)
            if escalation.subject_kind == "incident"
            else self.get_complaint(escalation.subject_id)
        )
        now = self._now()
        with self._saving(escalation, subject):
            escalation.resolve(outcome=outcome, actor=actor, at=now)
            subject.record_escalation_resolved(escalation_id=escalation.id, actor=actor, at=now)
        return escalation

    # -- handoffs -----------------------------------------------------------------------------

    def request_handoff(
        self,
        *,
        complaint_id: UUID,
        to_department: str,
        reason: str,
        due: datetime | None = None,
        actor: Actor,
    ) -> Handoff:
        """Ask another department to take the complaint on; the sender keeps it meanwhile."""
        self._check_department(to_department, field="to_department")
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        handoff = Handoff.request(
            complaint_id=complaint.id,
            complaint_reference=complaint.reference,
            from_department=complaint.department,
            to_department=to_department,
            reason=reason,
            accept_due=self.policy.calendar.add(now, self.policy.handoff_accept),
            complete_due=due or self.policy.calendar.add(now, self.policy.handoff_complete),
            actor=actor,
            at=now,
        )
        with self._saving(handoff, complaint):
            complaint.record_handoff_requested(
                handoff_id=handoff.id, to_department=to_department, actor=actor, at=now
            )
        return handoff

    def get_handoff(self, handoff_id: UUID, *, version: int | None = None) -> Handoff:
        return self._get(Handoff, handoff_id, version)

    def accept_handoff(self, handoff_id: UUID, *, actor: Actor) -> Handoff:
        handoff = self.get_handoff(handoff_id)
        complaint = self.get_complaint(handoff.complaint_id)
        now = self._now()
        with self._saving(handoff, complaint):
            handoff.accept(actor=actor, at=now)
            complaint.record_handoff_accepted(handoff_id=handoff.id, actor=actor, at=now)
        return handoff

    def reject_handoff(self, handoff_id: UUID, *, reason: str, actor: Actor) -> Handoff:
        handoff = self.get_handoff(handoff_id)
        complaint = self.get_complaint(handoff.complaint_id)
        now = self._now()
        with self._saving(handoff, complaint):
            handoff.reject(reason=reason, actor=actor, at=now)
            complaint.record_handoff_rejected(handoff_id=handoff.id, actor=actor, at=now)
        return handoff

    def complete_handoff(self, handoff_id: UUID, *, result: str, actor: Actor) -> Handoff:
        handoff = self.get_handoff(handoff_id)
        complaint = self.get_complaint(handoff.complaint_id)
        now = self._now()
        with self._saving(handoff, complaint):
            handoff.complete(result=result, actor=actor, at=now)
            complaint.record_handoff_completed(handoff_id=handoff.id, actor=actor, at=now)
        return handoff
