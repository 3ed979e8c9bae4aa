"""What the two handoff read models share: the events they read and a requested handoff's row.

The department queues (`handoff_queue.py`) keep the open handoffs only; the handoff list
(`handoff_list.py`) keeps every handoff and its settlement. Both start a row from the same
`Handoff.Requested` event, with the same columns.
"""

from typing import Any, ClassVar

from ledger.cases.handoff import Handoff
from projections.engine.batch import BatchProjection
from projections.engine.stored_events import ProjectedEvent

# A handoff's columns, before and after its state column (each table names that one itself).
REQUEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("handoff_id", "text"),
    ("complaint_id", "text"),
    ("complaint_reference", "text"),
    ("from_department", "text"),
    ("to_department", "text"),
)
DEADLINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("requested_at", "time"),
    ("accept_due", "time"),
    ("complete_due", "time"),
    ("accepted_by", "text"),
)


class HandoffProjection(BatchProjection):
    """A read model partitioned by handoff, reading its request, acceptance and settlement."""

    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Handoff.Requested,  # type: ignore[attr-defined]
        Handoff.Accepted,  # type: ignore[attr-defined]
        Handoff.Rejected,  # type: ignore[attr-defined]
        Handoff.Completed,  # type: ignore[attr-defined]
    )

    def partition_of(self, event: ProjectedEvent) -> str:
        return str(event.originator_id)


def requested_row(event: ProjectedEvent, *, state_column: str) -> dict[str, Any]:
    """The row a `Handoff.Requested` event starts, in state `requested`."""
    return {
        "handoff_id": str(event.originator_id),
        "complaint_id": str(event.complaint_id),
        "complaint_reference": event.complaint_reference,
        "from_department": event.from_department,
        "to_department": event.to_department,
        state_column: "requested",
        "requested_at": event.timestamp,
        "accept_due": event.accept_due,
        "complete_due": event.complete_due,
        "accepted_by": None,
    }
