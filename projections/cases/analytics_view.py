"""The complaint analytics view: one row per complaint with the facts service figures need.

Durations are counted on the policy's calendar (business hours when it names one) with the time
spent waiting on the customer taken out, at the moment the response or resolution happens, so a
query only adds them up. No personal data: ids, vocabularies, staff ids, times and counters.
"""

from datetime import datetime
from typing import Any, ClassVar

from ledger.cases.complaint import Complaint
from projections.engine.batch import ComplaintProjection
from projections.engine.rowset import RowSet
from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

CASE_ANALYTICS = Table(
    name="case_analytics",
    columns=(
        ("complaint_id", "text"),
        ("registered_at", "time"),
        ("owner", "text"),
        ("priority", "text"),
        ("customer_tier", "text"),
        ("region", "text"),
        ("channel", "text"),
        ("category", "text"),
        ("department", "text"),
        ("handoff_to", "text"),
        ("status", "text"),
        ("awaiting_since", "time"),
        ("awaiting_pauses", "bool"),  # whether that wait pauses the clocks, as its event says
        ("paused_seconds", "float"),
        ("response_seconds", "float"),
        ("resolution_seconds", "float"),
        ("reopen_count", "int"),
        ("handoffs_requested", "int"),
        ("handoffs_rejected", "int"),
        ("feedback_count", "int"),
        ("satisfied_count", "int"),
        ("satisfaction_sum", "int"),
        ("breach_count", "int"),
    ),
    key=("complaint_id",),
    partition="complaint_id",
    indexes=(("registered_at", "complaint_id"),),
)
FACT_COLUMNS = tuple(
    c
    for c in CASE_ANALYTICS.column_names
    if c not in ("awaiting_since", "awaiting_pauses", "handoff_to")
)


class CaseAnalyticsProjection(ComplaintProjection):
    """Keeps, per complaint, its grouping attributes and its measured service."""

    name = "case_analytics"
    tables = (CASE_ANALYTICS,)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Complaint.Registered,  # type: ignore[attr-defined]
        Complaint.Classified,
        Complaint.Assigned,
        Complaint.Responded,
        Complaint.Resolved,
        Complaint.FeedbackRecorded,
        Complaint.Reopened,
        Complaint.Closed,
        Complaint.HandoffRequested,
        Complaint.HandoffRejected,
        Complaint.HandoffAccepted,
        Complaint.HandoffCompleted,
        Complaint.AwaitingCustomer,
        Complaint.CustomerReplied,
        Complaint.DeadlineBreached,
    )

    def apply(self, rows: RowSet, event: Any, position: int) -> None:
        table = CASE_ANALYTICS.name
        if event.kind == "Complaint.Registered":
            row: Row = dict.fromkeys(CASE_ANALYTICS.column_names)
            row.update(
                complaint_id=str(event.originator_id),
                registered_at=event.timestamp,
                region=event.customer.region,
                channel=event.channel,
                department=event.department,
                status="registered",
                paused_seconds=0.0,
                **dict.fromkeys(
                    (
                        "reopen_count",
                        "handoffs_requested",
                        "handoffs_rejected",
                        "feedback_count",
                        "satisfied_count",
                        "satisfaction_sum",
                        "breach_count",
                    ),
                    0,
                ),
            )
            rows.put(table, row)
            return
        found = rows.get(table, str(event.originator_id))
        if found is None:
            return  # a stream this view never saw registered (cannot happen in one log)
        self._changed(found, event)
        rows.touch(table, found)

    def _changed(self, row: Row, event: Any) -> None:
        at: datetime = event.timestamp
        kind = event.kind.removeprefix("Complaint.")
        if kind == "Classified":
            row.update(
                category=event.category, priority=event.priority, customer_tier=event.customer_tier
            )
        elif kind == "Assigned":
            row["owner"] = event.owner
        elif kind == "Responded" and row["response_seconds"] is None:
            row["response_seconds"] = self._worked(row, at)
        elif kind == "Resolved":
            row["status"] = "resolved"
            if row["resolution_seconds"] is None:
                row["resolution_seconds"] = self._worked(row, at)
        elif kind == "FeedbackRecorded":
            row["feedback_count"] += 1
            row["satisfaction_sum"] += event.satisfaction
            row["satisfied_count"] += 1 if event.satisfaction >= 4 else 0
        elif kind == "Reopened":
            row["status"] = "reopened"
            row["reopen_count"] += 1
        elif kind == "Closed":
            row["status"] = "closed"
        elif kind == "HandoffRequested":
            row["handoffs_requested"] += 1
            row["handoff_to"] = event.to_department
        elif kind == "HandoffRejected":
            row.update(handoffs_rejected=row["handoffs_rejected"] + 1, handoff_to=None)
        elif kind == "HandoffAccepted":
            row.update(owner=event.owner, department=row["handoff_to"])
        elif kind == "HandoffCompleted":
            row.update(owner=event.owner, department=event.department, handoff_to=None)
        elif kind == "AwaitingCustomer":
            row["awaiting_since"] = at
            row["awaiting_pauses"] = getattr(event, "pauses_clocks", True)
        elif kind == "CustomerReplied":
            row["paused_seconds"] += self._paused_until(row, at)
            row["awaiting_since"] = None
        elif kind == "DeadlineBreached":
            row["breach_count"] += 1

    def _paused_until(self, row: Row, at: datetime) -> float:
        """Counted time since the complaint began waiting on the customer (0 when not paused
        or when the policy lets the clocks run while waiting)."""
        since = row["awaiting_since"]
        if since is None or row["awaiting_pauses"] is False:  # NULL: a row from before the column
            return 0.0
        return self.policy.calendar.between(since, at).total_seconds()

    def _worked(self, row: Row, at: datetime) -> float:
        """Counted time from registration to `at`, less the time spent waiting on the customer."""
        counted = self.policy.calendar.between(row["registered_at"], at).total_seconds()
        paused: float = row["paused_seconds"] + self._paused_until(row, at)
        return max(0.0, counted - paused)


def complaint_facts(
    db: ViewDatabase, generation: int, *, since: datetime | None, until: datetime | None
) -> list[Row]:
    """The rows of the complaints registered in [since, until)."""
    return db.select_between(
        CASE_ANALYTICS, generation, "registered_at", since, until, columns=FACT_COLUMNS
    )
