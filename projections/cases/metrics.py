"""Service metrics from the case status view: volumes, times, rates, satisfaction, hot spots.

Complaints count in the period they were registered in. Definitions:
- first-response / resolution time: from registration to the first response / first resolution;
- SLA compliance: share of classified complaints with no recorded breach and no deadline
  overdue now;
- first-contact resolution: share of resolved complaints resolved without a handoff or a reopen;
- reopen rate: share of resolved complaints reopened at least once;
- handoff bounce rate: rejected handoffs over requested handoffs;
- CSAT: mean satisfaction score (1-5) and the share of scores of 4 or 5.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from projections.cases.status_view import CASE_STATUS
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase

GROUPINGS = ("department", "category", "channel", "period")
_COLUMNS = (
    "department",
    "category",
    "channel",
    "registered_at",
    "first_responded_at",
    "first_resolved_at",
    "breach_count",
    "next_due",
    "awaiting_customer_since",
    "reopen_count",
    "handoffs_requested",
    "handoffs_rejected",
    "feedback_count",
    "satisfaction_sum",
    "satisfied_count",
    "priority",
    "status",
)


@dataclass(frozen=True)
class DurationStats:
    count: int
    mean_seconds: float | None
    p50_seconds: float | None
    p90_seconds: float | None


def duration_stats(seconds: Iterable[float]) -> DurationStats:
    values = sorted(seconds)
    if not values:
        return DurationStats(0, None, None, None)

    def rank(p: float) -> float:  # nearest-rank percentile
        return values[max(0, math.ceil(p * len(values)) - 1)]

    return DurationStats(len(values), sum(values) / len(values), rank(0.5), rank(0.9))


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class GroupMetrics:
    group: str | None
    complaints: int = 0
    first_response: DurationStats = field(default_factory=lambda: duration_stats(()))
    resolution: DurationStats = field(default_factory=lambda: duration_stats(()))
    sla_compliance_rate: float | None = None
    first_contact_resolution_rate: float | None = None
    reopen_rate: float | None = None
    handoff_bounce_rate: float | None = None
    csat_average: float | None = None
    csat_satisfied_share: float | None = None
    breaches: int = 0


@dataclass(frozen=True)
class HotSpot:
    category: str | None
    complaints: int
    breaches: int


def _breached(row: Row, now: datetime) -> bool:
    overdue = (
        row["status"] != "closed"
        and row["awaiting_customer_since"] is None
        and row["next_due"] is not None
        and row["next_due"] <= now
    )
    return row["breach_count"] > 0 or overdue


def summarise(group: str | None, rows: list[Row], now: datetime) -> GroupMetrics:
    classified = [r for r in rows if r["priority"] is not None]
    resolved = [r for r in rows if r["first_resolved_at"] is not None]
    requested = sum(r["handoffs_requested"] for r in rows)
    feedback = sum(r["feedback_count"] for r in rows)
    return GroupMetrics(
        group=group,
        complaints=len(rows),
        first_response=duration_stats(
            (r["first_responded_at"] - r["registered_at"]).total_seconds()
            for r in rows
            if r["first_responded_at"] is not None
        ),
        resolution=duration_stats(
            (r["first_resolved_at"] - r["registered_at"]).total_seconds() for r in resolved
        ),
        sla_compliance_rate=_rate(
            sum(1 for r in classified if not _breached(r, now)), len(classified)
        ),
        first_contact_resolution_rate=_rate(
            sum(1 for r in resolved if r["handoffs_requested"] == 0 and r["reopen_count"] == 0),
            len(resolved),
        ),
        reopen_rate=_rate(sum(1 for r in resolved if r["reopen_count"] > 0), len(resolved)),
        handoff_bounce_rate=_rate(sum(r["handoffs_rejected"] for r in rows), requested),
        csat_average=(sum(r["satisfaction_sum"] for r in rows) / feedback) if feedback else None,
        csat_satisfied_share=_rate(sum(r["satisfied_count"] for r in rows), feedback),
        breaches=sum(r["breach_count"] for r in rows),
    )


def _period_key(period: str) -> Callable[[Row], str]:
    def key(row: Row) -> str:
        at: datetime = row["registered_at"]
        if period == "month":
            return at.strftime("%Y-%m")
        if period == "week":
            monday = at.date() - timedelta(days=at.weekday())
            return monday.isoformat()
        return at.date().isoformat()

    return key


def service_metrics(
    db: ViewDatabase,
    generation: int,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: str | None = None,
    period: str = "day",
) -> tuple[list[GroupMetrics], list[HotSpot]]:
    """Metrics of the complaints registered in [since, until), overall or per group."""
    rows = db.select_between(
        CASE_STATUS, generation, "registered_at", since, until, columns=_COLUMNS, ordered=False
    )
    key: Callable[[Row], Any]
    if group_by is None:
        groups: dict[Any, list[Row]] = {None: rows}
    else:
        key = _period_key(period) if group_by == "period" else (lambda r: r[group_by])
        groups = {}
        for row in rows:
            groups.setdefault(key(row), []).append(row)
    summaries = [
        summarise(None if name is None else str(name), members, now)
        for name, members in sorted(groups.items(), key=lambda item: str(item[0]))
    ]
    by_category: dict[str | None, list[Row]] = {}
    for row in rows:
        by_category.setdefault(row["category"], []).append(row)
    hot_spots = sorted(
        (
            HotSpot(category, len(members), sum(1 for r in members if _breached(r, now)))
            for category, members in by_category.items()
        ),
        key=lambda h: (-h.complaints, -h.breaches, str(h.category)),
    )[:5]
    return summaries, hot_spots
