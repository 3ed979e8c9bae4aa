"""The figures a service aims for: satisfaction, first-contact resolution, and the like.

Only the satisfaction target has a default from the standards (CSAT at least 85 %, seeds 000 and
001); the others are compared once the policy file sets them (`[targets]`).
"""

from dataclasses import dataclass, fields
from datetime import timedelta

from ledger.errors import PolicyError

# Figures where more is better; the others (rates of rework, durations) aim to stay at or below.
AT_LEAST = frozenset({"csat", "first_contact_resolution", "resolution_success", "sla_compliance"})


@dataclass(frozen=True)
class ServiceTargets:
    """Targets as shares (0-1) and durations in counted (business) time; None: no target."""

    csat: float | None = 0.85
    first_contact_resolution: float | None = None
    resolution_success: float | None = None
    sla_compliance: float | None = None
    reopen_rate: float | None = None
    bounce_rate: float | None = None
    response_p90: timedelta | None = None
    resolution_p90: timedelta | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, float) and not 0 <= value <= 1:
                raise PolicyError(f"targets.{item.name}: must be a share between 0 and 1")

    def given(self) -> dict[str, float | timedelta]:
        """The targets the policy sets, by figure."""
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if getattr(self, item.name) is not None
        }
