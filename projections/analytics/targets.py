"""A figure against its target: met or missed, and by how much."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ledger.policy.service_targets import AT_LEAST, ServiceTargets


@dataclass(frozen=True)
class TargetCheck:
    """`by` is the distance from the target: how far past it when met, how far short when
    missed (a share, or seconds for durations)."""

    figure: str
    target: float
    actual: float | None
    direction: str  # at_least | at_most
    met: bool | None  # None: nothing to judge yet (no scores, no resolutions)
    by: float | None


def _number(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else value


def check_targets(targets: ServiceTargets, actual: dict[str, float | None]) -> list[TargetCheck]:
    """Every target the policy sets, judged against the figure of the same name."""
    found = []
    for figure, target in targets.given().items():
        goal = _number(target)
        value = actual.get(figure)
        direction = "at_least" if figure in AT_LEAST else "at_most"
        if value is None:
            found.append(TargetCheck(figure, goal, None, direction, None, None))
            continue
        met = value >= goal if direction == "at_least" else value <= goal
        found.append(TargetCheck(figure, goal, value, direction, met, round(abs(value - goal), 6)))
    return found


def as_dicts(checks: list[TargetCheck]) -> list[dict[str, Any]]:
    return [check.__dict__ for check in checks]
