"""`ledger projections status|run|rebuild` on PostgreSQL."""

from pathlib import Path

from api.wiring.ledger import build_ledger
from ledger.values import Actor
from tests.api.test_cli import ledger_command, ledger_settings

AGENT = Actor("agent-7", "agent", "service")


def _one_complaint(data_dir: Path) -> None:
    ledger = build_ledger(ledger_settings(data_dir))
    ledger.register_complaint(
        channel="phone", customer_name="N", summary="s", description="d", actor=AGENT
    )
    ledger.close()


def test_status_reports_the_lag_until_a_worker_catches_up(data_dir: Path) -> None:
    _one_complaint(data_dir)
    before = ledger_command(data_dir, "projections", "status")
    assert "case_status" in before.stdout and "lag 1" in before.stdout
    assert ledger_command(data_dir, "projections", "run", "--once").returncode == 0
    after = ledger_command(data_dir, "projections", "status")
    assert "lag 1" not in after.stdout and "lag 0" in after.stdout


def test_rebuild_swaps_in_a_new_generation_with_a_progress_bar(data_dir: Path) -> None:
    _one_complaint(data_dir)
    result = ledger_command(data_dir, "projections", "rebuild", "case_status")
    assert result.returncode == 0, result.stderr
    assert "100.0%" in result.stderr
    assert "generation 2" in result.stdout


def test_an_unknown_projection_is_refused_with_one_line(data_dir: Path) -> None:
    _one_complaint(data_dir)  # the master key exists, so the only line is the refusal
    result = ledger_command(data_dir, "projections", "rebuild", "nothing")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
