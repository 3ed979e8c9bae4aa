"""The outbox: every notice asked for or raised, and every notification with its delivery state.

A batch projection like the others (exactly once, rebuildable, run by the worker). Rules turn
events into notices waiting to be raised (`notices`, raised = false); a notice's own events
raise it (its recipients become rows of `outbox`, one per notification id) and record each
attempt, so the delivery state is rebuilt from the log like any view: a rebuild sends nothing
twice. Rows are partitioned by notice id, which every notice event and every rule knows.

Beside them, the escalations still waiting to be acknowledged (`escalation_waits`, by
escalation id): the notifier's clock finds those waiting past the policy's limit. A row goes
when its escalation is acknowledged or resolved, or once a notice about its wait is raised.
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
from ledger.policy.notification_policy import TIMED
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

ESCALATION_WAITS = Table(
    name="escalation_waits",
    columns=(
        ("escalation_id", "text"),
        ("subject_kind", "text"),
        ("subject_id", "text"),
        ("level", "text"),
        ("raised_at", "time"),
    ),
    key=("escalation_id",),
    partition="escalation_id",
    indexes=(("raised_at",),),
)

_ATTEMPTS = {
    "Notice.Delivered": DELIVERED,
    "Notice.DeliveryFailed": FAILED,
    "Notice.DeadLettered": DEAD,
}


class OutboxProjection(BatchProjection):
    """Keeps the notices waiting to be raised and every notification's delivery state."""

    name = "outbox"
    tables = (NOTICES, OUTBOX, ESCALATION_WAITS)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Handoff.Requested,  # type: ignore[attr-defined]
        Complaint.DeadlineBreached,
        Complaint.DeadlineWarned,
        Complaint.Resolved,
        Escalation.Raised,  # type: ignore[attr-defined]
        Escalation.Acknowledged,  # type: ignore[attr-defined]
        Escalation.Resolved,  # type: ignore[attr-defined]
        Incident.Reported,  # type: ignore[attr-defined]
        Incident.Assessed,
        Incident.LevelChanged,
        Incident.DeadlineBreached,
        Incident.DeadlineWarned,
        Notice.Raised,
        Notice.Delivered,
        Notice.DeliveryFailed,
        Notice.DeadLettered,
        Notice.Replayed,
    )

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def partition_of(self, event: ProjectedEvent) -> str:
        return self.partitions_of(event)[0]

    def partitions_of(self, event: ProjectedEvent) -> tuple[str, ...]:
        kind = event.kind
        if kind.startswith("Escalation.") and kind != "Escalation.Raised":
            return (str(event.originator_id),)
        if kind.startswith("Notice."):
            waited = _waited_for(event)
            return (str(event.originator_id), *([waited] if waited else []))
        pending = pending_for(event, self.policy.notifications)
        first = str(pending.notice_id if pending else event.originator_id)
        if kind == "Escalation.Raised":
            return (first, str(event.originator_id))
        return (first,)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        kind = event.kind
        if kind.startswith("Escalation."):
            self._wait(rows, event)
        if not kind.startswith("Notice."):
            self._ask(rows, event)
        elif kind == "Notice.Raised":
            self._raise(rows, event)
            waited = _waited_for(event)
            if waited:
                rows.delete(ESCALATION_WAITS.name, waited)  # told once about this wait
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

    def _wait(self, rows: RowSet, event: ProjectedEvent) -> None:
        escalation_id = str(event.originator_id)
        if event.kind != "Escalation.Raised":
            rows.delete(ESCALATION_WAITS.name, escalation_id)
            return
        rows.put(
            ESCALATION_WAITS.name,
            {
                "escalation_id": escalation_id,
                "subject_kind": event.subject_kind,
                "subject_id": str(event.subject_id),
                "level": event.level,
                "raised_at": event.timestamp,
            },
        )

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


def _waited_for(event: ProjectedEvent) -> str | None:
    """The escalation a notice about an unacknowledged wait is about, if it is one."""
    if event.kind != "Notice.Raised" or event.rule != TIMED:
        return None
    return str(event.facts["escalation_id"])
