"""Business calendars: deadlines count only working hours, in the calendar's time zone."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from ledger.errors import PolicyError
from ledger.policy.calendar import BusinessCalendar, CalendarTime
from ledger.policy.policy_file import policy_from_mapping

# Shanghai is UTC+8 all year: 09:00-18:00 local is 01:00-10:00 UTC.
SHANGHAI = BusinessCalendar(
    timezone="Asia/Shanghai",
    opens=time(9),
    closes=time(18),
    holidays=frozenset({date(2026, 10, 1)}),
)
MONDAY_10_LOCAL = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_calendar_time_counts_every_hour() -> None:
    assert CalendarTime().add(MONDAY_10_LOCAL, timedelta(hours=30)) == MONDAY_10_LOCAL + timedelta(
        hours=30
    )


def test_a_deadline_within_the_working_day_is_plain_addition() -> None:
    assert SHANGHAI.add(MONDAY_10_LOCAL, timedelta(hours=2)) == MONDAY_10_LOCAL + timedelta(hours=2)


def test_time_left_at_closing_carries_over_to_the_next_morning() -> None:
    # 10:00 + 12 working hours: 8 h today (until 18:00), 4 h tomorrow -> Tuesday 13:00 local.
    assert SHANGHAI.add(MONDAY_10_LOCAL, timedelta(hours=12)) == datetime(
        2026, 3, 3, 5, 0, tzinfo=UTC
    )


def test_weekends_do_not_count() -> None:
    friday_17_local = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    # 1 h on Friday, then Monday 09:00 + 1 h.
    assert SHANGHAI.add(friday_17_local, timedelta(hours=2)) == datetime(
        2026, 3, 9, 2, 0, tzinfo=UTC
    )


def test_holidays_do_not_count() -> None:
    wednesday_before = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)  # 17:00 local
    assert SHANGHAI.add(wednesday_before, timedelta(hours=2)) == datetime(
        2026, 10, 2, 2, 0, tzinfo=UTC
    )


def test_registration_out_of_hours_starts_counting_at_opening() -> None:
    sunday_night = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert SHANGHAI.add(sunday_night, timedelta(hours=1)) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("hours", [0.5, 2, 9, 12, 40, 100])
def test_between_measures_what_add_added(hours: float) -> None:
    due = SHANGHAI.add(MONDAY_10_LOCAL, timedelta(hours=hours))
    assert SHANGHAI.between(MONDAY_10_LOCAL, due) == timedelta(hours=hours)


def test_daylight_saving_is_honoured_in_the_calendar_zone() -> None:
    london = BusinessCalendar(timezone="Europe/London", opens=time(9), closes=time(17))
    friday_16 = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)  # GMT: 16:00 local
    # Clocks go forward on Sunday 29 March: Monday 09:00 local is 08:00 UTC.
    assert london.add(friday_16, timedelta(hours=2)) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_a_policy_file_names_a_business_calendar() -> None:
    policy = policy_from_mapping(
        {
            "calendar": {
                "timezone": "Asia/Shanghai",
                "opens": "09:00",
                "closes": "18:00",
                "holidays": ["2026-10-01"],
            }
        }
    )
    assert policy.calendar == SHANGHAI


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(PolicyError, match="time zone"):
        policy_from_mapping({"calendar": {"timezone": "Mars/Olympus"}})


def test_a_policy_file_sets_the_warning_mark_and_pausing() -> None:
    policy = policy_from_mapping(
        {"sla": {"warn_at_percent": 75, "pause_while_awaiting_customer": False}}
    )
    assert (policy.warn_at_fraction, policy.pause_while_awaiting_customer) == (0.75, False)


@pytest.mark.parametrize(
    "sla", [{"warn_at_percent": 100}, {"warn_at_percent": "80"}, {"pause": True}]
)
def test_invalid_sla_settings_are_refused(sla: dict[str, object]) -> None:
    with pytest.raises(PolicyError, match="sla"):
        policy_from_mapping({"sla": sla})


def test_deadlines_follow_the_business_calendar_of_the_policy() -> None:
    policy = policy_from_mapping({"calendar": {"timezone": "Asia/Shanghai"}})
    friday_17_local = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    deadlines = policy.complaint_deadlines(
        registered_at=friday_17_local, priority="urgent", tier="standard"
    )
    assert deadlines.first_response_due == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
