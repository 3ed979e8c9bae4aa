"""`ledger report`: a bad `--at` is refused in one line with a non-zero exit."""

from pathlib import Path

import pytest

from tests.api.test_cli import ledger_command


@pytest.mark.parametrize(
    ("at", "refusal"),
    [("next monday", "not an ISO 8601 time"), ("2026-03-16T09:00:00", "give the time zone")],
)
def test_a_bad_report_time_is_refused_in_one_line(tmp_path: Path, at: str, refusal: str) -> None:
    result = ledger_command(tmp_path, "report", "weekly", "--at", at)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("ledger: --at: ")
    assert refusal in result.stderr
    assert not (tmp_path / "reports").exists()


def test_an_unknown_report_kind_is_refused_by_the_parser(tmp_path: Path) -> None:
    result = ledger_command(tmp_path, "report", "daily")
    assert result.returncode == 2 and "invalid choice: 'daily'" in result.stderr
