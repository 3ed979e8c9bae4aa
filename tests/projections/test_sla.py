"""SLA clocks and the automatic escalation process, driven by a manual clock."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.cases.escalation import Escalation
from ledger.clock import ManualClock
from projections.cases.queries import get_case
from projections.cases.sla_clocks import clock_view, clocks_of
from projections.engine.read_side import ReadSide
from projections.engine.worker import ProjectionWorker
from tests.conftest import START
from tests.projections.conftest import AGENT, new_complaint


def _clocks(side: ReadSide, complaint_id: UUID, clock: ManualClock) -> dict[str, Any]:
    side.catch_up()
    rows = clocks_of(side.db, side.generation("sla"), [str(complaint_id)])[str(complaint_id)]
    return {r["clock"].split(":")[0]: clock_view(r, clock.now()) for r in rows}


def _escalations(ledger: LedgerApplication, complaint_id: UUID) -> list[Escalation]:
    complaint = ledger.get_complaint(complaint_id)
    return [ledger.get_escalation(UUID(e)) for e in complaint.open_escalations]


def test_a_missed_first_response_is_escalated_automatically_exactly_once(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    worker = ProjectionWorker(read_side)
    worker.run_once()
    clock.advance(timedelta(hours=2, minutes=1))
    worker.run_once()
    worker.run_once()
    escalations = _escalations(ledger, cid)
    assert [(e.level, e.automatic, e.rule) for e in escalations] == [
        ("supervisor", True, "sla.first_response.breached")
    ]
    assert ledger.get_complaint(cid).breaches == ["first_response"]
    row = get_case(read_side.db, read_side.generation("case_status"), str(cid))
    assert row is not None
    assert (row["breaches"], row["escalation_level"]) == ("first_response", 1)
    assert _clocks(read_side, cid, clock)["first_response"].state == "breached"


def test_a_complaint_answered_in_time_is_not_escalated(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(hours=1))
    ledger.respond_to_complaint(cid, message="on it", actor=AGENT)
    clock.advance(timedelta(hours=2))
    ProjectionWorker(read_side).run_once()
    assert _escalations(ledger, cid) == []
    assert _clocks(read_side, cid, clock)["first_response"].state == "met"


def test_a_second_worker_recording_the_same_breach_changes_nothing(
    ledger: LedgerApplication, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(hours=3))
    due = START + timedelta(hours=2)
    first = ledger.record_deadline_breach(cid, clock="first_response", due=due)
    again = ledger.record_deadline_breach(cid, clock="first_response", due=due)
    assert first is not None
    assert again is None
    assert len(_escalations(ledger, cid)) == 1


def test_the_next_breach_escalates_one_level_higher(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    worker = ProjectionWorker(read_side)
    clock.advance(timedelta(hours=3))
    worker.run_once()
    clock.advance(timedelta(hours=22))  # past the 24 h resolution deadline
    worker.run_once()
    assert sorted(e.level for e in _escalations(ledger, cid)) == ["manager", "supervisor"]


def test_clocks_pause_while_waiting_on_the_customer_and_resume_moved_by_the_wait(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(hours=1))
    ledger.await_customer(cid, reason="needs the order number", actor=AGENT)
    clock.advance(timedelta(hours=5))
    ProjectionWorker(read_side).run_once()
    assert _escalations(ledger, cid) == []
    assert _clocks(read_side, cid, clock)["first_response"].state == "paused"
    ledger.record_customer_reply(cid, actor=AGENT)
    first = _clocks(read_side, cid, clock)["first_response"]
    assert first.due_at == START + timedelta(hours=2 + 5)
    assert first.state == "running"  # 1 h of 2 h used: the 80 % mark (1 h 36 min) is ahead
    assert first.seconds_left == 3600


def test_reclassifying_to_a_higher_priority_counts_from_registration(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="normal")
    clock.advance(timedelta(hours=1))
    ledger.classify_complaint(cid, category="complaint", priority="urgent", actor=AGENT)
    clocks = _clocks(read_side, cid, clock)
    assert clocks["first_response"].due_at == START + timedelta(hours=2)
    assert clocks["resolution"].due_at == START + timedelta(hours=24)
    assert "written_reply" not in clocks


def test_a_warning_shows_at_eighty_percent_of_the_time(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(minutes=95))
    assert _clocks(read_side, cid, clock)["first_response"].state == "running"
    clock.advance(timedelta(minutes=2))
    assert _clocks(read_side, cid, clock)["first_response"].state == "warning"


def test_every_clock_of_a_complaint_and_its_handoff_is_visible_at_once(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="normal")
    ledger.request_handoff(complaint_id=cid, to_department="technical", reason="x", actor=AGENT)
    clocks = _clocks(read_side, cid, clock)
    assert set(clocks) == {
        "first_response",
        "written_reply",
        "resolution",
        "handoff_accept",
        "handoff_complete",
    }
    assert clocks["handoff_accept"].due_at == START + timedelta(hours=2)
    assert clocks["handoff_complete"].department == "technical"
