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
from datetime import datetime
from typing import Any

from ledger.errors import LedgerError
from projections.status_view import CASE_STATUS
from projections.viewdb import Row, ViewDatabase, parse_time

MAX_LIMIT = 200


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
        return parse_time(str(registered_at)), str(complaint_id)
    except (ValueError, TypeError, binascii.Error):
        raise BadCursorError("the cursor is not one this service handed out") from None


def _breached_sql(db: ViewDatabase, now: datetime, params: list[Any]) -> str:
    params.append(db.time_param(now))
    return (
        "(breach_count > 0 OR (awaiting_customer_since IS NULL AND next_due IS NOT NULL "
        f"AND next_due <= {db.p}))"
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
    """One page of cases, newest first, and the cursor of the next page (None at the end)."""
    p = db.p
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "department", "priority", "category", "owner"):
        value = getattr(filters, column)
        if value is not None:
            where.append(f"{column} = {p}")
            params.append(value)
    if filters.breached is not None:
        clause = _breached_sql(db, now, params)
        where.append(clause if filters.breached else f"NOT {clause}")
    if filters.due_before is not None:
        where.append(f"next_due < {p}")
        params.append(db.time_param(filters.due_before))
    if filters.q:
        # Exact matches only, each on an indexed column, so a search stays an index lookup.
        text = filters.q.strip()
        where.append(
            f"(reference = {p} OR owner = {p} OR category = {p} OR region = {p} "
            f"OR department = {p})"
        )
        params.extend([text.upper(), text, text.lower(), text, text.lower()])
    if after is not None:
        registered_at, complaint_id = decode_cursor(after)
        where.append(f"(registered_at, complaint_id) < ({p}, {p})")
        params.extend([db.time_param(registered_at), complaint_id])
    limit = max(1, min(limit, MAX_LIMIT))
    statement = f"SELECT * FROM {db.physical(CASE_STATUS, generation)}"
    if where:
        statement += " WHERE " + " AND ".join(where)
    statement += f" ORDER BY registered_at DESC, complaint_id DESC LIMIT {p}"
    params.append(limit + 1)
    rows = db.select(CASE_STATUS, statement, params)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None


def department_queue(
    db: ViewDatabase, generation: int, department: str, *, limit: int
) -> list[Row]:
    """Open cases the department owns or has been handed, oldest first."""
    p = db.p
    table = db.physical(CASE_STATUS, generation)
    order = "ORDER BY registered_at, complaint_id"
    # Two ordered index scans (owned, handed) merged, instead of one OR that must sort them all.
    # The handed branch leaves out what the department owns, so the two never share a row and
    # UNION ALL needs no de-duplication (which hashed every column of every row).
    statement = (
        f"SELECT * FROM (SELECT * FROM {table} WHERE department = {p} AND status <> 'closed' "
        f"{order} LIMIT {p}) AS owned UNION ALL "
        f"SELECT * FROM (SELECT * FROM {table} WHERE handoff_to = {p} AND status <> 'closed' "
        f"AND department IS DISTINCT FROM {p} {order} LIMIT {p}) AS handed {order} LIMIT {p}"
    )
    limit = max(1, min(limit, MAX_LIMIT))
    return db.select(
        CASE_STATUS, statement, (department, limit, department, department, limit, limit)
    )


def get_case(db: ViewDatabase, generation: int, complaint_id: str) -> Row | None:
    p = db.p
    rows = db.select(
        CASE_STATUS,
        f"SELECT * FROM {db.physical(CASE_STATUS, generation)} WHERE complaint_id = {p}",
        (complaint_id,),
    )
    return rows[0] if rows else None
