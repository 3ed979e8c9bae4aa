"""Value objects and vocabularies shared by the aggregates."""

from dataclasses import dataclass
from typing import Final
from uuid import UUID

from privacy.fields import Personal

CHANNELS: Final = ("phone", "email", "online_chat", "social_media", "walk_in")
PRIORITIES: Final = ("urgent", "important", "normal")
ESCALATION_LEVELS: Final = ("supervisor", "manager", "executive")
# An incident's response levels: I is the gravest (一级响应), III the lightest.
INCIDENT_LEVELS: Final = ("I", "II", "III")
# The roles a staff member's token may carry, in the column order of the access table
# (ledger/access/policy.py).
ROLES: Final = (
    "agent",
    "supervisor",
    "manager",
    "executive",
    "department_staff",
    "incident_manager",
    "compliance_officer",
    "privacy_officer",
    "administrator",
)
# The service's own actors (the SLA monitor, the retention run) act in the role "system",
# which no token carries.


@dataclass(frozen=True)
class Actor:
    """Who did something: the staff id and role taken from the caller's identity."""

    staff_id: str
    role: str
    department: str | None = None


@dataclass(frozen=True)
class Customer:
    """The data subject a complaint is about; every field but the subject id is personal."""

    subject_id: UUID
    name: Personal
    phone: Personal | None = None
    email: Personal | None = None
    address: Personal | None = None
    # Coarse and non-identifying (a city, a province): kept in the clear so that statistics
    # survive the person's erasure.
    region: str | None = None


def level_rank(level_or_role: str) -> int:
    """Position on the escalation ladder: 0 for anyone below a supervisor."""
    try:
        return ESCALATION_LEVELS.index(level_or_role) + 1
    except ValueError:
        return 0
