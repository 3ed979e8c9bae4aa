"""Complaint figures from the analytics view, grouped by up to two dimensions.

Definitions (each over the complaints registered in the window; times in counted time, that is
business hours when the policy names a calendar, with time waiting on the customer taken out):
- response / resolution: registration to first response / first resolution (count, mean, p50, p90);
- first_contact_resolution: resolved complaints resolved with no handoff and no reopen, over
  resolved complaints;
- resolution_success: complaints resolved and not sent back (resolved or closed now, not
  reopened since), over all complaints;
- csat: satisfied scores (4 or 5) over all scores; csat_average the mean score (1-5);
- reopen_rate: resolved complaints reopened at least once, over resolved complaints;
- bounce_rate: handoffs the receiving department rejected, over handoffs requested;
- sla_compliance: classified complaints with no recorded deadline breach, over classified ones.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.policy.service_policy import Policy
from projections.analytics.periods import period_label, zone_of
from projections.analytics.targets import TargetCheck, check_targets
from projections.cases.analytics_view import complaint_facts
from projections.cases.metrics import DurationStats, duration_stats
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase

# Dimension name -> the view's column ("period" is cut from registered_at).
DIMENSIONS = {
    "owner": "owner",
    "priority": "priority",
    "tier": "customer_tier",
    "region": "region",
    "channel": "channel",
    "category": "category",
    "department": "department",
    "period": "registered_at",
}


@dataclass(frozen=True)
class ComplaintFigures:
    keys: dict[str, str | None]
    complaints: int
    response: DurationStats
    resolution: DurationStats
    first_contact_resolution: float | None
    resolution_success: float | None
    csat: float | None
    csat_average: float | None
    csat_responses: int
    reopen_rate: float | None
    bounce_rate: float | None
    sla_compliance: float | None
    breaches: int
    targets: list[TargetCheck]


@dataclass(frozen=True)
class HotSpot:
    category: str | None
    complaints: int
    breaches: int
    reopened: int
    dissatisfied: int  # scores of 1-3


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures_of(
    keys: dict[str, str | None], rows: Sequence[Row], policy: Policy
) -> ComplaintFigures:
    """The figures of one group of complaints, compared with the policy's targets."""
    resolved = [r for r in rows if r["resolution_seconds"] is not None]
    classified = [r for r in rows if r["priority"] is not None]
    scores = sum(r["feedback_count"] for r in rows)
    requested = sum(r["handoffs_requested"] for r in rows)
    response = duration_stats(
        r["response_seconds"] for r in rows if r["response_seconds"] is not None
    )
    resolution = duration_stats(r["resolution_seconds"] for r in resolved)
    found: dict[str, Any] = {
        "first_contact_resolution": _rate(
            sum(1 for r in resolved if r["handoffs_requested"] == 0 and r["reopen_count"] == 0),
            len(resolved),
        ),
        "resolution_success": _rate(
            sum(1 for r in resolved if r["status"] in ("resolved", "closed")), len(rows)
        ),
        "csat": _rate(sum(r["satisfied_count"] for r in rows), scores),
        "reopen_rate": _rate(sum(1 for r in resolved if r["reopen_count"] > 0), len(resolved)),
        "bounce_rate": _rate(sum(r["handoffs_rejected"] for r in rows), requested),
        "sla_compliance": _rate(
            sum(1 for r in classified if r["breach_count"] == 0), len(classified)
        ),
    }
    judged = {
        **found,
        "response_p90": response.p90_seconds,
        "resolution_p90": resolution.p90_seconds,
    }
    return ComplaintFigures(
        keys=keys,
        complaints=len(rows),
        response=response,
        resolution=resolution,
        csat_average=sum(r["satisfaction_sum"] for r in rows) / scores if scores else None,
        csat_responses=scores,
        breaches=sum(r["breach_count"] for r in rows),
        targets=check_targets(policy.service_targets, judged),
        **found,
    )


def _key(
    row: Row, dimensions: Sequence[str], period: str, policy: Policy
) -> tuple[str | None, ...]:
    zone = zone_of(policy)
    values: list[str | None] = []
    for dimension in dimensions:
        value = row[DIMENSIONS[dimension]]
        values.append(period_label(value, period, zone) if dimension == "period" else value)
    return tuple(values)


def group_figures(
    rows: Iterable[Row], dimensions: Sequence[str], period: str, policy: Policy
) -> list[ComplaintFigures]:
    """One set of figures per combination of the dimensions' values (one overall without)."""
    groups: dict[tuple[str | None, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(_key(row, dimensions, period, policy), []).append(row)
    if not dimensions:
        groups.setdefault((), [])
    return [
        figures_of(dict(zip(dimensions, key, strict=True)), members, policy)
        for key, members in sorted(groups.items(), key=lambda item: [str(k) for k in item[0]])
    ]


def hot_spots(rows: Iterable[Row]) -> list[HotSpot]:
    """Every category, the busiest first, with its breaches and rework."""
    by_category: dict[str | None, list[Row]] = {}
    for row in rows:
        by_category.setdefault(row["category"], []).append(row)
    spots = [
        HotSpot(
            category,
            len(members),
            sum(1 for r in members if r["breach_count"] > 0),
            sum(1 for r in members if r["reopen_count"] > 0),
            sum(r["feedback_count"] - r["satisfied_count"] for r in members),
        )
        for category, members in by_category.items()
    ]
    return sorted(spots, key=lambda h: (-h.complaints, -h.breaches, str(h.category)))


def complaint_analytics(
    db: ViewDatabase,
    generation: int,
    policy: Policy,
    *,
    since: datetime | None,
    until: datetime | None,
    group_by: Sequence[str] = (),
    period: str = "week",
) -> tuple[list[ComplaintFigures], list[HotSpot]]:
    """The figures per group and the category hot spots of the complaints in [since, until)."""
    rows = complaint_facts(db, generation, since=since, until=until)
    return group_figures(rows, group_by, period, policy), hot_spots(rows)
