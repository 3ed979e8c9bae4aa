"""Whatever commands complaints go through, in whatever batches the view is caught up, each row
says what the complaint's own stream says."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.clock import ManualClock
from ledger.errors import LedgerError
from ledger.values import Actor
from projections.cases.queries import get_case
from projections.cases.sla_clocks import clock_state, clocks_of
from projections.engine.batch import catch_up
from projections.engine.read_side import ReadSide
from projections.engine.tables import Row
from tests.projections.conftest import AGENT, TECH, new_complaint

SUPERVISOR = Actor("sup-1", "supervisor", "service")
COURIER = Actor("log-2", "department_staff", "logistics")


def _commands(ledger: LedgerApplication, cid: UUID, rng: random.Random) -> list[Callable[[], Any]]:
    def handoff(to: str) -> Callable[[], Any]:
        return lambda: ledger.request_handoff(
            complaint_id=cid, to_department=to, reason="needs them", actor=AGENT
        )

    def on_open_handoff(action: str) -> Callable[[], Any]:
        def run() -> Any:
            handoff = ledger.get_complaint(cid).open_handoff
            if handoff is None:
                return None
            hid = UUID(handoff["handoff_id"])
            actor = TECH if handoff["to_department"] == "technical" else COURIER
            if action == "accept":
                return ledger.accept_handoff(hid, actor=actor)
            if action == "reject":
                return ledger.reject_handoff(hid, reason="not ours", actor=actor)
            return ledger.complete_handoff(hid, result="done", actor=actor)

        return run

    def escalate() -> Any:
        level = ("supervisor", "manager", "executive")[
            min(ledger.get_complaint(cid).escalation_level, 2)
        ]
        return ledger.raise_escalation(complaint_id=cid, level=level, reason="upset", actor=AGENT)

    def settle_escalation() -> Any:
        for escalation_id in ledger.get_complaint(cid).open_escalations:
            escalation = ledger.acknowledge_escalation(UUID(escalation_id), actor=SUPERVISOR)
            return ledger.resolve_escalation(escalation.id, outcome="ok", actor=SUPERVISOR)
        return None

    return [
        lambda: ledger.respond_to_complaint(cid, message="hello", actor=AGENT),
        lambda: ledger.resolve_complaint(cid, resolution="fixed", actor=AGENT),
        lambda: ledger.record_feedback(cid, satisfaction=rng.choice([1, 5]), actor=AGENT),
        lambda: ledger.close_complaint(cid, actor=AGENT),
        lambda: ledger.reopen_complaint(cid, reason="broke again", actor=AGENT),
        lambda: ledger.classify_complaint(
            cid, category="order", priority=rng.choice(["urgent", "normal"]), actor=AGENT
        ),
        lambda: ledger.await_customer(cid, reason="details", actor=AGENT),
        lambda: ledger.record_customer_reply(cid, actor=AGENT),
        handoff("technical"),
        handoff("logistics"),
        on_open_handoff("accept"),
        on_open_handoff("reject"),
        on_open_handoff("complete"),
        escalate,
        settle_escalation,
        lambda: ledger.record_deadline_breach(cid, clock="first_response", due=ledger.clock.now()),
    ]


def _assert_running_clocks_are_breachable(
    clocks: dict[str, Row], complaint: Complaint, now: datetime
) -> None:
    """A clock the view runs is one whose breach the ledger would record, and no other."""
    states = {name: clock_state(c, now) for name, c in clocks.items()}
    shown = {n: s for n, s in states.items() if n not in complaint.breaches and s != "unscheduled"}
    assert {name: state in ("running", "warning", "breached") for name, state in shown.items()} == {
        name: complaint.check_breach(name) for name in shown
    }


@pytest.mark.parametrize("seed", [1, 3])
def test_each_row_agrees_with_its_complaint_after_random_commands_and_batches(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock, seed: int
) -> None:
    rng = random.Random(seed)
    complaints = [new_complaint(ledger) for _ in range(5)]
    projection = read_side.projection("case_status")
    sla_projection = read_side.projection("sla")
    for _ in range(200):
        cid = rng.choice(complaints)
        try:
            rng.choice(_commands(ledger, cid, rng))()
        except LedgerError:
            pass  # refused in this state: that is part of the scenario
        clock.advance(timedelta(minutes=rng.randint(1, 90)))
        if rng.random() < 0.2:
            catch_up(ledger, read_side.db, projection, batch_size=rng.randint(1, 7))
            # Checked along the way too: a disagreement may last only until the next event.
            catch_up(ledger, read_side.db, sla_projection, batch_size=50)
            found = clocks_of(read_side.db, read_side.generation("sla"), [str(cid)])[str(cid)]
            clocks = {c["clock"]: c for c in found}
            _assert_running_clocks_are_breachable(clocks, ledger.get_complaint(cid), clock.now())
    read_side.catch_up()
    kinds = {e.event for cid in complaints for e in ledger.get_history(cid)}
    assert {
        "HandoffAccepted",
        "HandoffRejected",
        "Escalated",
        "CustomerReplied",
        "Reopened",
    } <= kinds
    generation = read_side.generation("case_status")
    sla = read_side.generation("sla")
    for cid in complaints:
        complaint = ledger.get_complaint(cid)
        row = get_case(read_side.db, generation, str(cid))
        assert row is not None
        handoff = complaint.open_handoff
        assert {
            "status": row["status"],
            "owner": row["owner"],
            "department": row["department"],
            "priority": row["priority"],
            "escalation_level": row["escalation_level"],
            "handoff_id": row["handoff_id"],
            "breaches": [b for b in row["breaches"].split(",") if b],
            "awaiting_customer_since": row["awaiting_customer_since"],
            "cycle": row["cycle"],
            "version": row["version"],
        } == {
            "status": complaint.status,
            "owner": complaint.owner,
            "department": complaint.department,
            "priority": complaint.priority,
            "escalation_level": complaint.escalation_level,
            "handoff_id": handoff["handoff_id"] if handoff else None,
            "breaches": complaint.breaches,
            "awaiting_customer_since": complaint.awaiting_customer_since,
            "cycle": complaint.cycle,
            "version": complaint.version,
        }
        clocks = {c["clock"]: c for c in clocks_of(read_side.db, sla, [str(cid)])[str(cid)]}
        assert clocks["first_response"]["met_at"] == complaint.first_responded_at
        assert clocks["resolution"]["met_at"] == complaint.first_resolved_at
        assert sorted(c for c, row in clocks.items() if row["breached_at"]) == sorted(
            complaint.breaches
        )
        first = clocks["first_response"]
        assert (first["paused_since"] is not None and first["met_at"] is None) == (
            complaint.awaiting_customer_since is not None
            and complaint.first_responded_at is None
            and complaint.status != "closed"
        )
        _assert_running_clocks_are_breachable(clocks, complaint, clock.now())
        # The case's resolution deadline is the one the current round's clock runs to.
        if complaint.status != "closed" and complaint.resolved_at is None:
            current = "resolution" if complaint.cycle == 1 else f"resolution:{complaint.cycle}"
            assert row["resolution_due"] == clocks[current]["due_at"]
