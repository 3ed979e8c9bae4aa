"""Measures across incidents: counts by level and period, response times, deadline compliance,
and open and overdue action items by owner. Built on demand from the incident streams."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ledger.application.service import LedgerApplication
from ledger.errors import NotFoundError
from ledger.incidents.incident import ACTION_OPEN, ACTION_VERIFIED, ACTION_WAIVED, Incident
from projections.incidents.review import action_item_overdue


def period_of(moment: datetime, period: str) -> str:
    """`2026-03-02` (day), `2026-W10` (ISO week), `2026-03` (month) or `2026` (year)."""
    if period == "day":
        return moment.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y")


def p90(values: list[float]) -> float | None:
    """The nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "mean_seconds": sum(values) / len(values) if values else None,
        "p90_seconds": p90(values),
    }


def incidents_of(ledger: LedgerApplication) -> Iterable[Incident]:
    for incident_id in ledger.incident_ids():
        try:
            yield ledger.get_incident(incident_id)
        except NotFoundError:  # a reference number whose save lost a race
            continue


def build_metrics(ledger: LedgerApplication, *, now: datetime, period: str) -> dict[str, Any]:
    by_level: Counter[str] = Counter()
    by_period: dict[str, Counter[str]] = defaultdict(Counter)
    times: dict[str, list[float]] = {"assess": [], "activate": [], "resolve": []}
    deadlines: dict[str, list[bool]] = {
        "assess": [],
        "activate": [],
        "review_plan": [],
        "verify": [],
    }
    owners: dict[str, Counter[str]] = defaultdict(Counter)
    count = 0
    for incident in incidents_of(ledger):
        count += 1
        level = incident.level or "unassessed"
        by_level[level] += 1
        by_period[period_of(incident.reported_at, period)][level] += 1
        start = incident.reported_at
        for name, end, due in (
            ("assess", incident.assessed_at, incident.assess_due),
            ("activate", incident.activated_at, incident.activate_due),
        ):
            if end is not None:
                times[name].append((end - start).total_seconds())
                deadlines[name].append(end <= due)
            elif now > due:
                deadlines[name].append(False)
        if incident.resolved_at is not None:
            times["resolve"].append((incident.resolved_at - start).total_seconds())
        if incident.review_plan_due is not None:
            if incident.reviewed_at is not None:
                deadlines["review_plan"].append(incident.reviewed_at <= incident.review_plan_due)
            elif now > incident.review_plan_due:
                deadlines["review_plan"].append(False)
        for item in incident.action_items.values():
            if item["status"] == ACTION_VERIFIED:
                deadlines["verify"].append(item["verified_at"] <= item["verify_due"])
            elif item["status"] != ACTION_WAIVED:
                if now > item["verify_due"]:
                    deadlines["verify"].append(False)
                owners[item["owner"]]["open" if item["status"] == ACTION_OPEN else "done"] += 1
                if action_item_overdue(item, now):
                    owners[item["owner"]]["overdue"] += 1
    judged = [v for values in deadlines.values() for v in values]
    return {
        "incidents": count,
        "by_level": dict(sorted(by_level.items())),
        "by_period": {key: dict(sorted(c.items())) for key, c in sorted(by_period.items())},
        "times": {name: _summary(values) for name, values in times.items()},
        "deadline_compliance": {
            "rate": sum(judged) / len(judged) if judged else None,
            "met": sum(judged),
            "judged": len(judged),
            "by_deadline": {
                name: {"met": sum(values), "judged": len(values)}
                for name, values in deadlines.items()
            },
        },
        "action_items_by_owner": {
            owner: {
                "open": c["open"],
                "done_unverified": c["done"],
                "overdue": c["overdue"],
            }
            for owner, c in sorted(owners.items())
        },
    }
