"""The service policy: deadlines, vocabularies and thresholds, loadable from a TOML file.

Every number is a default taken from the operating standards (listed with their sources in
docs/domain-defaults.md); each organisation overrides them in its own file. Deadlines computed
from the policy are stored in the events, so changing the policy never rewrites history.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ledger.errors import PolicyError
from ledger.policy.calendar import Calendar, CalendarTime
from ledger.policy.durations import SERVICE_TIMES
from ledger.policy.notification_policy import NotificationPolicy
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
    notifications: NotificationPolicy = field(default_factory=NotificationPolicy)

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
