"""The SLA tracker: every clock of every complaint, and the process that escalates breaches.

Clocks per complaint (named in ledger/cases/complaint_clocks.py): registration (from the
customer's first contact), first response, written reply, resolution (their deadlines come from
the classification, counted from registration), a new resolution clock for each round after a
reopening, the confirmation (survey) owed after each resolution, each promised reply, and for
each handoff its accept and complete deadlines. A clock of the complaint's own work pauses while
the complaint waits on the customer and resumes, moved by the time waited, when the customer
replies; handoffs, promises and the registration keep running. A warning shows once the
policy's share of the clock's time has passed: the escalation process has the ledger record it
(`DeadlineWarned`, once per clock), which the notification rules read. A clock whose deadline
passes unmet is due for a breach: the escalator asks the ledger to record it and escalate (once
per clock); the recorded `DeadlineBreached` event then marks the clock breached here.

This module builds the clocks; `sla_clocks.py` reads them as people see them, and
`sla_escalation.py` is the process that finds the overdue ones.
"""

from datetime import datetime, timedelta
from typing import Any, ClassVar

from ledger.cases.complaint import Complaint
from ledger.cases.complaint_clocks import KEEP_RUNNING
from ledger.cases.handoff import Handoff
from projections.engine.batch import ComplaintProjection
from projections.engine.rowset import RowSet
from projections.engine.tables import Row, Table

COMPLAINT_CLOCKS = ("first_response", "written_reply", "resolution")

SLA_CLOCKS = Table(
    name="sla_clocks",
    columns=(
        ("complaint_id", "text"),
        ("clock", "text"),
        ("handoff_id", "text"),
        ("department", "text"),
        ("started_at", "time"),
        ("due_at", "time"),
        ("warn_at", "time"),
        ("target_seconds", "float"),
        ("paused_seconds", "float"),
        ("paused_since", "time"),
        ("met_at", "time"),
        ("stopped_at", "time"),
        ("breached_at", "time"),
        ("warned_at", "time"),
    ),
    key=("complaint_id", "clock"),
    partition="complaint_id",
    indexes=(("due_at",), ("department", "due_at")),
)


class SlaProjection(ComplaintProjection):
    """Keeps every SLA clock of every complaint."""

    name = "sla"
    tables = (SLA_CLOCKS,)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Complaint.Registered,  # type: ignore[attr-defined]
        Complaint.Classified,
        Complaint.Responded,
        Complaint.Resolved,
        Complaint.Reopened,
        Complaint.FeedbackRecorded,
        Complaint.ReplyPromised,
        Complaint.Closed,
        Complaint.HandoffAccepted,
        Complaint.HandoffRejected,
        Complaint.HandoffCompleted,
        Complaint.HandoffRequested,
        Complaint.AwaitingCustomer,
        Complaint.CustomerReplied,
        Complaint.DeadlineBreached,
        Complaint.DeadlineWarned,
        Handoff.Requested,  # type: ignore[attr-defined]
    )

    # -- helpers ------------------------------------------------------------------------------

    def _warn_at(self, row: Row) -> datetime | None:
        if row["due_at"] is None or row["target_seconds"] is None:
            return None
        counted = row["target_seconds"] * self.policy.warn_at_fraction + row["paused_seconds"]
        return self.policy.calendar.add(row["started_at"], timedelta(seconds=counted))

    def _schedule(self, row: Row, nominal_due: datetime) -> None:
        """Set a clock's deadline from the ledger's, moved by the time it has spent paused."""
        calendar = self.policy.calendar
        row["target_seconds"] = calendar.between(row["started_at"], nominal_due).total_seconds()
        row["due_at"] = calendar.add(nominal_due, timedelta(seconds=row["paused_seconds"]))
        row["warn_at"] = self._warn_at(row)

    def _new(self, complaint_id: str, clock: str, started_at: datetime, **extra: Any) -> Row:
        row: Row = dict.fromkeys(SLA_CLOCKS.column_names)
        row.update(
            complaint_id=complaint_id, clock=clock, started_at=started_at, paused_seconds=0.0
        )
        row.update(extra)
        return row

    def _running(self, rows: RowSet, complaint_id: str) -> list[Row]:
        return [
            r
            for r in rows.where(SLA_CLOCKS.name, complaint_id=complaint_id)
            if r["met_at"] is None and r["stopped_at"] is None
        ]

    def _set(self, rows: RowSet, complaint_id: str, clock: str, **values: Any) -> None:
        row = rows.get(SLA_CLOCKS.name, complaint_id, clock)
        if row is None:
            return
        for key, value in values.items():
            if key in ("met_at", "stopped_at") and row[key] is not None:
                continue  # the first answer stops a clock; later ones do not move it
            row[key] = value
        rows.touch(SLA_CLOCKS.name, row)

    def _cycle(self, rows: RowSet, complaint_id: str) -> int:
        """The complaint's round: 1, plus one for each reopening's resolution clock."""
        later = [
            r
            for r in rows.where(SLA_CLOCKS.name, complaint_id=complaint_id)
            if r["clock"].startswith("resolution:")
        ]
        return 1 + len(later)

    def _met_running(self, rows: RowSet, complaint_id: str, prefix: str, at: datetime) -> None:
        for row in self._running(rows, complaint_id):
            if row["clock"].startswith(prefix) and row["started_at"] <= at:
                row["met_at"] = at
                rows.touch(SLA_CLOCKS.name, row)

    def _scheduled(self, cid: str, clock: str, at: datetime, due: datetime, **extra: Any) -> Row:
        row = self._new(cid, clock, at, **extra)
        self._schedule(row, due)
        return row

    # -- events -------------------------------------------------------------------------------

    def apply(self, rows: RowSet, event: Any, position: int) -> None:
        table = SLA_CLOCKS.name
        cid = self.partition_of(event)
        at: datetime = event.timestamp
        if event.kind == "Complaint.Registered":
            for clock in COMPLAINT_CLOCKS:
                rows.put(table, self._new(cid, clock, at, department=event.department))
            contact = getattr(event, "first_contact_at", None)  # absent from older events
            if contact is not None and event.registration_due is not None:
                late = self._new(cid, "registration", contact, department=event.department)
                late.update(due_at=event.registration_due, target_seconds=None)
                if at <= event.registration_due:
                    late["met_at"] = at
                rows.put(table, late)
        elif event.kind == "Complaint.Classified":
            dues = {
                "first_response": event.first_response_due,
                "written_reply": event.written_reply_due,
                "resolution": event.resolution_due,
            }
            for clock, due in dues.items():
                row = rows.get(table, cid, clock)
                if row is None:
                    continue
                if due is None:
                    rows.delete(table, cid, clock)
                    continue
                self._schedule(row, due)
                rows.touch(table, row)
        elif event.kind == "Complaint.Responded":
            self._set(rows, cid, "first_response", met_at=at)
            self._met_running(rows, cid, "promise:", at)
        elif event.kind == "Complaint.Resolved":
            self._set(rows, cid, "written_reply", met_at=at)
            self._met_running(rows, cid, "resolution", at)
            self._met_running(rows, cid, "promise:", at)
            cycle = self._cycle(rows, cid)
            rows.put(table, self._scheduled(cid, f"confirmation:{cycle}", at, event.feedback_due))
        elif event.kind == "Complaint.FeedbackRecorded":
            self._set(rows, cid, f"confirmation:{self._cycle(rows, cid)}", met_at=at)
        elif event.kind == "Complaint.Reopened":
            cycle = self._cycle(rows, cid)
            # A reopening before the survey ends the round's confirmation: the ledger no longer
            # owes it (its `_clock_met`), so it must not run on here to a breach.
            confirmation = rows.get(table, cid, f"confirmation:{cycle}")
            if confirmation is not None and confirmation["met_at"] is None:
                self._set(rows, cid, f"confirmation:{cycle}", stopped_at=at)
            due = getattr(event, "resolution_due", None)  # absent before reopenings had one
            if due is not None:
                clock = f"resolution:{cycle + 1}"
                rows.put(table, self._scheduled(cid, clock, at, due))
        elif event.kind == "Complaint.ReplyPromised":
            promised = sum(
                1 for r in rows.where(table, complaint_id=cid) if r["clock"].startswith("promise:")
            )
            rows.put(table, self._scheduled(cid, f"promise:{promised + 1}", at, event.due))
        elif event.kind == "Complaint.Closed":
            for row in self._running(rows, cid):
                row["stopped_at"] = at
                rows.touch(table, row)
        elif event.kind == "Handoff.Requested":
            hid = str(event.originator_id)
            for clock, due in (
                (f"handoff_accept:{hid}", event.accept_due),
                (f"handoff_complete:{hid}", event.complete_due),
            ):
                row = self._new(cid, clock, at, handoff_id=hid, department=event.to_department)
                self._schedule(row, due)
                rows.put(table, row)
        elif event.kind == "Complaint.HandoffAccepted":
            self._set(rows, cid, f"handoff_accept:{event.handoff_id}", met_at=at)
        elif event.kind == "Complaint.HandoffRejected":
            self._set(rows, cid, f"handoff_accept:{event.handoff_id}", met_at=at)
            self._set(rows, cid, f"handoff_complete:{event.handoff_id}", stopped_at=at)
        elif event.kind == "Complaint.HandoffCompleted":
            self._set(rows, cid, f"handoff_complete:{event.handoff_id}", met_at=at)
        elif event.kind == "Complaint.AwaitingCustomer":
            # The event says whether the wait pauses (so a rebuild under a changed policy
            # agrees with the ledger); waits recorded before it said so all paused.
            if getattr(event, "pauses_clocks", True):
                for row in self._running(rows, cid):
                    if not row["clock"].startswith(KEEP_RUNNING) and row["paused_since"] is None:
                        row["paused_since"] = at
                        rows.touch(table, row)
        elif event.kind == "Complaint.CustomerReplied":
            for row in rows.where(table, complaint_id=cid):
                if row["paused_since"] is None:
                    continue
                waited = self.policy.calendar.between(row["paused_since"], at)
                row["paused_since"] = None
                row["paused_seconds"] += waited.total_seconds()
                if row["due_at"] is not None:
                    row["due_at"] = self.policy.calendar.add(row["due_at"], waited)
                    row["warn_at"] = self._warn_at(row)
                rows.touch(table, row)
        elif event.kind == "Complaint.DeadlineBreached":
            self._set(rows, cid, event.clock, breached_at=at)
        elif event.kind == "Complaint.DeadlineWarned":
            self._set(rows, cid, event.clock, warned_at=at)
