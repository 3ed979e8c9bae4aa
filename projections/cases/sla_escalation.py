"""The escalation process: find the clocks past their warning mark and those whose deadline
passed unmet, and have the ledger record each warning and each breach (and escalate), once per
clock. Both are events of the complaint, so whoever reacts to them (the notification rules)
reads the log, not this view."""

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from projections.cases.sla import SLA_CLOCKS
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase


def overdue_clocks(db: ViewDatabase, generation: int, now: datetime, limit: int) -> list[Row]:
    """Running, unpaused clocks whose deadline has passed and whose breach is not recorded."""
    physical = db.physical(SLA_CLOCKS, generation)
    return db.select(
        SLA_CLOCKS,
        f"SELECT {SLA_CLOCKS.select_list} FROM {physical} "
        f"WHERE due_at <= %s AND met_at IS NULL AND stopped_at IS NULL "
        "AND breached_at IS NULL AND paused_since IS NULL "
        f"ORDER BY due_at LIMIT %s",
        (now, limit),
    )


def escalate_overdue(
    db: ViewDatabase,
    generation: int,
    now: datetime,
    record_breach: Callable[[UUID, str, datetime], object],
    *,
    limit: int = 500,
) -> int:
    """The escalation process's tick: ask the ledger to record each overdue clock's breach."""
    overdue = overdue_clocks(db, generation, now, limit)
    for row in overdue:
        record_breach(UUID(row["complaint_id"]), row["clock"], row["due_at"])
    return len(overdue)


def warned_clocks(db: ViewDatabase, generation: int, now: datetime, limit: int) -> list[Row]:
    """Running, unpaused clocks past their warning time, not yet warned of nor due."""
    physical = db.physical(SLA_CLOCKS, generation)
    return db.select(
        SLA_CLOCKS,
        f"SELECT {SLA_CLOCKS.select_list} FROM {physical} "
        f"WHERE warn_at <= %s AND due_at > %s AND met_at IS NULL AND stopped_at IS NULL "
        "AND breached_at IS NULL AND warned_at IS NULL AND paused_since IS NULL "
        f"ORDER BY warn_at LIMIT %s",
        (now, now, limit),
    )


def warn_near(
    db: ViewDatabase,
    generation: int,
    now: datetime,
    record_warning: Callable[[UUID, str, datetime], object],
    *,
    limit: int = 500,
) -> int:
    """Ask the ledger to record each clock that passed its warning mark."""
    near = warned_clocks(db, generation, now, limit)
    for row in near:
        record_warning(UUID(row["complaint_id"]), row["clock"], row["due_at"])
    return len(near)
