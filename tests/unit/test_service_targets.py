"""Service targets in the policy file: percentages become shares; a bad one is named."""

from datetime import timedelta

import pytest

from ledger.errors import PolicyError
from ledger.policy.policy_file import policy_from_mapping
from ledger.policy.service_policy import Policy


def test_csat_aims_at_85_percent_by_default_and_nothing_else() -> None:
    assert Policy().service_targets.given() == {"csat": 0.85}


def test_the_targets_table_sets_shares_and_durations() -> None:
    policy = policy_from_mapping(
        {"targets": {"csat_percent": 95, "reopen_rate_max_percent": 5, "response_p90": "4h"}}
    )
    assert policy.service_targets.given() == {
        "csat": 0.95,
        "reopen_rate": 0.05,
        "response_p90": timedelta(hours=4),
    }


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"csat_percent": 101}, "targets.csat_percent"),
        ({"bounce_rate_max_percent": "ten"}, "targets.bounce_rate_max_percent"),
        ({"resolution_p90": "soon"}, "targets.resolution_p90"),
        ({"csat": 85}, "targets.csat"),
    ],
)
def test_a_bad_target_is_refused_naming_it(given: dict, refusal: str) -> None:
    with pytest.raises(PolicyError, match=refusal):
        policy_from_mapping({"targets": given})
