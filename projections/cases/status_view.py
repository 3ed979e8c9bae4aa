"""The case status view: one row per complaint, as departments and managers look it up.

Personal data never enters this table: the row holds ids, vocabularies, staff ids, times and
counters. Deadlines are the ones the ledger stored at classification, moved later by the time the
complaint spent waiting on the customer (counted on the policy's calendar).

One table and the one projection that fills it, event by event (a single cohesive thing, so it
stays whole a little over 250 lines); which deadlines are open and how a wait moves them is
`status_dues.py`.
"""

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ledger.cases.complaint import CLOSED, Complaint
from ledger.cases.handoff import Handoff
from ledger.values import level_rank
from projections.cases.status_dues import open_dues, resume_after_wait
from projections.engine.batch import ComplaintProjection
from projections.engine.keyset import due_order
from projections.engine.rowset import RowSet
from projections.engine.tables import Row, Table

CASE_STATUS = Table(
    name="case_status",
    columns=(
        ("complaint_id", "text"),
        ("reference", "text"),
        ("status", "text"),
        ("channel", "text"),
        ("category", "text"),
        ("priority", "text"),
        ("customer_tier", "text"),
        ("region", "text"),
        ("department", "text"),
        ("owner", "text"),
        ("handoff_id", "text"),
        ("handoff_to", "text"),
        ("handoff_accepted", "bool"),
        ("handoff_requested_at", "time"),
        ("handoff_accept_due", "time"),
        ("handoff_complete_due", "time"),
        ("escalation_level", "int"),
        ("open_escalations", "text"),
        ("registered_at", "time"),
        ("first_response_due", "time"),
        ("written_reply_due", "time"),
        ("resolution_due", "time"),
        ("first_responded_at", "time"),
        ("written_replied_at", "time"),
        ("resolved_at", "time"),
        ("first_resolved_at", "time"),
        ("closed_at", "time"),
        ("awaiting_customer_since", "time"),
        ("awaiting_customer_pauses", "bool"),
        ("paused_seconds", "float"),
        ("next_due", "time"),
        ("breaches", "text"),
        ("breach_count", "int"),
        ("cycle", "int"),
        ("reopen_count", "int"),
        ("handoffs_requested", "int"),
        ("handoffs_rejected", "int"),
        ("satisfaction", "int"),
        ("feedback_count", "int"),
        ("satisfaction_sum", "int"),
        ("satisfied_count", "int"),
        ("incident_id", "text"),
        ("last_activity_at", "time"),
        ("version", "int"),
        ("position", "int"),
    ),
    key=("complaint_id",),
    partition="complaint_id",
    # Filtered lists are read newest first by (registered_at, complaint_id): each filter's index
    # ends with those columns, so a page is an index range scan whatever the table's size.
    indexes=(
        ("registered_at", "complaint_id"),
        ("status", "registered_at", "complaint_id"),
        ("department", "registered_at", "complaint_id"),
        ("handoff_to", "registered_at", "complaint_id"),
        ("owner", "registered_at", "complaint_id"),
        ("priority", "registered_at", "complaint_id"),
        ("category", "registered_at", "complaint_id"),
        ("region", "registered_at", "complaint_id"),
        ("next_due",),
        ("reference",),
    ),
    # Lists sorted by the soonest open deadline read these (projections/engine/keyset.py).
    expression_indexes=(
        ("due_order", f"({due_order('next_due')}), complaint_id"),
        ("department_due_order", f"department, ({due_order('next_due')}), complaint_id"),
    ),
)


class CaseStatusProjection(ComplaintProjection):
    """Keeps one row per complaint: status, ownership, deadlines, breaches and counters."""

    name = "case_status"
    tables = (CASE_STATUS,)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Complaint.Registered,  # type: ignore[attr-defined]
        Complaint.Classified,
        Complaint.Assigned,
        Complaint.Responded,
        Complaint.ProgressNoted,
        Complaint.Resolved,
        Complaint.FeedbackRecorded,
        Complaint.Reopened,
        Complaint.Closed,
        Complaint.Escalated,
        Complaint.EscalationResolved,
        Complaint.HandoffRequested,
        Complaint.HandoffAccepted,
        Complaint.HandoffRejected,
        Complaint.HandoffCompleted,
        Complaint.AwaitingCustomer,
        Complaint.CustomerReplied,
        Complaint.DeadlineBreached,
        Complaint.LinkedToIncident,  # type: ignore[attr-defined]
        Handoff.Requested,  # type: ignore[attr-defined]
    )

    def apply(self, rows: RowSet, event: Any, position: int) -> None:
        table = CASE_STATUS.name
        if event.kind == "Handoff.Requested":
            row = rows.get(table, str(event.complaint_id))
            if row is not None:
                row["handoff_requested_at"] = event.timestamp
                row["handoff_accept_due"] = event.accept_due
                row["handoff_complete_due"] = event.complete_due
                row["next_due"] = min(open_dues(row), default=None)
                rows.touch(table, row)
            return
        if event.kind == "Complaint.Registered":
            row = rows.put(table, self._registered(event))
        else:
            found = rows.get(table, event.stream)
            if found is None:
                return  # a stream this view never saw registered (cannot happen in one log)
            row = found
            self._changed(row, event)
        row["version"] = event.originator_version
        row["last_activity_at"] = event.timestamp
        row["position"] = position
        row["next_due"] = min(open_dues(row), default=None)
        rows.touch(table, row)

    def _registered(self, event: Any) -> Row:
        row: Row = dict.fromkeys(CASE_STATUS.column_names)
        row.update(
            complaint_id=event.stream,
            reference=event.reference,
            status="registered",
            channel=event.channel,
            region=event.customer.region,
            department=event.department,
            handoff_accepted=False,
            escalation_level=0,
            open_escalations="{}",
            registered_at=event.timestamp,
            paused_seconds=0.0,
            breaches="",
            breach_count=0,
            cycle=1,
            reopen_count=0,
            handoffs_requested=0,
            handoffs_rejected=0,
            feedback_count=0,
            satisfaction_sum=0,
            satisfied_count=0,
        )
        return row

    def _changed(self, row: Row, event: Any) -> None:
        at: datetime = event.timestamp
        calendar = self.policy.calendar
        if event.kind == "Complaint.Classified":
            paused = timedelta(seconds=row["paused_seconds"] or 0.0)
            row.update(
                category=event.category,
                priority=event.priority,
                customer_tier=event.customer_tier,
                first_response_due=calendar.add(event.first_response_due, paused),
                written_reply_due=calendar.add(event.written_reply_due, paused)
                if event.written_reply_due
                else None,
            )
            # The classification's deadline counts from registration: it is the first round's.
            # A later round keeps the one its reopening set, which its SLA clock runs to.
            if row["cycle"] == 1:
                row["resolution_due"] = calendar.add(event.resolution_due, paused)
            if row["status"] == "registered":
                row["status"] = "classified"
        elif event.kind == "Complaint.Assigned":
            row["owner"] = event.owner
        elif event.kind == "Complaint.Responded":
            row["first_responded_at"] = row["first_responded_at"] or at
            row["status"] = "in_progress"
        elif event.kind == "Complaint.Resolved":
            row.update(status="resolved", resolved_at=at)
            row["first_resolved_at"] = row["first_resolved_at"] or at
            # The resolution is the written reply the customer receives.
            row["written_replied_at"] = row["written_replied_at"] or at
        elif event.kind == "Complaint.FeedbackRecorded":
            row["satisfaction"] = event.satisfaction
            row["feedback_count"] += 1
            row["satisfaction_sum"] += event.satisfaction
            row["satisfied_count"] += 1 if event.satisfaction >= 4 else 0
        elif event.kind == "Complaint.Reopened":
            row.update(status="reopened", resolved_at=None)
            row["cycle"] += 1
            row["reopen_count"] += 1
            # The new round's deadline counts from the reopening, so earlier waits do not move
            # it (later ones do: `resume_after_wait`); older reopenings carried none, keep the last.
            due = getattr(event, "resolution_due", None)
            if due is not None:
                row["resolution_due"] = due
        elif event.kind == "Complaint.Closed":
            row.update(status=CLOSED, closed_at=at)
        elif event.kind == "Complaint.Escalated":
            escalations = json.loads(row["open_escalations"])
            escalations[str(event.escalation_id)] = event.level
            self._escalations(row, escalations)
        elif event.kind == "Complaint.EscalationResolved":
            escalations = json.loads(row["open_escalations"])
            escalations.pop(str(event.escalation_id), None)
            self._escalations(row, escalations)
        elif event.kind == "Complaint.HandoffRequested":
            row.update(
                handoff_id=str(event.handoff_id),
                handoff_to=event.to_department,
                handoff_accepted=False,
            )
            row["handoffs_requested"] += 1
        elif event.kind == "Complaint.HandoffAccepted":
            row.update(handoff_accepted=True, department=row["handoff_to"], owner=event.owner)
        elif event.kind in ("Complaint.HandoffRejected", "Complaint.HandoffCompleted"):
            if event.kind == "Complaint.HandoffRejected":
                row["handoffs_rejected"] += 1
            else:
                row.update(department=event.department, owner=event.owner)
            row.update(
                handoff_id=None,
                handoff_to=None,
                handoff_accepted=False,
                handoff_requested_at=None,
                handoff_accept_due=None,
                handoff_complete_due=None,
            )
        elif event.kind == "Complaint.AwaitingCustomer":
            row["awaiting_customer_since"] = at
            # Waits recorded before the event said so all paused the clocks.
            row["awaiting_customer_pauses"] = getattr(event, "pauses_clocks", True)
        elif event.kind == "Complaint.CustomerReplied":
            resume_after_wait(row, at, self.policy.calendar)
        elif event.kind == "Complaint.LinkedToIncident":
            row["incident_id"] = str(event.incident_id)
        elif event.kind == "Complaint.DeadlineBreached":
            breaches = [b for b in row["breaches"].split(",") if b]
            row["breaches"] = ",".join([*breaches, event.clock])
            row["breach_count"] += 1

    def _escalations(self, row: Row, escalations: dict[str, str]) -> None:
        row["open_escalations"] = json.dumps(escalations, sort_keys=True)
        row["escalation_level"] = max((level_rank(v) for v in escalations.values()), default=0)
