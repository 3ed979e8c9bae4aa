"""Queries on the case status view: the filtered case list and each department's queue.

The list pages by keyset (projections/engine/keyset.py) on (registered_at, complaint_id), newest
first, or on (next_due, complaint_id), soonest deadline first; a page is stable while new
complaints arrive and costs the same at any depth. `q` is an exact match on one of the
non-personal columns (reference, owner, category, department, region): personal data is never
decrypted to search.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.cases.status_view import CASE_STATUS
from projections.engine.keyset import MAX_PAGE_SIZE, Key, Order, page
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase

# What one item of a list or a queue shows (`api.http.routes.cases.case_body`): 27 of the
# row's 44 columns.
# A page is 50 rows and each value costs CPU to read in, under the GIL every request thread
# shares; the counters and milestones the list does not show are read by `get_case` alone.
LIST_COLUMNS = (
    "complaint_id",
    "reference",
    "status",
    "channel",
    "category",
    "priority",
    "customer_tier",
    "department",
    "owner",
    "handoff_id",
    "handoff_to",
    "handoff_accepted",
    "handoff_requested_at",
    "handoff_accept_due",
    "handoff_complete_due",
    "escalation_level",
    "registered_at",
    "first_response_due",
    "written_reply_due",
    "resolution_due",
    "next_due",
    "awaiting_customer_since",
    "awaiting_customer_pauses",
    "breaches",
    "breach_count",
    "incident_id",
    "last_activity_at",
    "version",
)
_LIST_SELECT = ", ".join(LIST_COLUMNS)


@dataclass(frozen=True)
class CaseFilter:
    """What a caller may filter the case list by; None means any."""

    status: str | None = None
    department: str | None = None
    priority: str | None = None
    category: str | None = None
    owner: str | None = None
    breached: bool | None = None
    due_before: datetime | None = None
    q: str | None = None


# How a list may be sorted: newest registered first, or the soonest open deadline first.
LIST_ORDERS = {
    "registered": Order("registered_at", "complaint_id", descending=True),
    "due": Order("next_due", "complaint_id", empty_last=True),
}
# A department's queue: oldest registered first, or the soonest open deadline first.
QUEUE_ORDERS = {
    "registered": Order("registered_at", "complaint_id"),
    "due": Order("next_due", "complaint_id", empty_last=True),
}


def _breached_sql(now: datetime, params: list[Any]) -> str:
    params.append(now)
    return (
        "(breach_count > 0 OR ((awaiting_customer_since IS NULL OR awaiting_customer_pauses "
        "IS FALSE) AND next_due IS NOT NULL AND next_due <= %s))"
    )


def list_cases(
    db: ViewDatabase,
    generation: int,
    filters: CaseFilter,
    *,
    now: datetime,
    limit: int,
    sort: str = "registered",
    after: Key | None = None,
) -> tuple[list[Row], Key | None]:
    """One page of cases (their `LIST_COLUMNS`) in the `sort` order, and the key of its last
    row when another page follows (None on the last page)."""
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "department", "priority", "category", "owner"):
        value = getattr(filters, column)
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if filters.breached is not None:
        clause = _breached_sql(now, params)
        where.append(clause if filters.breached else f"NOT {clause}")
    if filters.due_before is not None:
        where.append("next_due < %s")
        params.append(filters.due_before)
    if filters.q:
        # Exact matches only, each on an indexed column, so a search stays an index lookup.
        text = filters.q.strip()
        where.append(
            "(reference = %s OR owner = %s OR category = %s OR region = %s OR department = %s)"
        )
        params.extend([text.upper(), text, text.lower(), text, text.lower()])
    return page(
        db,
        CASE_STATUS,
        generation,
        columns=LIST_COLUMNS,
        where=where,
        params=params,
        order=LIST_ORDERS[sort],
        after=after,
        limit=limit,
    )


def department_queue(
    db: ViewDatabase,
    generation: int,
    department: str,
    *,
    limit: int,
    sort: str = "registered",
    after: Key | None = None,
) -> tuple[list[Row], Key | None]:
    """Open cases (their `LIST_COLUMNS`) the department owns or has been handed, oldest (or
    soonest due) first; and the key of the page's last row when another page follows."""
    table = db.physical(CASE_STATUS, generation)
    order = QUEUE_ORDERS[sort]
    keyset, key_params = order.after(after) if after is not None else ("TRUE", [])
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    # Two ordered index scans (owned, handed) merged, instead of one OR that must sort them all.
    # The handed branch leaves out what the department owns, so the two never share a row and
    # UNION ALL needs no de-duplication (which hashed every column of every row).
    statement = (
        f"SELECT * FROM (SELECT * FROM (SELECT {_LIST_SELECT} FROM {table} WHERE department = %s "
        f"AND status <> 'closed' AND {keyset} {order.sql()} LIMIT %s) AS owned UNION ALL "
        f"SELECT * FROM (SELECT {_LIST_SELECT} FROM {table} WHERE handoff_to = %s "
        f"AND status <> 'closed' AND department IS DISTINCT FROM %s AND {keyset} "
        f"{order.sql()} LIMIT %s) AS handed) AS queue {order.sql()} LIMIT %s"
    )
    params = [department, *key_params, limit + 1]
    params += [department, department, *key_params, limit + 1, limit + 1]
    rows = db.select(CASE_STATUS, statement, params, columns=LIST_COLUMNS)
    return rows[:limit], order.key_of(rows[limit - 1]) if len(rows) > limit else None


def get_case(db: ViewDatabase, generation: int, complaint_id: str) -> Row | None:
    """One case's whole row, or None."""
    rows = db.select(
        CASE_STATUS,
        f"SELECT {CASE_STATUS.select_list} FROM {db.physical(CASE_STATUS, generation)} "
        f"WHERE complaint_id = %s",
        (complaint_id,),
    )
    return rows[0] if rows else None
