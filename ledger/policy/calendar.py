"""Calendars that deadlines run on: round-the-clock time, or working hours in a time zone.

`add(start, duration)` is the moment `duration` of counted time after `start`; `between(a, b)`
is the counted time from `a` to `b`; `add_working_days(start, n)` is `start` moved to the same
time of day `n` working days later. A business calendar counts only its working hours on its
working days, skipping holidays, in its own time zone (so daylight saving is honoured); round-
the-clock time counts every hour, and Monday to Friday as working days.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.errors import PolicyError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HORIZON_DAYS = 3660  # no deadline is ten years of working time away


class Calendar(Protocol):
    """What deadlines are counted in."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...

    def add_working_days(self, start: datetime, days: int) -> datetime: ...


def _add_days(
    start: datetime, days: int, working: Callable[[date], bool], zone: tzinfo
) -> datetime:
    """`start` moved by `days` days on which `working` holds, keeping the local time of day."""
    local = start.astimezone(zone)
    day, remaining = local.date(), days
    for _ in range(_HORIZON_DAYS):
        if remaining <= 0:
            break
        day += timedelta(days=1)
        if working(day):
            remaining -= 1
    else:
        raise PolicyError("calendar: a deadline lies beyond the calendar's ten-year horizon")
    return datetime.combine(day, local.timetz().replace(tzinfo=None), zone).astimezone(UTC)


class CalendarTime:
    """Every hour counts, day and night (the default)."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Monday to Friday count, in UTC: without a business calendar there are no holidays."""
        return _add_days(start, days, lambda day: day.weekday() < 5, UTC)

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

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Working days of this calendar (its workdays, not its holidays), in its time zone."""
        return _add_days(start, days, self.is_working_day, ZoneInfo(self.timezone))

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of a local day, in UTC; None on a day off."""
        if not self.is_working_day(day):
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
