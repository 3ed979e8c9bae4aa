"""Reporting periods in the service's own time zone (the business calendar's, else UTC).

Labels sort in time order within one kind of period: `2026-03-02` (day), `2026-W10` (ISO week),
`2026-03` (month), `2026-Q1` (quarter), `2026` (year).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger.policy.service_policy import Policy

PERIODS = ("day", "week", "month", "quarter", "year")


def zone_of(policy: Policy) -> ZoneInfo:
    """The time zone periods are cut in: the business calendar's, or UTC."""
    return ZoneInfo(getattr(policy.calendar, "timezone", "UTC"))


def period_label(moment: datetime, period: str, zone: ZoneInfo) -> str:
    """The label of the period `moment` falls in."""
    local = moment.astimezone(zone)
    if period == "day":
        return local.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return local.strftime("%Y-%m")
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return str(local.year)


def _start_of(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return day


def _next(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_complete(period: str, at: datetime, zone: ZoneInfo) -> tuple[datetime, datetime, str]:
    """The last whole period ended by `at`: its start, its end (exclusive, UTC) and its label."""
    current = _start_of(at.astimezone(zone).date(), period)
    previous = _start_of(current - timedelta(days=1), period)

    def instant(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC)

    start = instant(previous)
    return start, instant(current), period_label(start, period, zone)
