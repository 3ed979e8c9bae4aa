"""Which facts are told to whom: the notification triggers of the service policy.

Each trigger is on or off and names its audience, as the staff directory resolves it:

    owner                  the complaint's owner; of an incident, the action item's owner (for
                           an item's clocks) or the incident lead
    next_level_up          whom the owner reports to (else the department's supervisors)
    supervisor, manager, executive, incident_manager
                           staff of that level in the record's department (executives and
                           incident managers: anywhere)
    receiving_department   staff of the department a handoff goes to
    sending_department     staff of the department a handoff comes from
    escalation_level       staff of the level an escalation went to
    level_above            staff one rung above that level (none above an executive)
    level_audience         per incident response level, the levels in `by_level`

Webhook subscriptions receive every notification of the kinds they subscribe to, whoever the
staff audience is. When a warning shows is the SLA's `warn_at_percent`; how long an escalation
may wait unacknowledged before `escalation_unacknowledged` tells someone is that trigger's
`after`, the only trigger that takes one.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ledger.errors import PolicyError

AUDIENCES = (
    "owner",
    "next_level_up",
    "supervisor",
    "manager",
    "executive",
    "incident_manager",
    "receiving_department",
    "sending_department",
    "escalation_level",
    "level_above",
    "level_audience",
)
TIMED = "escalation_unacknowledged"  # the trigger the notifier runs on its clock


@dataclass(frozen=True)
class Trigger:
    """One trigger: on or off, and to whom."""

    enabled: bool = True
    to: tuple[str, ...] = ()
    after: timedelta | None = None  # escalation_unacknowledged: how long an escalation may wait


def _default_triggers() -> dict[str, Trigger]:
    return {
        "handoff_requested": Trigger(to=("receiving_department",)),
        "handoff_accept_near": Trigger(to=("receiving_department",)),
        "handoff_accept_missed": Trigger(to=("receiving_department", "sending_department")),
        "sla_warning": Trigger(to=("owner",)),
        "sla_breached": Trigger(to=("owner", "next_level_up")),
        "escalation_raised": Trigger(to=("escalation_level",)),
        TIMED: Trigger(to=("escalation_level", "level_above"), after=timedelta(hours=2)),
        "incident_reported": Trigger(to=("incident_manager",)),
        "incident_level": Trigger(to=("level_audience",)),
        "incident_deadline_near": Trigger(to=("owner", "incident_manager")),
        "incident_deadline_missed": Trigger(to=("owner", "incident_manager", "next_level_up")),
        "status_update_due": Trigger(to=("owner",)),
        "action_item_due_soon": Trigger(to=("owner",)),
        "action_item_overdue": Trigger(to=("owner", "next_level_up")),
        "action_item_verification_due": Trigger(to=("owner", "incident_manager")),
        "feedback_survey_owed": Trigger(to=("owner",)),
    }


TRIGGERS = tuple(_default_triggers())


@dataclass(frozen=True)
class NotificationPolicy:
    """The triggers, and who hears of each incident response level (level I: executives)."""

    triggers: Mapping[str, Trigger] = field(default_factory=_default_triggers)
    by_level: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "I": ("executive", "manager", "incident_manager"),
            "II": ("manager", "incident_manager"),
            "III": ("supervisor", "incident_manager"),
        }
    )

    def __post_init__(self) -> None:
        for name, trigger in self.triggers.items():
            if name not in TRIGGERS:
                raise PolicyError(f"notifications.{name}: unknown trigger")
            for audience in trigger.to:
                if audience not in AUDIENCES:
                    raise PolicyError(f"notifications.{name}.to: unknown audience {audience!r}")
            if (trigger.after is not None) != (name == TIMED):
                raise PolicyError(
                    f"notifications.triggers.{name}.after: only {TIMED} takes a time, and needs one"
                )
            if trigger.after is not None and trigger.after <= timedelta(0):
                raise PolicyError(f"notifications.triggers.{name}.after: expected a positive time")

    def trigger(self, name: str) -> Trigger | None:
        """The trigger if it is on, else None."""
        found = self.triggers.get(name)
        return found if found is not None and found.enabled else None
