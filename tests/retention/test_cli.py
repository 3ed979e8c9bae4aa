"""`ledger retention run` and `ledger archive export|verify`: output and exit codes.

The CLI reads the system clock: the cases close at the tests' START (March 2026) under a
retention of one day, so they are due whenever the suite runs.
"""

import json
from pathlib import Path

import pytest

from api.cli.main import main
from ledger.application.service import LedgerApplication
from tests.retention.conftest import closed_complaint


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, environment: Path) -> Path:
    rules = environment / "retention.toml"
    rules.write_text('[complaints]\ndefault = "1d"\n')
    monkeypatch.setenv("LEDGER_RETENTION_FILE", str(rules))
    return environment


def test_a_dry_run_lists_what_a_run_then_does(
    environment: Path, ledger: LedgerApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    case = closed_complaint(ledger, marker="Qin Cli")
    assert main(["retention", "run", "--dry-run"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert (plan["dry_run"], plan["archived"]) == (True, [str(case.id)])
    assert main(["retention", "run"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["archived"] == [str(case.id)]
    assert done["destroyed_subjects"] == [str(case.customer.subject_id)]


def test_an_exported_bundle_verifies_and_a_changed_one_fails(
    environment: Path, ledger: LedgerApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    closed_complaint(ledger, marker="Xu Export")
    assert main(["retention", "run"]) == 0
    bundle = environment / "archive.tar"
    assert (
        main(["archive", "export", "--from", "2026-01-01", "--to", "2027-01-01", str(bundle)]) == 0
    )
    assert "wrote 1 archived case(s)" in capsys.readouterr().out
    assert main(["archive", "verify", str(bundle)]) == 0
    assert "OK: 1 archived case(s)" in capsys.readouterr().out
    data = bytearray(bundle.read_bytes())
    at = data.index(b'"csat":5') + len('"csat":')
    data[at] = ord("1")
    bundle.write_bytes(bytes(data))
    assert main(["archive", "verify", str(bundle)]) == 1
    assert "records.jsonl line 1" in capsys.readouterr().out


def test_an_invalid_retention_file_stops_the_command_with_one_line(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (environment / "retention.toml").write_text('[access_log]\nkeep = "30d"\n')
    assert main(["retention", "run"]) == 2
    assert "access_log.keep" in capsys.readouterr().err
