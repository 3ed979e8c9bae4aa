"""LEDGER_GROUP_COMMIT: on by default, off to compare, anything else refused with one line."""

import pytest

from api.config import Settings
from ledger.errors import PolicyError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, True), ("on", True), ("ON", True), ("off", False), (" off ", False)],
)
def test_group_commit_is_on_unless_switched_off(raw: str | None, expected: bool) -> None:
    environ = {} if raw is None else {"LEDGER_GROUP_COMMIT": raw}
    assert Settings.from_env(environ).group_commit is expected


def test_a_group_commit_setting_other_than_on_or_off_is_refused() -> None:
    with pytest.raises(PolicyError, match="LEDGER_GROUP_COMMIT: expected on or off"):
        Settings.from_env({"LEDGER_GROUP_COMMIT": "yes"})
