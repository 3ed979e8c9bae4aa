"""The outbox: every notice asked for or raised, and every notification with its delivery state.

A batch projection like the others (exactly once, rebuildable, run by the worker). Rules turn
events into notices waiting to be raised (`notices`, raised = false); a notice's own events
raise it (its recipients become rows of `outbox`, one per notification id) and record each
attempt, so the delivery state is rebuilt from the log like any view: a rebuild sends nothing
twice. Rows are partitioned by notice id, which every notice event and every rule knows.
"""

import json
from typing import Any, ClassVar

from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.incidents.incident import Incident
from ledger.notifications.notice import (
    DEAD,
    DELIVERED,
    FAILED,
    PENDING,
    Notice,
    notification_id_for,
)
from ledger.policy.service_policy import Policy
from projections.engine.batch import BatchProjection
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Table
from projections.notifications.rules import pending_for

NOTICES = Table(
    name="notices",
    columns=(
        ("notice_id", "text"),
        ("source", "text"),
        ("rule", "text"),
        ("record_kind", "text"),
        ("record_id", "text"),
        ("due", "time"),
        ("facts", "text"),
        ("asked_at", "time"),
        ("raised", "bool"),
    ),
    key=("notice_id",),
    partition="notice_id",
    indexes=(("raised", "asked_at"), ("record_id",)),
)

OUTBOX = Table(
    name="outbox",
    columns=(
        ("notification_id", "text"),
        ("notice_id", "text"),
        ("recipient", "text"),
        ("kind", "text"),
        ("record_id", "text"),
        ("state", "text"),
        ("attempts", "int"),
        ("round_attempts", "int"),
        ("next_attempt_at", "time"),
        ("last_status", "int"),
        ("last_at", "time"),
    ),
    key=("notification_id",),
    partition="notice_id",
    indexes=(("state", "next_attempt_at"), ("record_id",)),
)

_ATTEMPTS = {
    "Notice.Delivered": DELIVERED,
    "Notice.DeliveryFailed": FAILED,
    "Notice.DeadLettered": DEAD,
}


class OutboxProjection(BatchProjection):
    """Keeps the notices waiting to be raised and every notification's delivery state."""

    name = "outbox"
    tables = (NOTICES, OUTBOX)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Handoff.Requested,  # type: ignore[attr-defined]
        Complaint.DeadlineBreached,
        Complaint.Resolved,
        Escalation.Raised,  # type: ignore[attr-defined]
        Incident.Reported,  # type: ignore[attr-defined]
        Incident.Assessed,
        Incident.LevelChanged,
        Incident.DeadlineBreached,
        Notice.Raised,  # type: ignore[attr-defined]
        Notice.Delivered,
        Notice.DeliveryFailed,
        Notice.DeadLettered,
        Notice.Replayed,
    )

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def partition_of(self, event: ProjectedEvent) -> str:
        if event.kind.startswith("Notice."):
            return str(event.originator_id)
        pending = pending_for(event, self.policy.notifications)
        return str(pending.notice_id if pending else event.originator_id)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        kind = event.kind
        if not kind.startswith("Notice."):
            self._ask(rows, event)
        elif kind == "Notice.Raised":
            self._raise(rows, event)
        elif kind in _ATTEMPTS:
            row = rows.get(OUTBOX.name, str(event.notification_id))
            if row is None:
                return
            state = _ATTEMPTS[kind]
            row.update(
                state=state,
                attempts=row["attempts"] + 1,
                round_attempts=row["round_attempts"] + 1,
                next_attempt_at=event.retry_at if state == FAILED else None,
                last_status=event.status,
                last_at=event.timestamp,
            )
            rows.touch(OUTBOX.name, row)
        elif kind == "Notice.Replayed":
            row = rows.get(OUTBOX.name, str(event.notification_id))
            if row is not None:
                row.update(state=PENDING, round_attempts=0, next_attempt_at=event.timestamp)
                rows.touch(OUTBOX.name, row)

    def _ask(self, rows: RowSet, event: ProjectedEvent) -> None:
        pending = pending_for(event, self.policy.notifications)
        if pending is None or rows.get(NOTICES.name, str(pending.notice_id)) is not None:
            return
        rows.put(
            NOTICES.name,
            {
                "notice_id": str(pending.notice_id),
                "source": pending.source,
                "rule": pending.rule,
                "record_kind": pending.record_kind,
                "record_id": str(pending.record_id),
                "due": pending.due,
                "facts": json.dumps(pending.facts, sort_keys=True),
                "asked_at": event.timestamp,
                "raised": False,
            },
        )

    def _raise(self, rows: RowSet, event: ProjectedEvent) -> None:
        notice_id = str(event.originator_id)
        rows.put(
            NOTICES.name,
            {
                "notice_id": notice_id,
                "source": event.source,
                "rule": event.rule,
                "record_kind": event.record_kind,
                "record_id": str(event.record_id),
                "due": event.due,
                "facts": json.dumps(event.facts, sort_keys=True),
                "asked_at": event.timestamp,
                "raised": True,
            },
        )
        for recipient in event.recipients:
            rows.put(
                OUTBOX.name,
                {
                    "notification_id": str(notification_id_for(event.originator_id, recipient)),
                    "notice_id": notice_id,
                    "recipient": recipient,
                    "kind": event.rule,
                    "record_id": str(event.record_id),
                    "state": PENDING,
                    "attempts": 0,
                    "round_attempts": 0,
                    "next_attempt_at": event.timestamp,
                    "last_status": None,
                    "last_at": None,
                },
            )
