"""The worker keeps projections current on its own; several workers never double-apply."""

import threading
from datetime import timedelta

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from projections.engine.read_side import ReadSide
from projections.engine.tables import tracking_name
from projections.engine.worker import ProjectionWorker
from tests.projections.conftest import dump_views, new_complaint


def test_a_background_worker_applies_new_events_without_being_asked(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    worker = ProjectionWorker(read_side, escalate=False)
    worker.start()
    try:
        new_complaint(ledger)
        head = read_side.head()
        for name in ("case_status", "sla"):
            read_side.db.tracking.wait(tracking_name(name, 1), head, timeout=30)
    finally:
        worker.stop()
    assert read_side.position("case_status") == head


def test_workers_owning_different_projections_each_keep_their_own(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    ProjectionWorker(read_side, ["sla"]).run_once()
    assert read_side.position("sla") == read_side.head()
    assert read_side.position("case_status") == 0
    ProjectionWorker(read_side, ["case_status"]).run_once()
    assert read_side.position("case_status") == read_side.head()


def test_concurrent_catch_ups_of_one_projection_apply_each_event_once(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    for _ in range(20):
        new_complaint(ledger)
    others = [ReadSide(ledger) for _ in range(4)]
    threads = [threading.Thread(target=side.catch_up) for side in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    contended = dump_views(read_side)
    read_side.rebuild("case_status")
    read_side.rebuild("sla")
    assert dump_views(read_side) == contended


def test_a_rebuild_while_a_worker_runs_swaps_in_without_losing_events(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    for _ in range(10):
        new_complaint(ledger)
    worker = ProjectionWorker(ReadSide(ledger), escalate=False)
    worker.start()
    try:
        read_side.rebuild("case_status")
        new_complaint(ledger)
    finally:
        worker.stop()
    read_side.catch_up()
    live = dump_views(read_side)
    read_side.rebuild("case_status")
    assert dump_views(read_side) == live
    assert len(live["case_status"]) == 11


def test_status_reports_lag_in_events_and_in_seconds(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    new_complaint(ledger)
    clock.advance(timedelta(seconds=90))
    [status] = [s for s in read_side.status() if s.name == "case_status"]
    assert (status.lag, status.lag_seconds) == (3, 90.0)
    read_side.catch_up()
    [status] = [s for s in read_side.status() if s.name == "case_status"]
    assert (status.lag, status.lag_seconds) == (0, 0.0)
