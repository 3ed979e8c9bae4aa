"""A complaint's SLA clocks as people read them: state, deadline, time left."""

from dataclasses import dataclass
from datetime import datetime

from projections.cases.sla import SLA_CLOCKS
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase


@dataclass(frozen=True)
class ClockView:
    """One clock as people read it."""

    clock: str
    department: str | None
    handoff_id: str | None
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    state: str
    seconds_left: float | None


def clock_state(row: Row, now: datetime) -> str:
    """unscheduled, met, stopped, paused, breached, warning or running."""
    if row["met_at"] is not None:
        return "met"
    if row["stopped_at"] is not None:
        return "stopped"
    if row["due_at"] is None:
        return "unscheduled"
    if row["breached_at"] is not None:
        return "breached"
    if row["paused_since"] is not None:
        return "paused"
    if row["due_at"] <= now:
        return "breached"
    if row["warn_at"] is not None and row["warn_at"] <= now:
        return "warning"
    return "running"


def clock_view(row: Row, now: datetime) -> ClockView:
    due = row["due_at"]
    running = row["met_at"] is None and row["stopped_at"] is None and due is not None
    return ClockView(
        clock=row["clock"],
        department=row["department"],
        handoff_id=row["handoff_id"],
        started_at=row["started_at"],
        due_at=due,
        warn_at=row["warn_at"],
        met_at=row["met_at"],
        breached_at=row["breached_at"],
        state=clock_state(row, now),
        seconds_left=(due - now).total_seconds() if running else None,
    )


def clocks_of(db: ViewDatabase, generation: int, complaint_ids: list[str]) -> dict[str, list[Row]]:
    """Every clock of the given complaints, grouped by complaint, each in start order."""
    found = db.select_partitions(SLA_CLOCKS, generation, complaint_ids)
    grouped: dict[str, list[Row]] = {}
    for row in sorted(found, key=lambda r: (r["started_at"], r["clock"])):
        grouped.setdefault(row["complaint_id"], []).append(row)
    return grouped
