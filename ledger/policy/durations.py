"""The one grammar of durations in configuration files: a whole number and a unit, `2h`, `90d`.

    s seconds   m minutes   h hours   d days   w weeks   mo months (30 days)   y years (365 days)

Each setting accepts the units that make sense for it: service deadlines are counted in seconds
to days (`SERVICE_TIMES`), retention periods in days to years (`RETENTION_PERIODS`), so that `2m`
can never be read as two months where minutes were meant.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from ledger.errors import PolicyError

UNITS: Final = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "mo": timedelta(days=30),
    "y": timedelta(days=365),
}
_DURATION = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")


class DurationError(PolicyError):
    """A text is not a duration of the grammar (the message names the setting)."""


@dataclass(frozen=True)
class Durations:
    """The durations one kind of setting accepts: the units, and examples for the refusal."""

    units: tuple[str, ...]
    examples: str

    def parse(self, text: Any, *, where: str) -> timedelta:
        """`text` as a positive timedelta; refused naming `where` (the setting's path)."""
        match = _DURATION.match(text) if isinstance(text, str) else None
        if match is None or match.group(2) not in self.units:
            raise DurationError(f"{where}: expected a duration like {self.examples}, got {text!r}")
        amount = int(match.group(1))
        if amount <= 0:
            raise DurationError(f"{where}: a duration must be positive, got {text!r}")
        return amount * UNITS[match.group(2)]


SERVICE_TIMES: Final = Durations(("s", "m", "h", "d"), "'15m', '2h' or '3d'")
RETENTION_PERIODS: Final = Durations(("d", "w", "mo", "y"), "'90d', '6mo' or '3y'")
