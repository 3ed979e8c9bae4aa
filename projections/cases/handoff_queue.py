"""Each department's open handoffs, oldest first, with their accept and complete deadlines.

A batch projection like the others (exactly once, rebuildable, run by the worker): a handoff
enters its receiving department's queue when requested and leaves it when rejected or completed.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from projections.cases.handoff_rows import (
    DEADLINE_COLUMNS,
    REQUEST_COLUMNS,
    HandoffProjection,
    requested_row,
)
from projections.engine.keyset import Key, Order, page
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Table
from projections.engine.viewdb import ViewDatabase


@dataclass(frozen=True)
class QueuedHandoff:
    """One open handoff as the receiving department sees it."""

    handoff_id: UUID
    complaint_id: UUID
    complaint_reference: str
    from_department: str
    to_department: str
    status: str
    requested_at: datetime
    accept_due: datetime
    complete_due: datetime
    accepted_by: str | None


HANDOFF_QUEUE = Table(
    name="handoff_queue",
    columns=(*REQUEST_COLUMNS, ("status", "text"), *DEADLINE_COLUMNS),
    key=("handoff_id",),
    partition="handoff_id",
    indexes=(("to_department", "requested_at"),),
)


class HandoffQueueProjection(HandoffProjection):
    """Keeps each department's queue of handoffs waiting to be accepted or completed."""

    name = "handoff_queue"
    tables = (HANDOFF_QUEUE,)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        table, hid = HANDOFF_QUEUE.name, str(event.originator_id)
        if event.kind == "Handoff.Requested":
            rows.put(table, requested_row(event, state_column="status"))
        elif event.kind == "Handoff.Accepted":
            row = rows.get(table, hid)
            if row is not None:
                row.update(status="accepted", accepted_by=event.actor.staff_id)
                rows.touch(table, row)
        else:
            rows.delete(table, hid)


QUEUE_ORDER = Order("requested_at", "handoff_id")


def open_for(
    db: ViewDatabase,
    generation: int,
    department: str,
    *,
    limit: int,
    after: Key | None = None,
) -> tuple[list[QueuedHandoff], Key | None]:
    """A page of a department's open handoffs, oldest first; the key of its last if more
    follow."""
    rows, key = page(
        db,
        HANDOFF_QUEUE,
        generation,
        columns=HANDOFF_QUEUE.column_names,
        where=["to_department = %s"],
        params=[department],
        order=QUEUE_ORDER,
        after=after,
        limit=limit,
    )
    queued = [
        QueuedHandoff(
            **{
                **row,
                "handoff_id": UUID(row["handoff_id"]),
                "complaint_id": UUID(row["complaint_id"]),
            }
        )
        for row in rows
    ]
    return queued, key
