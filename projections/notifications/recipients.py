"""Who a notice goes to: the trigger's audiences resolved against the staff directory, and the
webhook subscriptions that want its kind and department.

Resolved once, when the notice is raised, and recorded in it: later changes to the directory
do not rewrite whom a past notice was for. An audience that names nobody in the directory is
recorded too (`Resolved.nobody`), so that an auditor reads "nobody to tell", not silence.
"""

from dataclasses import dataclass, field

from ledger.notifications.subscriptions import Subscriptions
from ledger.policy.notification_policy import NotificationPolicy
from ledger.staff.directory import StaffDirectory, StaffMember
from ledger.values import ESCALATION_LEVELS

_LEVELS = ("supervisor", "manager", "executive", "incident_manager")
_ANYWHERE = ("executive", "incident_manager")  # organisation-wide levels


@dataclass(frozen=True)
class RecordFacts:
    """What the audiences ask of the record a notice is about (read from its aggregate)."""

    department: str | None
    owner: str | None = None  # a complaint's owner, or an action item's
    departments: dict[str, str] = field(default_factory=dict)  # receiving / sending
    escalation_level: str | None = None
    incident_level: str | None = None


@dataclass(frozen=True)
class Resolved:
    """The staff ids the audiences named, in the order first named, and the audiences that
    named nobody in the directory."""

    staff: list[str]
    nobody: list[str]


def resolve(
    audiences: tuple[str, ...],
    facts: RecordFacts,
    directory: StaffDirectory,
    policy: NotificationPolicy,
) -> Resolved:
    """Who each audience is, by the directory as it is now."""
    found: list[StaffMember] = []
    nobody: list[str] = []
    for audience in audiences:
        members = _members(audience, facts, directory, policy)
        if not members:
            nobody.append(audience)
        found.extend(members)
    return Resolved(list(dict.fromkeys(member.staff_id for member in found)), nobody)


def _at(level: str, facts: RecordFacts, directory: StaffDirectory) -> list[StaffMember]:
    return directory.at_level(level, None if level in _ANYWHERE else facts.department)


def _members(
    audience: str, facts: RecordFacts, directory: StaffDirectory, policy: NotificationPolicy
) -> list[StaffMember]:
    if audience == "owner":
        owner = directory.get(facts.owner) if facts.owner else None
        return [owner] if owner else []
    if audience == "next_level_up":
        owner = directory.get(facts.owner) if facts.owner else None
        boss = directory.get(owner.reports_to) if owner and owner.reports_to else None
        return [boss] if boss else _at("supervisor", facts, directory)
    if audience in _LEVELS:
        return _at(audience, facts, directory)
    if audience in ("receiving_department", "sending_department"):
        department = facts.departments.get(audience.partition("_")[0])
        return directory.in_department(department) if department else []
    if audience == "escalation_level" and facts.escalation_level:
        return _at(facts.escalation_level, facts, directory)
    if audience == "level_above" and facts.escalation_level in ESCALATION_LEVELS:
        above = ESCALATION_LEVELS[ESCALATION_LEVELS.index(facts.escalation_level) + 1 :]
        return _at(above[0], facts, directory) if above else []
    if audience == "level_audience" and facts.incident_level:
        return [
            member
            for level in policy.by_level.get(facts.incident_level, ())
            for member in _at(level, facts, directory)
        ]
    return []


def webhooks_for(kind: str, department: str | None, subscriptions: Subscriptions) -> list[str]:
    """The subscriptions that want notifications of `kind` about `department`."""
    return [
        f"webhook:{sub.subscription_id}"
        for sub in subscriptions.all()
        if sub.wants(kind, department)
    ]
