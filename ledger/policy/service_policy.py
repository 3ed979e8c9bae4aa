"""The service policy: deadlines, vocabularies and thresholds, loadable from a TOML file.

Every number is a default taken from the operating standards (listed with their sources in
docs/domain-defaults.md); each organisation overrides them in its own file. Deadlines computed
from the policy are stored in the events, so changing the policy never rewrites history.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ledger.errors import PolicyError
from ledger.policy.calendar import Calendar, CalendarTime, calendar_from_mapping
from ledger.policy.durations import SERVICE_TIMES
from ledger.values import PRIORITIES

# `90s`, `15m`, `2h` or `3d` as a positive timedelta (ledger/policy/durations.py).
parse_duration = SERVICE_TIMES.parse


@dataclass(frozen=True)
class PriorityTargets:
    """Deadlines for one priority, measured from registration."""

    first_response: timedelta
    resolution: timedelta
    written_reply: timedelta | None = None


@dataclass(frozen=True)
class ComplaintDeadlines:
    """The deadlines a classification fixes for a complaint."""

    first_response_due: datetime
    resolution_due: datetime
    written_reply_due: datetime | None


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days (Monday to Friday), keeping the time of day."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


@dataclass(frozen=True)
class IncidentPolicy:
    """Deadlines and vocabularies of emergency incidents (003 §6.2, §1.4)."""

    assess_within: timedelta = timedelta(hours=2)
    activate_within: timedelta = timedelta(hours=4)
    review_plan_working_days: int = 2
    verify_within: timedelta = timedelta(days=30)
    roles: tuple[str, ...] = ("incident_lead", "communications", "scribe", "liaison", "operations")

    def __post_init__(self) -> None:
        if self.activate_within < self.assess_within:
            raise PolicyError("incidents.activate_within: must not come before assess_within")
        if not 0 < self.review_plan_working_days <= 60:
            raise PolicyError("incidents.review_plan_working_days: must be between 1 and 60")
        if "incident_lead" not in self.roles:
            raise PolicyError("incidents.roles: must include incident_lead")

    def review_plan_due(self, resolved_at: datetime) -> datetime:
        return add_working_days(resolved_at, self.review_plan_working_days)


def _default_priorities() -> dict[str, PriorityTargets]:
    return {
        "urgent": PriorityTargets(timedelta(hours=2), timedelta(hours=24)),
        "important": PriorityTargets(timedelta(hours=12), timedelta(hours=48)),
        "normal": PriorityTargets(
            timedelta(hours=24), timedelta(hours=48), written_reply=timedelta(hours=72)
        ),
    }


@dataclass(frozen=True)
class Policy:
    """Deadlines, vocabularies and thresholds; immutable once loaded."""

    priorities: Mapping[str, PriorityTargets] = field(default_factory=_default_priorities)
    # A tier's first-response target tightens the priority's one (high-value customers: 15 min).
    tier_first_response: Mapping[str, timedelta | None] = field(
        default_factory=lambda: {"standard": None, "high_value": timedelta(minutes=15)}
    )
    categories: tuple[str, ...] = (
        "product_enquiry",
        "complaint",
        "after_sales",
        "technical_support",
        "order",
        "service",
    )
    departments: tuple[str, ...] = ("service", "technical", "engineering", "logistics", "quality")
    intake_department: str = "service"
    # A satisfaction score at or below this reopens the complaint for re-dispatch.
    reopen_at_or_below: int = 2
    feedback_due: timedelta = timedelta(hours=24)
    handoff_accept: timedelta = timedelta(hours=2)
    handoff_complete: timedelta = timedelta(hours=24)
    # Deadlines run on calendar time unless the policy names a business calendar.
    calendar: Calendar = field(default_factory=CalendarTime)
    # SLA clocks pause while the complaint waits on the customer (AwaitingCustomer).
    pause_while_awaiting_customer: bool = True
    # A warning shows once this share of a deadline's time has passed.
    warn_at_fraction: float = 0.8
    incidents: IncidentPolicy = field(default_factory=IncidentPolicy)

    def __post_init__(self) -> None:
        if set(self.priorities) != set(PRIORITIES):
            raise PolicyError(f"complaints.deadlines: give exactly the priorities {PRIORITIES}")
        if self.intake_department not in self.departments:
            raise PolicyError("complaints.intake_department: must be one of the departments")
        if not 1 <= self.reopen_at_or_below < 5:
            raise PolicyError("complaints.reopen_at_or_below: must be between 1 and 4")
        for name, targets in self.priorities.items():
            if targets.resolution < targets.first_response:
                raise PolicyError(
                    f"complaints.deadlines.{name}: resolution must not come before first_response"
                )

    def complaint_deadlines(
        self, *, registered_at: datetime, priority: str, tier: str
    ) -> ComplaintDeadlines:
        """The deadlines for a complaint, always counted from its registration."""
        targets = self.priorities[priority]
        first_response = targets.first_response
        tier_target = self.tier_first_response.get(tier)
        if tier_target is not None:
            first_response = min(first_response, tier_target)
        add = self.calendar.add
        return ComplaintDeadlines(
            first_response_due=add(registered_at, first_response),
            resolution_due=add(registered_at, targets.resolution),
            written_reply_due=(
                add(registered_at, targets.written_reply) if targets.written_reply else None
            ),
        )


def load_policy(path: Path | None) -> Policy:
    """The default policy, overridden by the TOML file at `path` if given."""
    if path is None:
        return Policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PolicyError(f"policy file {path} is not valid TOML: {error}") from None
    return policy_from_mapping(data)


def _names(value: Any, *, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}: expected a non-empty list of names")
    if any(not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", v) for v in value):
        raise PolicyError(f"{where}: names are lower-case letters, digits and underscores")
    return tuple(value)


def _table(data: Mapping[str, Any], key: str, *, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}{key}: expected a table")
    return value


def policy_from_mapping(data: Mapping[str, Any]) -> Policy:
    """Build a policy from parsed TOML, naming the first invalid setting."""
    known = {"complaints", "handoffs", "incidents", "calendar", "sla"}
    if unknown := set(data) - known:
        raise PolicyError(f"unknown policy section(s): {', '.join(sorted(unknown))}")
    policy = Policy()
    complaints = _table(data, "complaints", where="")
    allowed = {
        "deadlines",
        "tiers",
        "categories",
        "departments",
        "intake_department",
        "reopen_at_or_below",
        "feedback_due",
    }
    if unknown := set(complaints) - allowed:
        raise PolicyError(f"complaints: unknown setting(s): {', '.join(sorted(unknown))}")

    priorities = dict(policy.priorities)
    for name, targets in _table(complaints, "deadlines", where="complaints.").items():
        where = f"complaints.deadlines.{name}"
        if name not in PRIORITIES:
            raise PolicyError(f"{where}: unknown priority (expected one of {PRIORITIES})")
        if not isinstance(targets, Mapping) or set(targets) - {
            "first_response",
            "resolution",
            "written_reply",
        }:
            raise PolicyError(f"{where}: expected first_response, resolution, written_reply")
        current = priorities[name]
        priorities[name] = PriorityTargets(
            first_response=parse_duration(
                targets["first_response"], where=f"{where}.first_response"
            )
            if "first_response" in targets
            else current.first_response,
            resolution=parse_duration(targets["resolution"], where=f"{where}.resolution")
            if "resolution" in targets
            else current.resolution,
            written_reply=parse_duration(targets["written_reply"], where=f"{where}.written_reply")
            if "written_reply" in targets
            else current.written_reply,
        )

    tiers: dict[str, timedelta | None] = dict(policy.tier_first_response)
    for name, settings in _table(complaints, "tiers", where="complaints.").items():
        where = f"complaints.tiers.{name}"
        if not isinstance(settings, Mapping) or set(settings) - {"first_response"}:
            raise PolicyError(f"{where}: expected only first_response")
        _names([name], where=where)
        value = settings.get("first_response")
        tiers[name] = (
            parse_duration(value, where=f"{where}.first_response") if value is not None else None
        )

    changes: dict[str, Any] = {"priorities": priorities, "tier_first_response": tiers}
    if "categories" in complaints:
        changes["categories"] = _names(complaints["categories"], where="complaints.categories")
    if "departments" in complaints:
        changes["departments"] = _names(complaints["departments"], where="complaints.departments")
    if "intake_department" in complaints:
        changes["intake_department"] = str(complaints["intake_department"])
    if "reopen_at_or_below" in complaints:
        threshold = complaints["reopen_at_or_below"]
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise PolicyError("complaints.reopen_at_or_below: expected an integer")
        changes["reopen_at_or_below"] = threshold
    if "feedback_due" in complaints:
        changes["feedback_due"] = parse_duration(
            complaints["feedback_due"], where="complaints.feedback_due"
        )

    handoffs = _table(data, "handoffs", where="")
    if unknown := set(handoffs) - {"accept", "complete"}:
        raise PolicyError(f"handoffs: unknown setting(s): {', '.join(sorted(unknown))}")
    if "accept" in handoffs:
        changes["handoff_accept"] = parse_duration(handoffs["accept"], where="handoffs.accept")
    if "complete" in handoffs:
        changes["handoff_complete"] = parse_duration(
            handoffs["complete"], where="handoffs.complete"
        )
    if "calendar" in data:
        changes["calendar"] = calendar_from_mapping(_table(data, "calendar", where=""))
    sla = _table(data, "sla", where="")
    if unknown := set(sla) - {"pause_while_awaiting_customer", "warn_at_percent"}:
        raise PolicyError(f"sla: unknown setting(s): {', '.join(sorted(unknown))}")
    if "pause_while_awaiting_customer" in sla:
        if not isinstance(sla["pause_while_awaiting_customer"], bool):
            raise PolicyError("sla.pause_while_awaiting_customer: expected true or false")
        changes["pause_while_awaiting_customer"] = sla["pause_while_awaiting_customer"]
    if "warn_at_percent" in sla:
        percent = sla["warn_at_percent"]
        if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 99:
            raise PolicyError("sla.warn_at_percent: expected a whole number from 1 to 99")
        changes["warn_at_fraction"] = percent / 100
    changes["incidents"] = _incident_policy(_table(data, "incidents", where=""))
    return replace(policy, **changes)


def _incident_policy(settings: Mapping[str, Any]) -> IncidentPolicy:
    allowed = {
        "assess_within",
        "activate_within",
        "review_plan_working_days",
        "verify_within",
        "roles",
    }
    if unknown := set(settings) - allowed:
        raise PolicyError(f"incidents: unknown setting(s): {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    for name in ("assess_within", "activate_within", "verify_within"):
        if name in settings:
            changes[name] = parse_duration(settings[name], where=f"incidents.{name}")
    if "review_plan_working_days" in settings:
        days = settings["review_plan_working_days"]
        if not isinstance(days, int) or isinstance(days, bool):
            raise PolicyError("incidents.review_plan_working_days: expected an integer")
        changes["review_plan_working_days"] = days
    if "roles" in settings:
        changes["roles"] = _names(settings["roles"], where="incidents.roles")
    return replace(IncidentPolicy(), **changes)
