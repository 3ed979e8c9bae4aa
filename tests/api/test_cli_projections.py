"""`ledger projections status|run|rebuild` on the embedded store."""

from pathlib import Path

from api.app import build_ledger
from api.config import Settings
from ledger.values import Actor
from tests.api.test_cli import ledger_command

AGENT = Actor("agent-7", "agent", "service")


def _one_complaint(data_dir: Path) -> None:
    ledger = build_ledger(Settings(data_dir=data_dir))
    ledger.register_complaint(
        channel="phone", customer_name="N", summary="s", description="d", actor=AGENT
    )
    ledger.close()


def test_status_reports_the_lag_until_a_worker_catches_up(tmp_path: Path) -> None:
    _one_complaint(tmp_path)
    before = ledger_command(tmp_path, "projections", "status")
    assert "case_status" in before.stdout and "lag 1" in before.stdout
    assert ledger_command(tmp_path, "projections", "run", "--once").returncode == 0
    after = ledger_command(tmp_path, "projections", "status")
    assert "lag 1" not in after.stdout and "lag 0" in after.stdout


def test_rebuild_swaps_in_a_new_generation_with_a_progress_bar(tmp_path: Path) -> None:
    _one_complaint(tmp_path)
    result = ledger_command(tmp_path, "projections", "rebuild", "case_status")
    assert result.returncode == 0, result.stderr
    assert "100.0%" in result.stderr
    assert "generation 2" in result.stdout


def test_an_unknown_projection_is_refused_with_one_line(tmp_path: Path) -> None:
    _one_complaint(tmp_path)  # the master key exists, so the only line is the refusal
    result = ledger_command(tmp_path, "projections", "rebuild", "nothing")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
