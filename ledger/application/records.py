"""The one loader of a record by its id: as the kind the caller names, within the caller's scope.

A record id is a stream id, and stream ids are derivable (a complaint's from its reference, a
person's from their `subject_id`), so a read by id must never answer "whatever this stream
holds". Every read of one record for a caller — an HTTP endpoint, the access check before it,
a CLI export, the incident review — goes through `Records`:

- `find(kind, id)`: the stream must hold a record of the kind named (`KINDS`); a complaint read
  as an incident, a person's `DataSubject` stream read as a complaint, is `NotFoundError("no
  incident with id …")`, the very answer a missing record gets;
- `load(kind, id, scope)` / `history(kind, id, scope)`: and it must lie within the caller's
  `ReadScope`, or it is that same 404 again, so scope never reveals existence.

What a confined reader (department staff) may read, kind by kind (docs/access-control.md):
a complaint their department owns or was ever handed; a handoff from or to it; an escalation
whose case (complaint or incident) they may read; an incident whose departments include theirs,
that someone of their department reported, or in which they hold a response role or own an
action item. Nothing else: not a person's record, not a kind without a rule.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.history import HistoryEntry
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident

# kind (as endpoints and paths name it) -> the aggregate classes a stream of that kind holds
KINDS: Final[Mapping[str, tuple[type[Aggregate], ...]]] = {
    "complaint": (Complaint,),
    "escalation": (Escalation,),
    "handoff": (Handoff,),
    "incident": (Incident,),
    "case": (Complaint, Incident),
}


@dataclass(frozen=True)
class ReadScope:
    """Which records a caller may read: all of them, or (confined) one department's."""

    confined: bool = False
    department: str | None = None  # a confined reader without one reads nothing
    staff_id: str | None = None


EVERYTHING: Final = ReadScope()


def missing(kind: str, record_id: UUID) -> NotFoundError:
    """The one answer for a record that is absent, of another kind, or out of scope."""
    return NotFoundError(f"no {kind} with id {record_id}")


class Records:
    """One caller's reads of records by id (memoised: each stream is read once per request)."""

    def __init__(self, app: LedgerApplication) -> None:
        self._app = app
        self._found: dict[UUID, Aggregate | None] = {}
        self._handed: dict[tuple[UUID, str], bool] = {}

    def find(self, kind: str, record_id: UUID) -> Any:
        """The record `record_id` as a `kind`, or the 404 of a missing one; scope unchecked."""
        if record_id not in self._found:
            try:
                self._found[record_id] = self._app._get(Aggregate, record_id)
            except NotFoundError:
                self._found[record_id] = None
        found = self._found[record_id]
        if found is None or not isinstance(found, KINDS[kind]):
            raise missing(kind, record_id)
        return found

    def load(self, kind: str, record_id: UUID, scope: ReadScope) -> Any:
        """The record as a `kind`, if `scope` may read it; the 404 of a missing one otherwise."""
        found = self.find(kind, record_id)
        if not self.within(found, scope):
            raise missing(kind, record_id)
        return found

    def history(self, kind: str, record_id: UUID, scope: ReadScope) -> list[HistoryEntry]:
        """Every stored event of the record, read as `load` reads it."""
        self.load(kind, record_id, scope)
        return self._app.get_history(record_id)

    def within(self, record: Aggregate, scope: ReadScope) -> bool:
        """May a reader with `scope` read `record`?"""
        if not scope.confined:
            return True
        department = scope.department
        if not department:
            return False
        if isinstance(record, Complaint):
            return record.department == department or self._handed_to(record.id, department)
        if isinstance(record, Handoff):
            return department in (record.from_department, record.to_department)
        if isinstance(record, Escalation):
            try:
                case = self.find(record.subject_kind, record.subject_id)
            except NotFoundError:
                return False
            return self.within(case, scope)
        if isinstance(record, Incident):
            return _involves(record, department, scope.staff_id)
        return False

    def _handed_to(self, complaint_id: UUID, department: str) -> bool:
        key = (complaint_id, department)
        if key not in self._handed:
            self._handed[key] = any(
                type(e).__name__ == "HandoffRequested"
                and getattr(e, "to_department", "") == department
                for e in self._app.events.get(complaint_id)
            )
        return self._handed[key]


def _involves(incident: Incident, department: str, staff_id: str | None) -> bool:
    """The departments involved in an incident, and the people working on it."""
    if department in incident.departments or incident.reported_by.department == department:
        return True
    if staff_id is None:
        return False
    return staff_id in incident.roles.values() or any(
        item["owner"] == staff_id for item in incident.action_items.values()
    )
