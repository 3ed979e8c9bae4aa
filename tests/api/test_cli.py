"""The `ledger` command: one line and a non-zero exit for every refusal, and its key commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import Settings
from api.wiring.ledger import build_ledger
from ledger.application.service import LedgerApplication
from ledger.values import Actor
from privacy.fields import ERASED
from tests import forked
from tests.conftest import provision_keys

AGENT = Actor("agent-7", "agent", "service")
# Where `installed` notes the test's database URL for `ledger_command` (the service never reads it).
URL_FILE = "test-database-url"
OTHER_KEY = "ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY="  # 32 bytes of 'f'


def ledger_command(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    if url := _database_url(data_dir):
        clean["LEDGER_DATABASE_URL"] = url
    return forked.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**clean, "LEDGER_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def installed(data_dir: Path, database_url: str) -> Path:
    """`data_dir` set up for the `ledger` command on `database_url`, with its key files."""
    provision_keys(data_dir)
    (data_dir / URL_FILE).write_text(database_url)
    return data_dir


def ledger_settings(data_dir: Path) -> Settings:
    """The settings `ledger_command` runs with in an `installed` data directory."""
    return Settings(data_dir=data_dir, database_url=_database_url(data_dir))


def _database_url(data_dir: Path) -> str:
    url = data_dir / URL_FILE
    return url.read_text() if url.exists() else ""


def _embedded_with_one_complaint(data_dir: Path) -> tuple[str, str]:
    ledger = build_ledger(Settings(data_dir=data_dir))
    return _one_complaint_in(ledger)


def _with_one_complaint(data_dir: Path) -> tuple[str, str]:
    return _one_complaint_in(build_ledger(ledger_settings(data_dir)))


def _one_complaint_in(ledger: LedgerApplication) -> tuple[str, str]:
    complaint = ledger.register_complaint(
        channel="phone", customer_name="Key Holder", summary="s", description="d", actor=AGENT
    )
    ledger.close()
    return str(complaint.id), str(complaint.customer.subject_id)


def _read_name(data_dir: Path, complaint_id: str) -> str:
    from uuid import UUID

    ledger = build_ledger(ledger_settings(data_dir))
    try:
        return ledger.keys.reveal(ledger.get_complaint(UUID(complaint_id)).customer.name)
    finally:
        ledger.close()


def test_the_embedded_store_generates_a_private_master_key_file(tmp_path: Path) -> None:
    _embedded_with_one_complaint(tmp_path)
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600


def test_a_wrong_master_key_is_refused_at_start_with_one_line(data_dir: Path) -> None:
    _with_one_complaint(data_dir)
    result = ledger_command(data_dir, "serve", LEDGER_MASTER_KEY=OTHER_KEY, LEDGER_PORT="1")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "does not match" in result.stderr
    assert "Traceback" not in result.stderr


def test_erasure_from_the_command_line(data_dir: Path) -> None:
    complaint_id, subject_id = _with_one_complaint(data_dir)
    result = ledger_command(
        data_dir, "subjects", "erase", subject_id, "--legal-basis", "Request 42", "--staff", "dpo-1"
    )
    assert result.returncode == 0, result.stderr
    assert _read_name(data_dir, complaint_id) == ERASED


def test_erasing_a_malformed_subject_id_is_one_line_and_exit_2(data_dir: Path) -> None:
    result = ledger_command(
        data_dir, "subjects", "erase", "../x", "--legal-basis", "x", "--staff", "dpo-1"
    )
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)


def test_rotation_then_retirement_keeps_every_subject_readable(data_dir: Path) -> None:
    complaint_id, _ = _with_one_complaint(data_dir)
    old_ring = json.loads((data_dir / "master.key").read_text())

    rotated = ledger_command(data_dir, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 1 data keys" in rotated.stdout
    retired = ledger_command(data_dir, "keys", "retire")
    assert retired.returncode == 0, retired.stderr

    ring = json.loads((data_dir / "master.key").read_text())
    assert list(ring["keys"]) == [ring["current"]] != [old_ring["current"]]
    assert _read_name(data_dir, complaint_id) == "Key Holder"
    refused = ledger_command(
        data_dir, "serve", LEDGER_MASTER_KEY=old_ring["keys"][old_ring["current"]]
    )
    assert refused.returncode == 2
    assert "does not match" in refused.stderr


@pytest.mark.parametrize(
    "entry_point",
    [[sys.executable, "-m", "api.cli"], [str(Path(sys.executable).parent / "ledger")]],
    ids=["python -m api.cli", "installed ledger script"],
)
def test_the_real_entry_points_start_from_nothing_and_answer_as_the_forked_command_does(
    data_dir: Path, entry_point: list[str]
) -> None:
    """Every other test forks its commands from a process that imported the service already
    (tests/fork_server.py); these start the way a user does."""
    arguments = ["subjects", "erase", "../x", "--legal-basis", "x", "--staff", "dpo-1"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(LEDGER_DATA_DIR=str(data_dir), LEDGER_DATABASE_URL=_database_url(data_dir))
    started = subprocess.run(
        [*entry_point, *arguments], env=env, capture_output=True, text=True, timeout=60
    )
    forked_command = ledger_command(data_dir, *arguments)
    assert started.returncode == forked_command.returncode == 2
    assert started.stderr == forked_command.stderr
    assert started.stderr.count("\n") == 1
