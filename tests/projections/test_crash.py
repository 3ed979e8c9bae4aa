"""Killing the worker process (SIGKILL) at random moments while events flow loses and duplicates
nothing: after many kills and restarts every view equals a rebuild from scratch."""

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.errors import LedgerError
from projections.engine.read_side import ReadSide
from tests import forked
from tests.conftest import TEST_MASTER_KEY_B64
from tests.projections.conftest import AGENT, dump_views, new_complaint

# Rounds of kills: 4 in the suite (two of them with two workers owning the same projections);
# LEDGER_CRASH_KILLS=20 for a longer run.
KILLS = int(os.environ.get("LEDGER_CRASH_KILLS", "4"))


def _start_worker(database_url: str, data_dir: Path, *only: str) -> forked.Forked:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    # Small pools: the shared test server has few connections to spare.
    env.update(
        LEDGER_DATABASE_URL=f"{database_url}&pool_size=2&max_overflow=2",
        LEDGER_DATA_DIR=str(data_dir),
        LEDGER_MASTER_KEY=TEST_MASTER_KEY_B64,
    )
    arguments = ["projections", "run", *(["--only", *only] if only else [])]
    log = data_dir / "worker.log"
    with log.open("a") as stderr:
        process = forked.popen(
            [sys.executable, "-m", "api.cli", *arguments],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert process.stdout is not None
    started = process.stdout.readline()
    if "projection worker owns" not in started:
        _kill(process)
        last = log.read_text().strip().splitlines()[-1:]
        pytest.fail(f"the worker did not start (exit code {process.returncode}): {last}")
    return process


class _Writer(threading.Thread):
    """Appends complaints and their handling until stopped."""

    def __init__(self, ledger: LedgerApplication) -> None:
        super().__init__(daemon=True)
        self.ledger = ledger
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                complaint_id = new_complaint(self.ledger)
                if random.random() < 0.5:
                    self.ledger.respond_to_complaint(complaint_id, message="ok", actor=AGENT)
            except LedgerError:
                continue  # a worker's automatic escalation got there first


def _kill(process: forked.Forked) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def test_workers_killed_at_random_while_events_flow_leave_views_equal_to_a_rebuild(
    ledger: LedgerApplication, read_side: ReadSide, database_url: str, tmp_path: Path
) -> None:
    writer = _Writer(ledger)
    writer.start()
    rng = random.Random(6)
    try:
        for round_ in range(KILLS):
            # Every third round two workers own the same projections at once.
            workers = [_start_worker(database_url, tmp_path)]
            try:
                if round_ % 3 == 0:
                    workers.append(_start_worker(database_url, tmp_path, "case_status"))
                threading.Event().wait(rng.uniform(0.05, 0.6))
            finally:
                for worker in workers:
                    _kill(worker)
    finally:
        writer.stop.set()
        writer.join()
    assert read_side.position("case_status") > 0  # the killed workers did get work done
    read_side.catch_up()
    survived = dump_views(read_side)
    read_side.rebuild("case_status")
    read_side.rebuild("sla")
    assert dump_views(read_side) == survived
    _assert_each_breach_escalated_once(ledger, read_side)


def _assert_each_breach_escalated_once(ledger: LedgerApplication, side: ReadSide) -> None:
    rows = dump_views(side)["case_status"]
    for row in rows:
        complaint = ledger.get_complaint(UUID(row["complaint_id"]))
        assert Counter(complaint.breaches).most_common(1)[0][1] <= 1 if complaint.breaches else True
        automatic = [
            ledger.get_escalation(UUID(e)).rule
            for e in complaint.open_escalations
            if ledger.get_escalation(UUID(e)).automatic
        ]
        assert len(automatic) == len(set(automatic))
