"""The service policy: its defaults, the deadlines it computes, and how a TOML file overrides it."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import PolicyError
from ledger.policy.calendar import BusinessCalendar
from ledger.policy.policy_file import load_policy, policy_from_mapping
from ledger.policy.service_policy import (
    ComplaintDeadlines,
    Policy,
    PriorityTargets,
    parse_duration,
)

REGISTERED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


# -- defaults -----------------------------------------------------------------------------------


def test_default_deadlines_follow_the_operating_standards() -> None:
    assert Policy().priorities == {
        "urgent": PriorityTargets(first_response=2 * HOUR, resolution=24 * HOUR),
        "important": PriorityTargets(first_response=12 * HOUR, resolution=48 * HOUR),
        "normal": PriorityTargets(
            first_response=24 * HOUR, resolution=48 * HOUR, written_reply=72 * HOUR
        ),
    }


def test_default_tiers_tighten_first_response_for_high_value_customers_only() -> None:
    assert Policy().tier_first_response == {"standard": None, "high_value": 15 * MINUTE}


def test_default_vocabularies_and_thresholds() -> None:
    policy = Policy()

    assert policy.categories == (
        "product_enquiry",
        "complaint",
        "after_sales",
        "technical_support",
        "order",
        "service",
    )
    assert policy.departments == ("service", "technical", "engineering", "logistics", "quality")
    assert policy.intake_department == "service"
    assert policy.reopen_at_or_below == 2
    assert policy.feedback_due == 24 * HOUR
    assert (policy.handoff_accept, policy.handoff_complete) == (2 * HOUR, 24 * HOUR)


def test_policy_cannot_be_changed_once_built() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Policy().reopen_at_or_below = 3  # type: ignore[misc]


# -- deadlines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "tier", "first_response", "resolution", "written_reply"),
    [
        ("urgent", "standard", 2 * HOUR, 24 * HOUR, None),
        ("important", "standard", 12 * HOUR, 48 * HOUR, None),
        ("normal", "standard", 24 * HOUR, 48 * HOUR, 72 * HOUR),
        ("urgent", "high_value", 15 * MINUTE, 24 * HOUR, None),
        ("important", "high_value", 15 * MINUTE, 48 * HOUR, None),
        ("normal", "high_value", 15 * MINUTE, 48 * HOUR, 72 * HOUR),
    ],
)
def test_deadlines_are_counted_from_registration(
    priority: str,
    tier: str,
    first_response: timedelta,
    resolution: timedelta,
    written_reply: timedelta | None,
) -> None:
    deadlines = Policy().complaint_deadlines(
        registered_at=REGISTERED_AT, priority=priority, tier=tier
    )

    assert deadlines == ComplaintDeadlines(
        first_response_due=REGISTERED_AT + first_response,
        resolution_due=REGISTERED_AT + resolution,
        written_reply_due=REGISTERED_AT + written_reply if written_reply else None,
    )


@pytest.mark.parametrize(
    ("priority", "first_response"),
    [("urgent", 2 * HOUR), ("important", 4 * HOUR), ("normal", 4 * HOUR)],
)
def test_tier_target_only_ever_tightens_the_first_response(
    priority: str, first_response: timedelta
) -> None:
    policy = dataclasses.replace(Policy(), tier_first_response={"standard": None, "gold": 4 * HOUR})

    deadlines = policy.complaint_deadlines(
        registered_at=REGISTERED_AT, priority=priority, tier="gold"
    )

    assert deadlines.first_response_due == REGISTERED_AT + first_response


# -- validation of a policy built in code -------------------------------------------------------


@pytest.mark.parametrize("threshold", [1, 2, 3, 4])
def test_reopen_threshold_may_be_one_to_four(threshold: int) -> None:
    assert Policy(reopen_at_or_below=threshold).reopen_at_or_below == threshold


@pytest.mark.parametrize("threshold", [0, 5, -1])
def test_reopen_threshold_outside_one_to_four_is_refused(threshold: int) -> None:
    with pytest.raises(PolicyError, match=r"complaints\.reopen_at_or_below"):
        Policy(reopen_at_or_below=threshold)


def test_intake_department_outside_the_departments_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"complaints\.intake_department"):
        Policy(intake_department="sales")


def test_policy_without_every_priority_is_refused() -> None:
    priorities = dict(Policy().priorities)
    del priorities["normal"]

    with pytest.raises(PolicyError, match=r"complaints\.deadlines: give exactly the priorities"):
        Policy(priorities=priorities)


def test_resolution_due_before_first_response_is_refused() -> None:
    priorities = {**Policy().priorities, "urgent": PriorityTargets(3 * HOUR, 2 * HOUR)}

    with pytest.raises(PolicyError, match=r"complaints\.deadlines\.urgent: resolution"):
        Policy(priorities=priorities)


# -- durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", 15 * MINUTE),
        ("2h", 2 * HOUR),
        ("3d", timedelta(days=3)),
        (" 2 h ", 2 * HOUR),
    ],
)
def test_durations_are_written_with_a_unit(text: str, duration: timedelta) -> None:
    assert parse_duration(text, where="x") == duration


@pytest.mark.parametrize("text", ["2", "h", "2w", "-1h", "1.5h", "2 hours", "", 2, None])
def test_duration_without_a_known_unit_is_refused_naming_the_setting(text: Any) -> None:
    with pytest.raises(PolicyError, match=r"^handoffs\.accept: expected a duration"):
        parse_duration(text, where="handoffs.accept")


@pytest.mark.parametrize("text", ["0s", "0m", "0h", "0d"])
def test_zero_duration_is_refused(text: str) -> None:
    with pytest.raises(PolicyError, match=r"^handoffs\.accept: a duration must be positive"):
        parse_duration(text, where="handoffs.accept")


# -- loading from TOML --------------------------------------------------------------------------

POLICY_TOML = """
[complaints]
categories = ["billing", "delivery"]
departments = ["front_desk", "workshop"]
intake_department = "front_desk"
reopen_at_or_below = 3
feedback_due = "2d"

[complaints.deadlines.urgent]
first_response = "1h"
resolution = "8h"

[complaints.deadlines.normal]
written_reply = "5d"

[complaints.tiers.gold]
first_response = "30m"

[handoffs]
accept = "4h"
complete = "3d"
"""


def test_policy_file_overrides_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_TOML, encoding="utf-8")

    policy = load_policy(path)

    assert policy.categories == ("billing", "delivery")
    assert policy.departments == ("front_desk", "workshop")
    assert policy.intake_department == "front_desk"
    assert policy.reopen_at_or_below == 3
    assert policy.feedback_due == timedelta(days=2)
    assert policy.priorities["urgent"] == PriorityTargets(1 * HOUR, 8 * HOUR)
    assert policy.tier_first_response["gold"] == 30 * MINUTE
    assert (policy.handoff_accept, policy.handoff_complete) == (4 * HOUR, timedelta(days=3))


def test_policy_file_keeps_the_defaults_it_does_not_mention(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_TOML, encoding="utf-8")

    policy = load_policy(path)

    defaults = Policy()
    assert policy.priorities["important"] == defaults.priorities["important"]
    assert policy.priorities["normal"] == PriorityTargets(
        first_response=24 * HOUR, resolution=48 * HOUR, written_reply=timedelta(days=5)
    )
    assert policy.tier_first_response["high_value"] == 15 * MINUTE


def test_empty_policy_file_gives_the_default_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("", encoding="utf-8")

    assert load_policy(path) == Policy()


def test_no_policy_file_gives_the_default_policy() -> None:
    assert load_policy(None) == Policy()


def test_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    "content", [b"[complaints\n", b"reopen_at_or_below = = 2\n", b"\xff\xfe not utf-8"]
)
def test_policy_file_that_is_not_toml_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(content)

    with pytest.raises(PolicyError, match="is not valid TOML"):
        load_policy(path)


def test_tier_without_a_first_response_target_tightens_nothing() -> None:
    policy = policy_from_mapping({"complaints": {"tiers": {"bronze": {}}}})

    assert policy.tier_first_response["bronze"] is None


# Each bad setting and the name the error must give, so an operator can find it in the file.
BAD_SETTINGS = [
    ({"escalations": {}}, "escalations: unknown section"),
    ({"complaints": "fast"}, "complaints: expected a table"),
    ({"complaints": {"sla": 1}}, "complaints.sla: unknown setting"),
    ({"complaints": {"deadlines": []}}, "complaints.deadlines: expected a table"),
    ({"complaints": {"deadlines": {"low": {}}}}, "complaints.deadlines.low: unknown priority"),
    ({"complaints": {"deadlines": {"urgent": "2h"}}}, "complaints.deadlines.urgent: expected"),
    (
        {"complaints": {"deadlines": {"urgent": {"reply": "2h"}}}},
        "complaints.deadlines.urgent.reply: unknown setting",
    ),
    (
        {"complaints": {"deadlines": {"urgent": {"first_response": "soon"}}}},
        "complaints.deadlines.urgent.first_response: expected a duration",
    ),
    (
        {"complaints": {"deadlines": {"important": {"resolution": "0h"}}}},
        "complaints.deadlines.important.resolution: a duration must be positive",
    ),
    (
        {"complaints": {"deadlines": {"normal": {"written_reply": 72}}}},
        "complaints.deadlines.normal.written_reply: expected a duration",
    ),
    (
        {"complaints": {"deadlines": {"urgent": {"first_response": "30h"}}}},
        "complaints.deadlines.urgent: resolution must not come before first_response",
    ),
    ({"complaints": {"tiers": []}}, "complaints.tiers: expected a table"),
    ({"complaints": {"tiers": {"gold": "1h"}}}, "complaints.tiers.gold: expected a table"),
    (
        {"complaints": {"tiers": {"gold": {"resolution": "1h"}}}},
        "complaints.tiers.gold.resolution: unknown setting",
    ),
    (
        {"complaints": {"tiers": {"Gold": {"first_response": "1h"}}}},
        "complaints.tiers.Gold: names are lower-case",
    ),
    (
        {"complaints": {"tiers": {"gold": {"first_response": "1 hour"}}}},
        "complaints.tiers.gold.first_response: expected a duration",
    ),
    (
        {"complaints": {"tiers": {"gold": {"first_response": 0}}}},
        "complaints.tiers.gold.first_response: expected a duration",
    ),
    (
        {"complaints": {"tiers": {"gold": {"first_response": ""}}}},
        "complaints.tiers.gold.first_response: expected a duration",
    ),
    ({"complaints": {"categories": []}}, "complaints.categories: expected a non-empty list"),
    ({"complaints": {"categories": "order"}}, "complaints.categories: expected a non-empty list"),
    ({"complaints": {"categories": ["order", 7]}}, "complaints.categories: expected a non-empty"),
    ({"complaints": {"categories": ["Order"]}}, "complaints.categories: names are lower-case"),
    ({"complaints": {"categories": ["after sales"]}}, "complaints.categories: names are"),
    ({"complaints": {"departments": []}}, "complaints.departments: expected a non-empty list"),
    ({"complaints": {"departments": ["9lives"]}}, "complaints.departments: names are lower"),
    (
        {"complaints": {"departments": ["front_desk"]}},
        "complaints.intake_department: must be one of the departments",
    ),
    (
        {"complaints": {"intake_department": "sales"}},
        "complaints.intake_department: must be one of the departments",
    ),
    ({"complaints": {"reopen_at_or_below": "2"}}, "complaints.reopen_at_or_below: expected an"),
    ({"complaints": {"reopen_at_or_below": 2.0}}, "complaints.reopen_at_or_below: expected an"),
    ({"complaints": {"reopen_at_or_below": True}}, "complaints.reopen_at_or_below: expected an"),
    ({"complaints": {"reopen_at_or_below": 0}}, "complaints.reopen_at_or_below: must be between"),
    ({"complaints": {"reopen_at_or_below": 5}}, "complaints.reopen_at_or_below: must be between"),
    ({"complaints": {"feedback_due": "tomorrow"}}, "complaints.feedback_due: expected a duration"),
    ({"handoffs": []}, "handoffs: expected a table"),
    ({"handoffs": {"escalate": "1h"}}, "handoffs.escalate: unknown setting"),
    ({"handoffs": {"accept": "2x"}}, "handoffs.accept: expected a duration"),
    ({"handoffs": {"complete": "0d"}}, "handoffs.complete: a duration must be positive"),
    ({"incidents": {"asses_within": "1h"}}, "incidents.asses_within: unknown setting"),
    ({"incidents": {"verify_within": "1mo"}}, "incidents.verify_within: expected a duration"),
    ({"incidents": {"review_plan_working_days": "2"}}, "incidents.review_plan_working_days: exp"),
    ({"incidents": {"roles": ["scribe"]}}, "incidents.roles: must include incident_lead"),
    ({"incidents": {"roles": ["Scribe"]}}, "incidents.roles: names are lower-case"),
    ({"sla": {"pause_while_awaiting_customer": 1}}, "sla.pause_while_awaiting_customer: expected"),
    ({"sla": {"warn_at_percent": 0}}, "sla.warn_at_percent: expected a whole number from 1 to 99"),
    ({"calendar": {}}, "calendar.timezone: name the time zone"),
    ({"calendar": {"timezone": "Mars/Olympus"}}, "calendar.timezone: unknown time zone"),
    ({"calendar": {"timezone": "UTC", "opens": "9am"}}, "calendar.opens: expected a time"),
    ({"calendar": {"timezone": "UTC", "opens": "18:00"}}, "calendar: closes must be after opens"),
    ({"calendar": {"timezone": "UTC", "workdays": ["monday"]}}, "calendar.workdays: expected one"),
    ({"calendar": {"timezone": "UTC", "workdays": []}}, "calendar.workdays: name at least one"),
    ({"calendar": {"timezone": "UTC", "holidays": ["1 Oct"]}}, "calendar.holidays: expected dates"),
]


@pytest.mark.parametrize(("data", "message"), BAD_SETTINGS, ids=[m for _, m in BAD_SETTINGS])
def test_invalid_setting_is_refused_naming_the_setting(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        policy_from_mapping(data)

    assert str(refused.value).startswith(message)


def test_invalid_setting_in_a_policy_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[handoffs]\naccept = "soon"\n', encoding="utf-8")

    with pytest.raises(PolicyError, match=r"^handoffs\.accept: expected a duration"):
        load_policy(path)


def test_incident_deadlines_are_overridden_from_toml() -> None:
    from ledger.policy.policy_file import policy_from_mapping as build

    policy = build(
        {
            "incidents": {
                "assess_within": "1h",
                "activate_within": "3h",
                "review_plan_working_days": 3,
            }
        }
    )
    rules = policy.incidents
    assert (rules.assess_within, rules.activate_within, rules.review_plan_working_days) == (
        timedelta(hours=1),
        timedelta(hours=3),
        3,
    )


def test_policy_file_may_write_calendar_times_and_dates_as_toml_values(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        '[calendar]\ntimezone = "Asia/Shanghai"\nopens = 08:30:00\nholidays = [2026-10-01]\n',
        encoding="utf-8",
    )

    assert load_policy(path).calendar == BusinessCalendar(
        timezone="Asia/Shanghai",
        opens=time(8, 30),
        closes=time(18),
        holidays=frozenset({date(2026, 10, 1)}),
    )
