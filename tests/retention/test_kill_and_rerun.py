"""A retention run killed halfway (a real process, SIGKILL) and run again ends as one clean run."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.integrity.verify import verify_ledger
from privacy.fields import ERASED
from projections.retention.archive_tables import ArchiveTables
from tests import forked
from tests.retention.bulk import closed_complaints

CASES = 120
ROOT = Path(__file__).resolve().parents[2]


def start_run(database_url: str, now: str, batch: int) -> forked.Forked:
    return forked.popen(
        [sys.executable, "-m", "tests.retention.killable_run", database_url, now, str(batch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(process: forked.Forked, reached: Callable[[], bool]) -> str:
    """SIGKILL the process as soon as `reached()`; its stderr."""
    while process.poll() is None and not reached():
        time.sleep(0.005)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    return process.communicate()[1]


@pytest.mark.parametrize("stage", ["archiving", "destroying"])
def test_a_run_killed_halfway_and_rerun_ends_as_one_clean_run(
    stage: str,
    database_url: str,
    ledger: LedgerApplication,
    clock: ManualClock,
    archive: ArchiveTables,
    integrity: Integrity,
) -> None:
    cases = closed_complaints(ledger, CASES, at=clock.now())
    now = (clock.now() + timedelta(days=3 * 365 + 1)).isoformat()
    first = start_run(database_url, now, batch=5)
    if stage == "archiving":
        err = kill_when(first, lambda: len(archive.archived_case_ids()) > 0)
        assert first.returncode == -signal.SIGKILL, err
        assert len(archive.archived_case_ids()) < CASES
    else:
        err = kill_when(first, lambda: len(archive.destroyed_subject_ids()) > 0)
        assert first.returncode == -signal.SIGKILL, err
        assert len(archive.destroyed_subject_ids()) < CASES

    second = start_run(database_url, now, batch=5)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err

    assert archive.archived_case_ids() == {str(c.id) for c in cases}
    destroyed = archive.destructions()
    assert sorted(d.subject_id for d in destroyed) == sorted(
        str(c.customer.subject_id) for c in cases
    )
    for case in cases[:: CASES // 10]:
        subject = ledger.get_data_subject(case.customer.subject_id)
        history = ledger.get_history(subject.id)
        assert [e.event for e in history].count("DestroyedUnderRetention") == 1
        assert ledger.keys.reveal(ledger.get_complaint(case.id).customer.name) == ERASED
    integrity.checkpoint()
    report = verify_ledger(integrity.tables, integrity.public_key, integrity.checkpoints())
    assert report.intact, [b.describe() for b in report.breaks]
