"""The one duration grammar: each kind of setting takes its own units, and names itself."""

from datetime import timedelta

import pytest

from ledger.errors import PolicyError
from ledger.policy.durations import RETENTION_PERIODS, SERVICE_TIMES


def test_a_service_time_in_m_is_minutes() -> None:
    assert SERVICE_TIMES.parse("2m", where="x") == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("90d", timedelta(days=90)),
        ("2w", timedelta(weeks=2)),
        ("6mo", timedelta(days=180)),
        ("3y", timedelta(days=3 * 365)),
    ],
)
def test_a_retention_period_is_days_weeks_months_or_years(text: str, period: timedelta) -> None:
    assert RETENTION_PERIODS.parse(text, where="x") == period


@pytest.mark.parametrize("text", ["2m", "12h", "30s"])
def test_a_retention_period_in_minutes_or_hours_is_refused_naming_the_setting(text: str) -> None:
    with pytest.raises(PolicyError, match=r"^complaints\.default: expected a duration like '90d'"):
        RETENTION_PERIODS.parse(text, where="complaints.default")


def test_a_service_time_in_months_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"^handoffs\.accept: expected a duration"):
        SERVICE_TIMES.parse("1mo", where="handoffs.accept")
