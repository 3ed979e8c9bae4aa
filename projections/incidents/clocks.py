"""The incident clock tracker: every deadline of every incident, as the escalation process and
the notifier read them.

Clocks per incident (named in ledger/incidents/incident_clocks.py): assessment and activation
(from the report), the next status update while the response runs (its interval is the
response level's, from the policy; a level change reschedules it), the review (in working days
from the resolution), and for each action item its due date and its verification. A clock whose
deadline passes unmet is due for a breach: the escalation process asks the ledger to record it
and escalate (once per clock); the recorded `DeadlineBreached` then marks the clock here. A
clock past the policy's warning share of its time is likewise recorded by the ledger
(`DeadlineWarned`, once per clock), which the notification rules read and which marks it here.
"""

from datetime import datetime, timedelta
from typing import Any, ClassVar

from ledger.incidents.incident import Incident
from ledger.policy.service_policy import Policy
from projections.engine.batch import BatchProjection
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Row, Table

INCIDENT_CLOCKS = Table(
    name="incident_clocks",
    columns=(
        ("incident_id", "text"),
        ("clock", "text"),
        ("level", "text"),
        ("owner", "text"),
        ("started_at", "time"),
        ("due_at", "time"),
        ("warn_at", "time"),
        ("met_at", "time"),
        ("stopped_at", "time"),
        ("breached_at", "time"),
        ("warned_at", "time"),
    ),
    key=("incident_id", "clock"),
    partition="incident_id",
    indexes=(("due_at",), ("warn_at",)),
)
_T = INCIDENT_CLOCKS.name


class IncidentClockProjection(BatchProjection):
    """Keeps every deadline of every incident."""

    name = "incident_clocks"
    tables = (INCIDENT_CLOCKS,)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Incident.Reported,  # type: ignore[attr-defined]
        Incident.Assessed,
        Incident.LevelChanged,
        Incident.ResponseActivated,
        Incident.EntryLogged,
        Incident.Resolved,
        Incident.Reviewed,
        Incident.ActionItemAdded,
        Incident.ActionItemCompleted,
        Incident.ActionItemVerified,
        Incident.ActionItemWaived,
        Incident.Closed,
        Incident.DeadlineBreached,
        Incident.DeadlineWarned,
    )

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def partition_of(self, event: ProjectedEvent) -> str:
        return str(event.originator_id)

    # -- helpers ------------------------------------------------------------------------------

    def _start(
        self, rows: RowSet, iid: str, clock: str, at: datetime, due: datetime, **extra: Any
    ) -> None:
        known = next(iter(rows.where(_T, incident_id=iid)), None)
        row: Row = dict.fromkeys(INCIDENT_CLOCKS.column_names)
        row.update(incident_id=iid, clock=clock, started_at=at, level=known and known["level"])
        row.update(extra)
        self._due(row, due)
        rows.put(_T, row)

    def _due(self, row: Row, due: datetime) -> None:
        row["due_at"] = due
        share = (due - row["started_at"]) * self.policy.warn_at_fraction
        row["warn_at"] = row["started_at"] + share

    def _running(self, rows: RowSet, iid: str, clocks: str = "") -> list[Row]:
        """The running clocks named `clocks`: a name, or a family when it ends in ":" (every
        `status_update:<n>`), or all of them when empty. A name is matched whole: `action:A1`
        is not `action:A10`."""
        family = clocks == "" or clocks.endswith(":")
        return [
            r
            for r in rows.where(_T, incident_id=iid)
            if r["met_at"] is None
            and r["stopped_at"] is None
            and (r["clock"].startswith(clocks) if family else r["clock"] == clocks)
        ]

    def _end(self, rows: RowSet, iid: str, clocks: str, at: datetime, how: str = "met_at") -> int:
        ended = self._running(rows, iid, clocks)
        for row in ended:
            row[how] = at
            rows.touch(_T, row)
        return len(ended)

    def _every(self, level: str | None) -> timedelta:
        every = self.policy.incidents.status_update_every
        return every.get(level or "", max(every.values()))

    def _set_level(self, rows: RowSet, iid: str, level: str) -> None:
        for row in rows.where(_T, incident_id=iid):
            row["level"] = level
            running = row["met_at"] is None and row["stopped_at"] is None
            if running and row["clock"].startswith("status_update:"):
                self._due(row, row["started_at"] + self._every(level))
            rows.touch(_T, row)

    # -- events -------------------------------------------------------------------------------

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        iid = str(event.originator_id)
        at: datetime = event.timestamp
        kind = event.kind.partition(".")[2]
        if kind == "Reported":
            self._start(rows, iid, "assess", at, event.assess_due)
            self._start(rows, iid, "activate", at, event.activate_due)
        elif kind == "Assessed":
            self._end(rows, iid, "assess", at)
            self._set_level(rows, iid, event.level)
        elif kind == "LevelChanged":
            self._set_level(rows, iid, event.to_level)
        elif kind == "ResponseActivated":
            self._end(rows, iid, "activate", at)
            self._next_update(rows, iid, at)
        elif kind == "EntryLogged" and event.field("kind") == "status_update":
            if self._end(rows, iid, "status_update:", at):
                self._next_update(rows, iid, at)
        elif kind == "Resolved":
            self._end(rows, iid, "status_update:", at, "stopped_at")
            self._start(rows, iid, "review", at, event.review_plan_due)
        elif kind == "Reviewed":
            self._end(rows, iid, "review", at)
        elif kind == "ActionItemAdded":
            item, owner = event.item_id, event.owner
            self._start(rows, iid, f"action:{item}", at, event.due, owner=owner)
            self._start(rows, iid, f"verify:{item}", at, event.verify_due, owner=owner)
        elif kind == "ActionItemCompleted":
            self._end(rows, iid, f"action:{event.item_id}", at)
        elif kind == "ActionItemVerified":
            self._end(rows, iid, f"verify:{event.item_id}", at)
        elif kind == "ActionItemWaived":
            self._end(rows, iid, f"action:{event.item_id}", at, "stopped_at")
            self._end(rows, iid, f"verify:{event.item_id}", at, "stopped_at")
        elif kind == "Closed":
            self._end(rows, iid, "", at, "stopped_at")
        elif kind in ("DeadlineBreached", "DeadlineWarned"):
            row = rows.get(_T, iid, event.clock)
            if row is not None:
                row["breached_at" if kind == "DeadlineBreached" else "warned_at"] = at
                rows.touch(_T, row)

    def _next_update(self, rows: RowSet, iid: str, at: datetime) -> None:
        known = next(iter(rows.where(_T, incident_id=iid)), None)
        level = known["level"] if known else None
        self._start(rows, iid, f"status_update:{at.isoformat()}", at, at + self._every(level))
