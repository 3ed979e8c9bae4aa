"""Every handoff between departments, open or settled: the list behind `GET /v1/handoffs`.

A batch projection like the others (exactly once, rebuildable, run by the worker). Unlike the
department queues (`handoff_queue.py`), a row stays when its handoff is rejected or completed, so
a department finds what it sent and received, and when. `next_due` is the deadline still to be
met: the acceptance while requested, the completion once accepted, none once settled.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.cases.handoff_rows import (
    DEADLINE_COLUMNS,
    REQUEST_COLUMNS,
    HandoffProjection,
    requested_row,
)
from projections.engine.keyset import Key, Order, due_order, overdue_filter, page
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

HANDOFF_LIST = Table(
    name="handoff_list",
    columns=(
        *REQUEST_COLUMNS,
        ("state", "text"),
        *DEADLINE_COLUMNS,
        ("accepted_at", "time"),
        ("settled_at", "time"),
        ("next_due", "time"),
    ),
    key=("handoff_id",),
    partition="handoff_id",
    # Each filter's index ends with the order's columns: a page is one index range scan.
    indexes=(
        ("requested_at", "handoff_id"),
        ("to_department", "requested_at", "handoff_id"),
        ("from_department", "requested_at", "handoff_id"),
        ("state", "requested_at", "handoff_id"),
    ),
    expression_indexes=(("due_order", f"({due_order('next_due')}), handoff_id"),),
)
COLUMNS = HANDOFF_LIST.column_names
DIRECTIONS = ("in", "out", "any")
ORDERS = {
    "requested": Order("requested_at", "handoff_id", descending=True),
    "due": Order("next_due", "handoff_id", empty_last=True),
}


class HandoffListProjection(HandoffProjection):
    """Keeps one row per handoff, from its request to its settlement."""

    name = "handoff_list"
    tables = (HANDOFF_LIST,)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        table, hid = HANDOFF_LIST.name, str(event.originator_id)
        if event.kind == "Handoff.Requested":
            started = requested_row(event, state_column="state")
            started.update(accepted_at=None, settled_at=None, next_due=event.accept_due)
            rows.put(table, started)
            return
        row = rows.get(table, hid)
        if row is None:
            return  # a stream this view never saw requested (cannot happen in one log)
        if event.kind == "Handoff.Accepted":
            row.update(
                state="accepted",
                accepted_by=event.actor.staff_id,
                accepted_at=event.timestamp,
                next_due=row["complete_due"],
            )
        else:
            state = "rejected" if event.kind == "Handoff.Rejected" else "completed"
            row.update(state=state, settled_at=event.timestamp, next_due=None)
        rows.touch(table, row)


@dataclass(frozen=True)
class HandoffFilter:
    """What a caller may filter the handoff list by; None means any."""

    department: str | None = None
    direction: str = "any"  # in: sent to `department`; out: sent by it; any: either
    state: str | None = None
    overdue: bool | None = None


def list_handoffs(
    db: ViewDatabase,
    generation: int,
    filters: HandoffFilter,
    *,
    now: datetime,
    limit: int,
    sort: str = "requested",
    after: Key | None = None,
) -> tuple[list[Row], Key | None]:
    """One page of handoffs in the `sort` order, and the key of its last row if more follow."""
    where: list[str] = []
    params: list[Any] = []
    if filters.department is not None:
        if filters.direction == "in":
            where.append("to_department = %s")
        elif filters.direction == "out":
            where.append("from_department = %s")
        else:
            where.append("(to_department = %s OR from_department = %s)")
            params.append(filters.department)
        params.append(filters.department)
    if filters.state is not None:
        where.append("state = %s")
        params.append(filters.state)
    if filters.overdue is not None:
        where.append(overdue_filter(filters.overdue))
        params.append(now)
    return page(
        db,
        HANDOFF_LIST,
        generation,
        columns=COLUMNS,
        where=where,
        params=params,
        order=ORDERS[sort],
        after=after,
        limit=limit,
    )
