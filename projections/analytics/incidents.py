"""Incident figures from the analytics view: phase times by level and period, action items
overdue by owner.

Times are wall-clock (an emergency runs day and night): time to detect from the start of impact to
detection; to assess and to activate from the report; to mitigate and to resolve from the start of
impact when it is known, else from the report (what customers lived through).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ledger.policy.service_policy import Policy
from projections.analytics.periods import period_label, zone_of
from projections.cases.metrics import DurationStats, duration_stats
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase
from projections.incidents.analytics_view import incident_facts, open_action_items

PHASES = ("detect", "assess", "activate", "mitigate", "resolve")
INCIDENT_DIMENSIONS = ("level", "period")


@dataclass(frozen=True)
class IncidentFigures:
    keys: dict[str, str | None]
    incidents: int
    detect: DurationStats
    assess: DurationStats
    activate: DurationStats
    mitigate: DurationStats
    resolve: DurationStats


@dataclass(frozen=True)
class OwnerActionItems:
    owner: str
    open: int
    awaiting_verification: int
    overdue: int


def _span(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def phase_seconds(row: Row) -> dict[str, float | None]:
    """How long each phase of one incident took, in seconds (None while it has not ended)."""
    onset = row["impact_started_at"] or row["reported_at"]
    return {
        "detect": _span(row["impact_started_at"], row["detected_at"]),
        "assess": _span(row["reported_at"], row["assessed_at"]),
        "activate": _span(row["reported_at"], row["activated_at"]),
        "mitigate": _span(onset, row["mitigated_at"]),
        "resolve": _span(onset, row["resolved_at"]),
    }


def group_incidents(
    rows: Iterable[Row], dimensions: Sequence[str], period: str, policy: Policy
) -> list[IncidentFigures]:
    """Phase times per combination of level and period (one overall without dimensions)."""
    zone = zone_of(policy)
    groups: dict[tuple[str | None, ...], list[Row]] = {}
    for row in rows:
        key = tuple(
            period_label(row["reported_at"], period, zone)
            if d == "period"
            else (row["level"] or "unassessed")
            for d in dimensions
        )
        groups.setdefault(key, []).append(row)
    if not dimensions:
        groups.setdefault((), [])
    found = []
    for key, members in sorted(groups.items(), key=lambda item: [str(k) for k in item[0]]):
        spans = [phase_seconds(r) for r in members]
        stats = {
            phase: duration_stats(v for s in spans if (v := s[phase]) is not None)
            for phase in PHASES
        }
        found.append(
            IncidentFigures(dict(zip(dimensions, key, strict=True)), len(members), **stats)
        )
    return found


def action_items_by_owner(items: Iterable[Row], now: datetime) -> list[OwnerActionItems]:
    """Per owner, the items still open, done but unverified, and overdue (open past their due
    date, or unverified past their verification date)."""
    counts: dict[str, list[int]] = {}
    for item in items:
        tally = counts.setdefault(item["owner"], [0, 0, 0])
        is_open = item["status"] == "open"
        tally[0 if is_open else 1] += 1
        if now > (item["due"] if is_open else item["verify_due"]):
            tally[2] += 1
    return [OwnerActionItems(owner, *tally) for owner, tally in sorted(counts.items())]


def incident_analytics(
    db: ViewDatabase,
    generation: int,
    policy: Policy,
    *,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
    group_by: Sequence[str] = (),
    period: str = "week",
) -> tuple[list[IncidentFigures], list[OwnerActionItems]]:
    """Phase times of the incidents reported in [since, until), and every open action item by
    owner (overdue work is owed whenever its incident was reported)."""
    rows = incident_facts(db, generation, since=since, until=until)
    owners = action_items_by_owner(open_action_items(db, generation), now)
    return group_incidents(rows, group_by, period, policy), owners
