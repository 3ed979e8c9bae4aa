"""Each department's open handoffs, oldest first, with their accept and complete deadlines."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Composed, Identifier, Placeholder

from ledger.handoff import Handoff

TRACKING_NAME = "ledger.handoff_queue"


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


class HandoffQueueView(TrackingRecorder, ABC):
    """The open-handoff table; each change commits with its tracking record."""

    @abstractmethod
    def add(self, handoff: QueuedHandoff, tracking: Tracking) -> None: ...

    @abstractmethod
    def mark_accepted(self, handoff_id: UUID, accepted_by: str, tracking: Tracking) -> None: ...

    @abstractmethod
    def remove(self, handoff_id: UUID, tracking: Tracking) -> None: ...

    @abstractmethod
    def ignore(self, tracking: Tracking) -> None: ...

    @abstractmethod
    def open_for(self, department: str, *, limit: int) -> list[QueuedHandoff]: ...


_COLUMNS = (
    "handoff_id",
    "complaint_id",
    "complaint_reference",
    "from_department",
    "to_department",
    "status",
    "requested_at",
    "accept_due",
    "complete_due",
    "accepted_by",
)


def _row_to_handoff(row: Any, parse_time: Callable[[Any], datetime]) -> QueuedHandoff:
    return QueuedHandoff(
        handoff_id=UUID(str(row["handoff_id"])),
        complaint_id=UUID(str(row["complaint_id"])),
        complaint_reference=row["complaint_reference"],
        from_department=row["from_department"],
        to_department=row["to_department"],
        status=row["status"],
        requested_at=parse_time(row["requested_at"]),
        accept_due=parse_time(row["accept_due"]),
        complete_due=parse_time(row["complete_due"]),
        accepted_by=row["accepted_by"],
    )


def _values(handoff: QueuedHandoff) -> tuple[Any, ...]:
    return tuple(getattr(handoff, column) for column in _COLUMNS)


class SQLiteHandoffQueueView(SQLiteTrackingRecorder, HandoffQueueView):
    """The queue in the embedded SQLite file, beside the events."""

    _insert = (
        "INSERT INTO handoff_queue (handoff_id, complaint_id, complaint_reference, "
        "from_department, to_department, status, requested_at, accept_due, complete_due, "
        "accepted_by) VALUES (?,?,?,?,?,?,?,?,?,?)"
    )
    _select = (
        "SELECT handoff_id, complaint_id, complaint_reference, from_department, to_department, "
        "status, requested_at, accept_due, complete_due, accepted_by FROM handoff_queue "
        "WHERE to_department = ? ORDER BY requested_at, handoff_id LIMIT ?"
    )

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS handoff_queue (handoff_id TEXT PRIMARY KEY, "
            "complaint_id TEXT NOT NULL, complaint_reference TEXT NOT NULL, "
            "from_department TEXT NOT NULL, to_department TEXT NOT NULL, status TEXT NOT NULL, "
            "requested_at TEXT NOT NULL, accept_due TEXT NOT NULL, complete_due TEXT NOT NULL, "
            "accepted_by TEXT)",
            "CREATE INDEX IF NOT EXISTS handoff_queue_by_department "
            "ON handoff_queue (to_department, requested_at)",
        ]

    def _write(self, statement: str | None, params: tuple[Any, ...], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            if statement:
                c.execute(statement, params)
            self._insert_tracking(c, tracking)

    def add(self, handoff: QueuedHandoff, tracking: Tracking) -> None:
        values = tuple(
            v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, UUID) else v
            for v in _values(handoff)
        )
        self._write(self._insert, values, tracking)

    def mark_accepted(self, handoff_id: UUID, accepted_by: str, tracking: Tracking) -> None:
        self._write(
            "UPDATE handoff_queue SET status = 'accepted', accepted_by = ? WHERE handoff_id = ?",
            (accepted_by, str(handoff_id)),
            tracking,
        )

    def remove(self, handoff_id: UUID, tracking: Tracking) -> None:
        self._write("DELETE FROM handoff_queue WHERE handoff_id = ?", (str(handoff_id),), tracking)

    def ignore(self, tracking: Tracking) -> None:
        self._write(None, (), tracking)

    def open_for(self, department: str, *, limit: int) -> list[QueuedHandoff]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._select, (department, limit))
            rows = c.fetchall()
        return [_row_to_handoff(row, datetime.fromisoformat) for row in rows]


class PostgresHandoffQueueView(PostgresTrackingRecorder, HandoffQueueView):
    """The queue in PostgreSQL, in the ledger's schema."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name="ledger_projection_tracking")
        table = Identifier(datastore.schema, "handoff_queue")
        columns = SQL(", ").join(Identifier(c) for c in _COLUMNS)
        self.sql_create_statements.extend(
            [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {table} (handoff_id uuid PRIMARY KEY, "
                    "complaint_id uuid NOT NULL, complaint_reference text NOT NULL, "
                    "from_department text NOT NULL, to_department text NOT NULL, "
                    "status text NOT NULL, requested_at timestamptz NOT NULL, "
                    "accept_due timestamptz NOT NULL, complete_due timestamptz NOT NULL, "
                    "accepted_by text)"
                ).format(table=table),
                SQL(
                    "CREATE INDEX IF NOT EXISTS handoff_queue_by_department "
                    "ON {table} (to_department, requested_at)"
                ).format(table=table),
            ]
        )
        self._insert = SQL("INSERT INTO {table} ({columns}) VALUES ({values})").format(
            table=table, columns=columns, values=SQL(", ").join(Placeholder() * len(_COLUMNS))
        )
        self._accept = SQL(
            "UPDATE {table} SET status = 'accepted', accepted_by = %s WHERE handoff_id = %s"
        ).format(table=table)
        self._remove = SQL("DELETE FROM {table} WHERE handoff_id = %s").format(table=table)
        self._select = SQL(
            "SELECT {columns} FROM {table} WHERE to_department = %s "
            "ORDER BY requested_at, handoff_id LIMIT %s"
        ).format(table=table, columns=columns)

    def _write(
        self, statement: Composed | None, params: tuple[Any, ...], tracking: Tracking
    ) -> None:
        with self.datastore.transaction(commit=True) as c:
            if statement is not None:
                c.execute(statement, params)
            self._insert_tracking(c, tracking)

    def add(self, handoff: QueuedHandoff, tracking: Tracking) -> None:
        self._write(self._insert, _values(handoff), tracking)

    def mark_accepted(self, handoff_id: UUID, accepted_by: str, tracking: Tracking) -> None:
        self._write(self._accept, (accepted_by, handoff_id), tracking)

    def remove(self, handoff_id: UUID, tracking: Tracking) -> None:
        self._write(self._remove, (handoff_id,), tracking)

    def ignore(self, tracking: Tracking) -> None:
        self._write(None, (), tracking)

    def open_for(self, department: str, *, limit: int) -> list[QueuedHandoff]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._select, (department, limit))
            rows = c.fetchall()
        return [_row_to_handoff(row, lambda value: value) for row in rows]


class HandoffQueueProjection(Projection[HandoffQueueView]):
    """Keeps each department's queue of handoffs waiting to be accepted or completed."""

    name = "handoff_queue"
    topics = (
        get_topic(Handoff.Requested),  # type: ignore[attr-defined]
        get_topic(Handoff.Accepted),  # type: ignore[attr-defined]
        get_topic(Handoff.Rejected),  # type: ignore[attr-defined]
        get_topic(Handoff.Completed),  # type: ignore[attr-defined]
    )

    @singledispatchmethod
    def process_event(self, domain_event: DomainEventProtocol[Any], tracking: Tracking) -> None:
        self.view.ignore(tracking)

    @process_event.register
    def _(self, event: Handoff.Requested, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.add(
            QueuedHandoff(
                handoff_id=event.originator_id,
                complaint_id=event.complaint_id,
                complaint_reference=event.complaint_reference,
                from_department=event.from_department,
                to_department=event.to_department,
                status="requested",
                requested_at=event.timestamp,
                accept_due=event.accept_due,
                complete_due=event.complete_due,
                accepted_by=None,
            ),
            tracking,
        )

    @process_event.register
    def _(self, event: Handoff.Accepted, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.mark_accepted(event.originator_id, event.actor.staff_id, tracking)

    @process_event.register(Handoff.Rejected)  # type: ignore[attr-defined]
    @process_event.register(Handoff.Completed)  # type: ignore[attr-defined]
    def _(self, event: Any, tracking: Tracking) -> None:
        self.view.remove(event.originator_id, tracking)


def handoff_queue_view_for(datastore: SQLiteDatastore | PostgresDatastore) -> HandoffQueueView:
    """The view in the same database as the events, creating its tables if needed."""
    view: HandoffQueueView
    if isinstance(datastore, PostgresDatastore):
        view = PostgresHandoffQueueView(datastore)
    else:
        view = SQLiteHandoffQueueView(datastore)
    view.create_table()
    return view
