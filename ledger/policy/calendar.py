"""Calendars that deadlines run on: round-the-clock time, or working hours in a time zone.

`add(start, duration)` is the moment `duration` of counted time after `start`; `between(a, b)`
is the counted time from `a` to `b`. A business calendar counts only its working hours on its
working days, skipping holidays, in its own time zone (so daylight saving is honoured).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.errors import PolicyError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HORIZON_DAYS = 3660  # no deadline is ten years of working time away


class Calendar(Protocol):
    """What deadlines are counted in."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


class CalendarTime:
    """Every hour counts, day and night (the default)."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CalendarTime)

    def __hash__(self) -> int:
        return hash(CalendarTime)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours `opens`-`closes` on `workdays` (0 = Monday), except `holidays`."""

    timezone: str
    opens: time
    closes: time
    workdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PolicyError(f"calendar.timezone: unknown time zone {self.timezone!r}") from None
        if self.closes <= self.opens:
            raise PolicyError("calendar: closes must be after opens")
        if not self.workdays:
            raise PolicyError("calendar.workdays: name at least one working day")

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of a local day, in UTC; None on a day off."""
        if day.weekday() not in self.workdays or day in self.holidays:
            return None
        zone = ZoneInfo(self.timezone)
        return (
            datetime.combine(day, self.opens, zone).astimezone(UTC),
            datetime.combine(day, self.closes, zone).astimezone(UTC),
        )

    def _days_from(self, moment: datetime) -> Iterable[date]:
        first = moment.astimezone(ZoneInfo(self.timezone)).date()
        return (first + timedelta(days=n) for n in range(_HORIZON_DAYS))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration
        for day in self._days_from(start):
            window = self._window(day)
            if window is None:
                continue
            begin = max(window[0], start)
            if begin >= window[1]:
                continue
            available = window[1] - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise PolicyError("calendar: a deadline lies beyond the calendar's ten-year horizon")

    def between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        for day in self._days_from(start):
            window = self._window(day)
            if window is None:
                if datetime.combine(day, time(0), ZoneInfo(self.timezone)) > end:
                    break
                continue
            if window[0] >= end:
                break
            overlap = min(window[1], end) - max(window[0], start)
            if overlap > timedelta(0):
                total += overlap
        return total
