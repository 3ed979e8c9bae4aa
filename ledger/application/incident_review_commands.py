"""The application's commands of an incident's review and its improvement action items.

The people these commands name (an action item's owner, a response role's holder) must be in
the staff directory once it has entries; see docs/incidents.md.

A mixin that `IncidentCommands` builds on; the same pattern as every command: load, let the
aggregate decide, save its events.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.application.case_commands import CaseCommands
from ledger.errors import DomainError
from ledger.incidents.incident import Incident
from ledger.policy.service_policy import Policy
from ledger.staff.directory import StaffDirectory
from ledger.values import Actor


class IncidentReviewCommands(CaseCommands):
    """Review a resolved incident; add, complete, verify and waive its action items."""

    if TYPE_CHECKING:  # provided by IncidentCommands and LedgerApplication
        policy: Policy
        staff: StaffDirectory

        def get_incident(self, incident_id: UUID, *, version: int | None = None) -> Incident: ...

    def _check_named_staff(self, staff_id: str, field: str) -> None:
        """Refuse a person the staff directory does not know (any id while it is empty): a
        conflict with what is stored now (409), like an unknown record, not a malformed request."""
        if not self.staff.vouches_for(staff_id):
            raise DomainError(f"{field} names nobody in the staff directory", field=field)

    def review_incident(
        self,
        incident_id: UUID,
        *,
        contributing_factors: Sequence[str],
        went_well: Sequence[str] = (),
        went_badly: Sequence[str] = (),
        actor: Actor,
    ) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.review(
                contributing_factors=list(contributing_factors),
                went_well=list(went_well),
                went_badly=list(went_badly),
                actor=actor,
                at=self._now(),
            )
        return incident

    def add_incident_action_item(
        self, incident_id: UUID, *, description: str, owner: str, due: datetime, actor: Actor
    ) -> Incident:
        self._check_named_staff(owner, "owner")
        incident = self.get_incident(incident_id)
        now = self._now()
        with self._saving(incident):
            incident.add_action_item(
                description=description,
                owner=owner,
                due=due,
                verify_due=now + self.policy.incidents.verify_within,
                actor=actor,
                at=now,
            )
        return incident

    def complete_incident_action_item(
        self, incident_id: UUID, *, item_id: str, note: str, actor: Actor
    ) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.complete_action_item(item_id=item_id, note=note, actor=actor, at=self._now())
        return incident

    def verify_incident_action_item(
        self, incident_id: UUID, *, item_id: str, actor: Actor
    ) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.verify_action_item(item_id=item_id, actor=actor, at=self._now())
        return incident

    def waive_incident_action_item(
        self, incident_id: UUID, *, item_id: str, reason: str, actor: Actor
    ) -> Incident:
        incident = self.get_incident(incident_id)
        with self._saving(incident):
            incident.waive_action_item(item_id=item_id, reason=reason, actor=actor, at=self._now())
        return incident
