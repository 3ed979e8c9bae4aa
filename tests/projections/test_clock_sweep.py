"""The escalation sweep pages through the overdue clocks: a page of clocks the ledger declines
to record does not keep the clocks after it from being asked about."""

from datetime import datetime, timedelta
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from projections.cases.sla_escalation import SLA_SWEEP
from projections.engine.read_side import ReadSide
from tests.projections.conftest import new_complaint


def test_successive_sweeps_ask_about_every_overdue_clock_though_each_is_declined(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    complaints = {str(new_complaint(ledger, priority="urgent")) for _ in range(3)}
    read_side.catch_up()
    clock.advance(timedelta(days=30))  # every clock of the three is overdue
    generation = read_side.generation("sla")
    overdue = SLA_SWEEP.overdue(read_side.db, generation, clock.now(), limit=100)
    every = {(row["complaint_id"], row["clock"]) for row in overdue}
    assert {case for case, _ in every} == complaints and len(every) >= 4

    asked: list[tuple[str, str]] = []

    def decline(case_id: UUID, name: str, due: datetime) -> None:
        asked.append((str(case_id), name))  # the ledger records nothing: each stays overdue

    resume = None
    for _ in range(len(every) // 2 + 1):
        page = SLA_SWEEP.escalate(
            read_side.db, generation, clock.now(), decline, limit=2, after=resume
        )
        resume = page.resume_after
    assert set(asked) == every
    assert len(asked) == len(set(asked))  # each once before the sweep starts over
    assert resume is None
