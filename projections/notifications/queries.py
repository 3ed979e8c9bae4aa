"""Reads of the outbox: notices waiting to be raised, escalations waiting too long, notifications
due, a record's notices."""

from datetime import datetime

from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase
from projections.notifications.outbox import ESCALATION_WAITS, NOTICES, OUTBOX


def waiting_notices(db: ViewDatabase, generation: int, limit: int) -> list[Row]:
    """Notices the rules asked for that are not raised yet, oldest first."""
    return db.select(
        NOTICES,
        f"SELECT {NOTICES.select_list} FROM {db.physical(NOTICES, generation)} "
        "WHERE NOT raised ORDER BY asked_at, notice_id LIMIT %s",
        (limit,),
    )


def escalations_waiting_since(
    db: ViewDatabase, generation: int, since: datetime, limit: int
) -> list[Row]:
    """Escalations raised at or before `since` and still not acknowledged, oldest first."""
    return db.select(
        ESCALATION_WAITS,
        f"SELECT {ESCALATION_WAITS.select_list} FROM {db.physical(ESCALATION_WAITS, generation)} "
        "WHERE raised_at <= %s ORDER BY raised_at, escalation_id LIMIT %s",
        (since, limit),
    )


def due_notifications(db: ViewDatabase, generation: int, now: datetime, limit: int) -> list[Row]:
    """Notifications to attempt now: pending, or failed and past their retry time."""
    return db.select(
        OUTBOX,
        f"SELECT {OUTBOX.select_list} FROM {db.physical(OUTBOX, generation)} "
        "WHERE state IN ('pending', 'failed') AND next_attempt_at <= %s "
        "ORDER BY next_attempt_at, notification_id LIMIT %s",
        (now, limit),
    )


def notification(db: ViewDatabase, generation: int, notification_id: str) -> Row | None:
    rows = db.select(
        OUTBOX,
        f"SELECT {OUTBOX.select_list} FROM {db.physical(OUTBOX, generation)} "
        "WHERE notification_id = %s",
        (notification_id,),
    )
    return rows[0] if rows else None


def notices_of(db: ViewDatabase, generation: int, record_id: str) -> list[str]:
    """The raised notices about one record, in the order they were raised."""
    rows = db.select(
        NOTICES,
        f"SELECT {NOTICES.select_list} FROM {db.physical(NOTICES, generation)} "
        "WHERE record_id = %s AND raised ORDER BY asked_at, notice_id",
        (record_id,),
    )
    return [r["notice_id"] for r in rows]
