"""Who was told what, and when: a record's notices with every delivery attempt, from the
notices' own events (under the hash chain and the signed Merkle tree); replay of a failed one."""

from typing import Any
from uuid import UUID

from flask import current_app

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.schemas.notifications import NotificationListOut, NotificationQuery, ReplayOut
from ledger.cases.references import COMPLAINT_REFERENCES, INCIDENT_REFERENCES
from ledger.errors import NotFoundError
from projections.engine.read_side import ReadSide
from projections.notifications.queries import notices_of, notification

blp = Blueprint(
    "notifications", __name__, url_prefix="/v1/notifications", description="Notifications"
)

_OUTCOMES = {
    "Delivered": "delivered",
    "DeliveryFailed": "failed",
    "DeadLettered": "dead_letter",
    "Replayed": "replayed",
}


def _outbox() -> tuple[ReadSide, int]:
    side: ReadSide = current_app.extensions["read_side"]
    if current_app.config["LEDGER_PROJECTIONS"] == "inprocess":
        side.catch_up(["outbox"])
    return side, side.generation("outbox")


def _record_id(text: str) -> UUID:
    for references in (COMPLAINT_REFERENCES, INCIDENT_REFERENCES):
        if references.is_reference(text):
            return references.id_for(text)
    found = COMPLAINT_REFERENCES.id_of(text)
    if found is None:
        raise NotFoundError("no record with that id or reference")
    return found


def _notice_body(notice_id: str) -> dict[str, Any]:
    events: list[Any] = list(ledger().events.get(UUID(notice_id)))
    raised = events[0]
    attempts = [
        {
            "notification_id": e.notification_id,
            "recipient": e.recipient,
            "outcome": _OUTCOMES[type(e).__name__],
            "attempt": getattr(e, "attempt", None),
            "status": getattr(e, "status", None),
            "answer": getattr(e, "answer", None),
            "retry_at": getattr(e, "retry_at", None),
            "at": e.timestamp,
            "version": e.originator_version,
        }
        for e in events[1:]
    ]
    return {
        "notice_id": raised.originator_id,
        "kind": raised.rule,
        "source": raised.source,
        "record_kind": raised.record_kind,
        "record_id": raised.record_id,
        "reference": raised.reference,
        "due": raised.due,
        "facts": raised.facts,
        "raised_at": raised.timestamp,
        "recipients": raised.recipients,
        "nobody": raised.nobody,
        "attempts": attempts,
    }


@blp.route("", methods=["GET"], endpoint="list_notifications")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationListOut)
@problems(blp, 404)
def list_notifications(args: dict[str, Any]) -> Any:
    """A record's notices: whom each was for, and every attempt with the receiver's answer"""
    record_id = _record_id(args["record"])
    side, generation = _outbox()
    return {
        "record_id": record_id,
        "notices": [_notice_body(n) for n in notices_of(side.db, generation, str(record_id))],
    }


@blp.route("/<uuid:notification_id>/replay", methods=["POST"], endpoint="replay")
@blp.response(200, ReplayOut)
@problems(blp, 404, 409)
def replay(notification_id: UUID) -> Any:
    """Send a failed or dead-lettered notification again, under the same id"""
    side, generation = _outbox()
    row = notification(side.db, generation, str(notification_id))
    if row is None:
        raise NotFoundError("no notification with that id")
    notice = ledger().replay_notification(
        UUID(row["notice_id"]), recipient=row["recipient"], actor=current_actor()
    )
    return {
        "notification_id": notification_id,
        "notice_id": notice.id,
        "state": notice.states[row["recipient"]],
    }
