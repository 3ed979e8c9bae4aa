"""Every escalation, as the levels it was raised to read their inbox: `GET /v1/escalations`.

A batch projection of the escalations' own streams. What the list shows of a complaint (its
reference, the department whose reporting chain the escalation goes up) is read from the case
status view in the same statement, so a complaint handed to another department shows in that
department's chain at once, as the acknowledging rule (`CHAIN`) judges it.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from ledger.cases.escalation import Escalation
from projections.cases.status_view import CASE_STATUS
from projections.engine.batch import BatchProjection
from projections.engine.keyset import MAX_PAGE_SIZE, Key, Order
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

ESCALATION_INBOX = Table(
    name="escalation_inbox",
    columns=(
        ("escalation_id", "text"),
        ("subject_kind", "text"),
        ("subject_id", "text"),
        ("level", "text"),
        ("status", "text"),
        ("automatic", "bool"),
        ("rule", "text"),
        ("raised_at", "time"),
        ("raised_by", "text"),
        ("acknowledged_at", "time"),
        ("acknowledged_by", "text"),
        ("resolved_at", "time"),
    ),
    key=("escalation_id",),
    partition="escalation_id",
    # The inbox is read longest-waiting first, by level and status: a page is an index range.
    indexes=(
        ("raised_at", "escalation_id"),
        ("level", "raised_at", "escalation_id"),
        ("status", "raised_at", "escalation_id"),
        ("subject_id",),
    ),
)
OPEN = ("raised", "acknowledged")
# The list's columns: the escalation's own, and the case's reference and department.
COLUMNS = (*ESCALATION_INBOX.column_names, "subject_reference", "department")
ORDER = Order("raised_at", "escalation_id")


class EscalationInboxProjection(BatchProjection):
    """Keeps one row per escalation: its level, its state and when each step happened."""

    name = "escalation_inbox"
    tables = (ESCALATION_INBOX,)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Escalation.Raised,  # type: ignore[attr-defined]
        Escalation.Acknowledged,  # type: ignore[attr-defined]
        Escalation.Resolved,  # type: ignore[attr-defined]
    )

    def partition_of(self, event: ProjectedEvent) -> str:
        return str(event.originator_id)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        table, eid = ESCALATION_INBOX.name, str(event.originator_id)
        if event.kind == "Escalation.Raised":
            row: Row = dict.fromkeys(ESCALATION_INBOX.column_names)
            row.update(
                escalation_id=eid,
                subject_kind=event.subject_kind,
                subject_id=str(event.subject_id),
                level=event.level,
                status="raised",
                automatic=bool(event.automatic),
                rule=event.rule,
                raised_at=event.timestamp,
                raised_by=event.actor.staff_id,
            )
            rows.put(table, row)
            return
        found = rows.get(table, eid)
        if found is None:
            return  # a stream this view never saw raised (cannot happen in one log)
        if event.kind == "Escalation.Acknowledged":
            found.update(
                status="acknowledged",
                acknowledged_at=event.timestamp,
                acknowledged_by=event.actor.staff_id,
            )
        else:
            found.update(status="resolved", resolved_at=event.timestamp)
        rows.touch(table, found)


@dataclass(frozen=True)
class EscalationFilter:
    """What a caller may filter the inbox by; None means any.

    `department` is the reporting chain: escalations of complaints that department holds now
    (owns, or has been handed). `status` "open" means raised or acknowledged.
    """

    level: str | None = None
    status: str | None = None
    kind: str | None = None
    department: str | None = None


def list_escalations(
    db: ViewDatabase,
    generations: tuple[int, int],
    filters: EscalationFilter,
    *,
    limit: int,
    after: Key | None = None,
) -> tuple[list[Row], Key | None]:
    """One page of escalations, longest waiting first; the key of its last row if more follow.

    `generations` are those of this view and of the case status view it reads references from.
    """
    inbox, cases = generations
    where: list[str] = []
    params: list[Any] = []
    for column in ("level", "status"):
        value = getattr(filters, column)
        if value == "open":
            where.append("e.status IN ('raised', 'acknowledged')")
        elif value is not None:
            where.append(f"e.{column} = %s")
            params.append(value)
    if filters.kind is not None:
        where.append("e.subject_kind = %s")
        params.append(filters.kind)
    if filters.department is not None:
        where.append("(c.department = %s OR c.handoff_to = %s)")
        params.extend([filters.department, filters.department])
    if after is not None:
        clause, values = ORDER.after(after, prefix="e.")
        where.append(clause)
        params.extend(values)
    own = ", ".join(f"e.{name}" for name in ESCALATION_INBOX.column_names)
    statement = (
        f"SELECT {own}, c.reference, c.department "
        f"FROM {db.physical(ESCALATION_INBOX, inbox)} AS e "
        f"LEFT JOIN {db.physical(CASE_STATUS, cases)} AS c ON c.complaint_id = e.subject_id"
    )
    if where:
        statement += " WHERE " + " AND ".join(where)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    statement += f" {ORDER.sql(prefix='e.')} LIMIT %s"
    params.append(limit + 1)
    rows = db.select(ESCALATION_INBOX, statement, params, columns=COLUMNS)
    return rows[:limit], ORDER.key_of(rows[limit - 1]) if len(rows) > limit else None
