"""The retention settings: a rules file and a run interval, off by default."""

from pathlib import Path

import pytest

from api.config import Settings
from ledger.errors import PolicyError


def test_the_periodic_retention_run_is_off_by_default() -> None:
    settings = Settings.from_env({})
    assert (settings.retention_file, settings.retention_interval) == (None, 0)


def test_the_rules_file_and_interval_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LEDGER_RETENTION_FILE": "/etc/ledger/retention.toml",
            "LEDGER_RETENTION_INTERVAL": "86400",
        }
    )
    assert settings.retention_file == Path("/etc/ledger/retention.toml")
    assert settings.retention_interval == 86400


def test_a_negative_interval_is_refused_naming_the_setting() -> None:
    with pytest.raises(PolicyError, match="LEDGER_RETENTION_INTERVAL"):
        Settings.from_env({"LEDGER_RETENTION_INTERVAL": "-1"})
