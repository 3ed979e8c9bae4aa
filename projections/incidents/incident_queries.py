"""Reading the incident worklist (`incident_list`): one filtered, scoped page at a time."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.engine.keyset import Key, Order, overdue_filter, page
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase
from projections.incidents.incident_list import INCIDENT_LIST

COLUMNS = tuple(c for c in INCIDENT_LIST.column_names if c not in ("parties", "roles"))
ORDERS = {
    "reported": Order("reported_at", "incident_id", descending=True),
    "due": Order("next_due", "incident_id", empty_last=True),
}


@dataclass(frozen=True)
class IncidentFilter:
    """What a caller may filter the incident list by; None means any."""

    status: str | None = None
    level: str | None = None
    department: str | None = None  # among the departments involved
    overdue: bool | None = None  # a phase deadline or an action item past due
    q: str | None = None  # the reference, or a part of the title


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_incidents(
    db: ViewDatabase,
    generation: int,
    filters: IncidentFilter,
    *,
    now: datetime,
    limit: int,
    sort: str = "reported",
    scope: tuple[str, str | None] | None = None,
    after: Key | None = None,
) -> tuple[list[Row], Key | None]:
    """One page of incidents in the `sort` order, and the key of its last row if more follow.

    `scope` (department, staff id) confines the list to the incidents they may read.
    """
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "level"):
        value = getattr(filters, column)
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if filters.department is not None:
        where.append("departments LIKE %s")
        params.append(_like(f",{filters.department},"))
    if filters.overdue is not None:
        where.append(overdue_filter(filters.overdue))
        params.append(now)
    if filters.q:
        text = filters.q.strip()
        where.append("(reference = %s OR title ILIKE %s)")
        params.extend([text.upper(), _like(text)])
    if scope is not None:
        department, staff_id = scope
        where.append("(parties LIKE %s OR parties LIKE %s)")
        params.extend([_like(f",d:{department},"), _like(f",s:{staff_id},")])
    return page(
        db,
        INCIDENT_LIST,
        generation,
        columns=COLUMNS,
        where=where,
        params=params,
        order=ORDERS[sort],
        after=after,
        limit=limit,
    )


def references(db: ViewDatabase, generation: int, ids: list[str]) -> dict[str, str]:
    """The references of the given incidents, by id."""
    rows = db.select_partitions(INCIDENT_LIST, generation, ids)
    return {row["incident_id"]: row["reference"] for row in rows}
