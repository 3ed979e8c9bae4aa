"""The notification triggers of the policy file: the unacknowledged-escalation limit."""

from datetime import timedelta
from typing import Any

import pytest

from ledger.errors import PolicyError
from ledger.policy.policy_file import policy_from_mapping


def _triggers(**triggers: Any) -> dict[str, Any]:
    return {"notifications": {"triggers": triggers}}


def test_an_escalation_may_wait_two_hours_unacknowledged_by_default() -> None:
    trigger = policy_from_mapping({}).notifications.trigger("escalation_unacknowledged")
    assert trigger is not None
    assert (trigger.after, trigger.to) == (timedelta(hours=2), ("escalation_level", "level_above"))


def test_the_policy_file_sets_how_long_an_escalation_may_wait_unacknowledged() -> None:
    policy = policy_from_mapping(_triggers(escalation_unacknowledged={"after": "30m"}))
    trigger = policy.notifications.trigger("escalation_unacknowledged")
    assert trigger is not None and trigger.after == timedelta(minutes=30)


def test_the_unacknowledged_escalation_trigger_may_be_switched_off() -> None:
    policy = policy_from_mapping(_triggers(escalation_unacknowledged={"enabled": False}))
    assert policy.notifications.trigger("escalation_unacknowledged") is None


@pytest.mark.parametrize(
    ("triggers", "message"),
    [
        (
            {"sla_breached": {"after": "1h"}},
            "notifications.triggers.sla_breached.after: only escalation_unacknowledged takes",
        ),
        (
            {"escalation_unacknowledged": {"after": "0m"}},
            "notifications.triggers.escalation_unacknowledged.after: a duration must be positive",
        ),
        (
            {"escalation_unacknowledged": {"after": "2 hours"}},
            "notifications.triggers.escalation_unacknowledged.after: expected a duration",
        ),
        (
            {"escalation_unacknowledged": {"to": ["the_boss"]}},
            "notifications.triggers.escalation_unacknowledged.to: unknown audience",
        ),
    ],
)
def test_a_bad_trigger_setting_is_refused_naming_it(triggers: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        policy_from_mapping(_triggers(**triggers))
    assert str(refused.value).startswith(message)
