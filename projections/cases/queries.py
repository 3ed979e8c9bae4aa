"""Queries on the case status view: the filtered case list and each department's queue.

The list pages by keyset on (registered_at, complaint_id), newest first, so a page is stable
while new complaints arrive and costs the same at any depth. `q` is an exact match on one of the
non-personal columns (reference, owner, category, department, region): personal data is never
decrypted to search.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.errors import LedgerError
from projections.cases.status_view import CASE_STATUS
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase

MAX_LIMIT = 200

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
    "breaches",
    "breach_count",
    "incident_id",
    "last_activity_at",
    "version",
)
_LIST_SELECT = ", ".join(LIST_COLUMNS)


class BadCursorError(LedgerError):
    """A page cursor this service did not hand out."""


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


def encode_cursor(row: Row) -> str:
    raw = json.dumps([row["registered_at"].isoformat(), row["complaint_id"]])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        registered_at, complaint_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(str(registered_at)).astimezone(UTC), str(complaint_id)
    except (ValueError, TypeError, binascii.Error):
        raise BadCursorError("the cursor is not one this service handed out") from None


def _breached_sql(db: ViewDatabase, now: datetime, params: list[Any]) -> str:
    params.append(now)
    return (
        "(breach_count > 0 OR (awaiting_customer_since IS NULL AND next_due IS NOT NULL "
        "AND next_due <= %s))"
    )


def list_cases(
    db: ViewDatabase,
    generation: int,
    filters: CaseFilter,
    *,
    now: datetime,
    limit: int,
    after: str | None = None,
) -> tuple[list[Row], str | None]:
    """One page of cases (their `LIST_COLUMNS`), newest first, and the next page's cursor.

    The cursor is None on the last page.
    """
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "department", "priority", "category", "owner"):
        value = getattr(filters, column)
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if filters.breached is not None:
        clause = _breached_sql(db, now, params)
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
    if after is not None:
        registered_at, complaint_id = decode_cursor(after)
        where.append("(registered_at, complaint_id) < (%s, %s)")
        params.extend([registered_at, complaint_id])
    limit = max(1, min(limit, MAX_LIMIT))
    statement = f"SELECT {_LIST_SELECT} FROM {db.physical(CASE_STATUS, generation)}"
    if where:
        statement += " WHERE " + " AND ".join(where)
    statement += " ORDER BY registered_at DESC, complaint_id DESC LIMIT %s"
    params.append(limit + 1)
    rows = db.select(CASE_STATUS, statement, params, columns=LIST_COLUMNS)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None


def department_queue(
    db: ViewDatabase, generation: int, department: str, *, limit: int
) -> list[Row]:
    """Open cases (their `LIST_COLUMNS`) the department owns or has been handed, oldest first."""
    table = db.physical(CASE_STATUS, generation)
    order = "ORDER BY registered_at, complaint_id"
    # Two ordered index scans (owned, handed) merged, instead of one OR that must sort them all.
    # The handed branch leaves out what the department owns, so the two never share a row and
    # UNION ALL needs no de-duplication (which hashed every column of every row).
    statement = (
        f"SELECT * FROM (SELECT {_LIST_SELECT} FROM {table} WHERE department = %s "
        f"AND status <> 'closed' {order} LIMIT %s) AS owned UNION ALL "
        f"SELECT * FROM (SELECT {_LIST_SELECT} FROM {table} WHERE handoff_to = %s "
        "AND status <> 'closed' "
        f"AND department IS DISTINCT FROM %s {order} LIMIT %s) AS handed {order} LIMIT %s"
    )
    limit = max(1, min(limit, MAX_LIMIT))
    return db.select(
        CASE_STATUS,
        statement,
        (department, limit, department, department, limit, limit),
        columns=LIST_COLUMNS,
    )


def get_case(db: ViewDatabase, generation: int, complaint_id: str) -> Row | None:
    """One case's whole row, or None."""
    rows = db.select(
        CASE_STATUS,
        f"SELECT {CASE_STATUS.select_list} FROM {db.physical(CASE_STATUS, generation)} "
        f"WHERE complaint_id = %s",
        (complaint_id,),
    )
    return rows[0] if rows else None
