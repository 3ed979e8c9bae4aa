"""Reads of the incident clocks: the overdue ones (for the escalation process) and the ones past
their warning time (for the notifier)."""

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase
from projections.incidents.clocks import INCIDENT_CLOCKS


def overdue_incident_clocks(
    db: ViewDatabase, generation: int, now: datetime, limit: int
) -> list[Row]:
    """Running clocks whose deadline has passed and whose breach is not recorded."""
    physical = db.physical(INCIDENT_CLOCKS, generation)
    return db.select(
        INCIDENT_CLOCKS,
        f"SELECT {INCIDENT_CLOCKS.select_list} FROM {physical} "
        "WHERE due_at <= %s AND met_at IS NULL AND stopped_at IS NULL AND breached_at IS NULL "
        "ORDER BY due_at LIMIT %s",
        (now, limit),
    )


def warned_incident_clocks(
    db: ViewDatabase, generation: int, now: datetime, limit: int
) -> list[Row]:
    """Running clocks past their warning time whose deadline has not yet passed."""
    physical = db.physical(INCIDENT_CLOCKS, generation)
    return db.select(
        INCIDENT_CLOCKS,
        f"SELECT {INCIDENT_CLOCKS.select_list} FROM {physical} "
        "WHERE warn_at <= %s AND due_at > %s "
        "AND met_at IS NULL AND stopped_at IS NULL AND breached_at IS NULL "
        "ORDER BY warn_at LIMIT %s",
        (now, now, limit),
    )


def escalate_overdue_incidents(
    db: ViewDatabase,
    generation: int,
    now: datetime,
    record_breach: Callable[[UUID, str, datetime], object],
    *,
    limit: int = 500,
) -> int:
    """The escalation process's tick for incidents: ask the ledger to record each breach."""
    overdue = overdue_incident_clocks(db, generation, now, limit)
    for row in overdue:
        record_breach(UUID(row["incident_id"]), row["clock"], row["due_at"])
    return len(overdue)
