"""The escalation process's reads of the incident clocks: the ones past their warning time and
the overdue ones, each asked of the ledger to record (a warning, a breach) once."""

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
    """Running clocks past their warning time, not yet warned of nor due."""
    physical = db.physical(INCIDENT_CLOCKS, generation)
    return db.select(
        INCIDENT_CLOCKS,
        f"SELECT {INCIDENT_CLOCKS.select_list} FROM {physical} "
        "WHERE warn_at <= %s AND due_at > %s AND met_at IS NULL AND stopped_at IS NULL "
        "AND breached_at IS NULL AND warned_at IS NULL "
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


def warn_near_incidents(
    db: ViewDatabase,
    generation: int,
    now: datetime,
    record_warning: Callable[[UUID, str, datetime], object],
    *,
    limit: int = 500,
) -> int:
    """Ask the ledger to record each incident clock that passed its warning mark."""
    near = warned_incident_clocks(db, generation, now, limit)
    for row in near:
        record_warning(UUID(row["incident_id"]), row["clock"], row["due_at"])
    return len(near)
