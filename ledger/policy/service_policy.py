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
from ledger.policy.service_targets import ServiceTargets
from ledger.values import CHANNELS, INCIDENT_LEVELS, PRIORITIES

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


@dataclass(frozen=True)
class Targets:
    """Targets a category or a channel sets; each one given tightens the priority's."""

    first_response: timedelta | None = None
    resolution: timedelta | None = None
    written_reply: timedelta | None = None


def _tightest(*targets: timedelta | None) -> timedelta | None:
    given = [t for t in targets if t is not None]
    return min(given) if given else None


def _default_status_updates() -> dict[str, timedelta]:
    return {"I": timedelta(minutes=30), "II": timedelta(hours=1), "III": timedelta(hours=4)}


@dataclass(frozen=True)
class IncidentPolicy:
    """Deadlines and vocabularies of emergency incidents (003 §6.2, §1.4)."""

    assess_within: timedelta = timedelta(hours=2)
    activate_within: timedelta = timedelta(hours=4)
    review_plan_working_days: int = 2
    verify_within: timedelta = timedelta(days=30)
    roles: tuple[str, ...] = ("incident_lead", "communications", "scribe", "liaison", "operations")
    # Per response level, how often the response owes a status update while it is active.
    status_update_every: Mapping[str, timedelta] = field(default_factory=_default_status_updates)

    def __post_init__(self) -> None:
        if self.activate_within < self.assess_within:
            raise PolicyError("incidents.activate_within: must not come before assess_within")
        if not 0 < self.review_plan_working_days <= 60:
            raise PolicyError("incidents.review_plan_working_days: must be between 1 and 60")
        if "incident_lead" not in self.roles:
            raise PolicyError("incidents.roles: must include incident_lead")
        if set(self.status_update_every) != set(INCIDENT_LEVELS):
            raise PolicyError(
                f"incidents.status_update_every: give exactly the levels {INCIDENT_LEVELS}"
            )

    def review_plan_due(self, resolved_at: datetime, calendar: Calendar) -> datetime:
        """The review is due `review_plan_working_days` working days (holidays skipped) later."""
        return calendar.add_working_days(resolved_at, self.review_plan_working_days)


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
    # Targets by category and by channel tighten the priority's too (003 §5.4: a complaint about
    # service quality is accepted within 24 h and first investigated within 48 h).
    category_targets: Mapping[str, Targets] = field(
        default_factory=lambda: {
            "service": Targets(first_response=timedelta(hours=24), resolution=timedelta(hours=48))
        }
    )
    channel_targets: Mapping[str, Targets] = field(default_factory=dict)
    # When the customer first made contact, registration is due within this time (003 §2.1).
    registration_within: timedelta = timedelta(hours=24)
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
    # What the service figures are compared with (projections/analytics).
    service_targets: ServiceTargets = field(default_factory=ServiceTargets)

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
        for name in self.category_targets:
            if name not in self.categories:
                raise PolicyError(f"complaints.by_category.{name}: unknown category")
        for name in self.channel_targets:
            if name not in CHANNELS:
                raise PolicyError(f"complaints.by_channel.{name}: unknown channel")

    def targets(
        self, *, priority: str, tier: str, category: str | None = None, channel: str | None = None
    ) -> PriorityTargets:
        """The tightest of the priority's, tier's, category's and channel's targets."""
        base = self.priorities[priority]
        extra = [
            self.category_targets.get(category or "", Targets()),
            self.channel_targets.get(channel or "", Targets()),
        ]
        first = _tightest(self.tier_first_response.get(tier), *(t.first_response for t in extra))
        resolution = _tightest(*(t.resolution for t in extra))
        return PriorityTargets(
            first_response=min(base.first_response, first or base.first_response),
            resolution=min(base.resolution, resolution or base.resolution),
            written_reply=_tightest(base.written_reply, *(t.written_reply for t in extra))
            if base.written_reply
            else None,
        )

    def complaint_deadlines(
        self,
        *,
        registered_at: datetime,
        priority: str,
        tier: str,
        category: str | None = None,
        channel: str | None = None,
    ) -> ComplaintDeadlines:
        """The deadlines for a complaint, always counted from its registration."""
        targets = self.targets(priority=priority, tier=tier, category=category, channel=channel)
        add = self.calendar.add
        return ComplaintDeadlines(
            first_response_due=add(registered_at, targets.first_response),
            resolution_due=add(registered_at, targets.resolution),
            written_reply_due=(
                add(registered_at, targets.written_reply) if targets.written_reply else None
            ),
        )

    def resolution_due(
        self,
        *,
        reopened_at: datetime,
        priority: str,
        tier: str,
        category: str | None,
        channel: str | None,
    ) -> datetime:
        """A reopened complaint's new resolution deadline: the same target, from the reopening."""
        targets = self.targets(priority=priority, tier=tier, category=category, channel=channel)
        return self.calendar.add(reopened_at, targets.resolution)

    def registration_due(self, first_contact_at: datetime) -> datetime:
        return self.calendar.add(first_contact_at, self.registration_within)

    def review_plan_due(self, resolved_at: datetime) -> datetime:
        """An incident's review, due in working days of the policy's calendar (holidays skipped)."""
        return self.incidents.review_plan_due(resolved_at, self.calendar)
