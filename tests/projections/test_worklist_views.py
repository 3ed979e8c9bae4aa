"""The worklist views (every handoff, the escalation inbox, every incident) on PostgreSQL: what
each row says after a scripted history, and that each equals a rebuild from the log."""

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.values import Actor
from projections.cases.escalation_inbox import EscalationFilter, list_escalations
from projections.cases.handoff_list import HandoffFilter, list_handoffs
from projections.engine.read_side import ReadSide
from projections.engine.tables import Row
from projections.incidents.incident_queries import IncidentFilter, list_incidents
from tests.projections.conftest import AGENT, TECH, dump_views, new_complaint

SUPERVISOR = Actor("sup-1", "supervisor", "service")
INCIDENT_MANAGER = Actor("im-1", "incident_manager", None)
WORKLISTS = ("handoff_list", "escalation_inbox", "incident_list")


def _incident(ledger: LedgerApplication, clock: ManualClock, *, overdue_item: bool) -> UUID:
    """An incident through its response and review to an action item owned by `eng-4`."""
    incident = ledger.report_incident(title="Scanner outage", description="Hub 3", actor=AGENT)
    iid = incident.id
    ledger.assess_incident(
        iid, level="II", impact="hub down", departments=["technical"], actor=INCIDENT_MANAGER
    )
    ledger.activate_response(
        iid, plan="reroute", roles={"incident_lead": "im-1"}, actor=INCIDENT_MANAGER
    )
    ledger.mitigate_incident(iid, summary="rerouted", actor=INCIDENT_MANAGER)
    ledger.resolve_incident(iid, summary="fixed", actor=INCIDENT_MANAGER)
    ledger.review_incident(
        iid, contributing_factors=["firmware"], went_well=["reroute"], actor=INCIDENT_MANAGER
    )
    due = clock.now() + timedelta(hours=1 if overdue_item else 240)
    ledger.add_incident_action_item(
        iid, description="patch", owner="eng-4", due=due, actor=INCIDENT_MANAGER
    )
    return iid


def _scripted(ledger: LedgerApplication, clock: ManualClock) -> dict[str, Any]:
    """Handoffs in each state, escalations in each state, two incidents."""
    ids: dict[str, Any] = {}
    complaints = [new_complaint(ledger) for _ in range(3)]
    handoffs = []
    for cid in complaints:
        handoffs.append(
            ledger.request_handoff(
                complaint_id=cid, to_department="technical", reason="fault", actor=AGENT
            ).id
        )
        clock.advance(timedelta(minutes=1))
    ledger.accept_handoff(handoffs[1], actor=TECH)
    ledger.reject_handoff(handoffs[2], reason="not ours", actor=TECH)
    ids["handoffs"] = handoffs
    escalation = ledger.raise_escalation(
        complaint_id=complaints[0], level="supervisor", reason="upset", actor=AGENT
    )
    clock.advance(timedelta(minutes=10))
    acknowledged = ledger.raise_escalation(
        complaint_id=complaints[2], level="supervisor", reason="angry", actor=AGENT
    )
    ledger.acknowledge_escalation(acknowledged.id, actor=SUPERVISOR)
    ids["escalations"] = [escalation.id, acknowledged.id]
    ids["late"] = _incident(ledger, clock, overdue_item=True)
    ids["calm"] = _incident(ledger, clock, overdue_item=False)
    clock.advance(timedelta(hours=3))
    return ids


def _rows(side: ReadSide, name: str) -> list[Row]:
    return dump_views(side)[name]


def test_the_handoff_list_keeps_settled_handoffs_with_their_state(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    ids = _scripted(ledger, clock)
    read_side.catch_up()
    states = {r["handoff_id"]: r["state"] for r in _rows(read_side, "handoff_list")}
    assert [states[str(h)] for h in ids["handoffs"]] == ["requested", "accepted", "rejected"]


def test_the_handoff_list_filters_by_direction_and_lateness(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    ids = _scripted(ledger, clock)
    read_side.catch_up()
    db, generation = read_side.db, read_side.generation("handoff_list")
    sent, _ = list_handoffs(
        db, generation, HandoffFilter("service", "out"), now=clock.now(), limit=10
    )
    received, _ = list_handoffs(
        db, generation, HandoffFilter("service", "in"), now=clock.now(), limit=10
    )
    late, _ = list_handoffs(db, generation, HandoffFilter(overdue=True), now=clock.now(), limit=10)
    assert len(sent) == 3 and received == []
    # Three hours on, the requested handoff missed its acceptance (2 h); the accepted one has
    # its completion still ahead, the rejected one nothing left to meet.
    assert [r["handoff_id"] for r in late] == [str(ids["handoffs"][0])]


def test_the_escalation_inbox_shows_each_escalation_with_its_case(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    ids = _scripted(ledger, clock)
    read_side.catch_up()
    generations = (read_side.generation("escalation_inbox"), read_side.generation("case_status"))

    def inbox(department: str) -> list[Row]:
        filters = EscalationFilter(status="open", department=department)
        return list_escalations(read_side.db, generations, filters, limit=10)[0]

    assert [(r["escalation_id"], r["status"]) for r in inbox("service")] == [
        (str(ids["escalations"][0]), "raised"),
        (str(ids["escalations"][1]), "acknowledged"),
    ]
    assert all(r["subject_reference"].startswith("CMP-") for r in inbox("service"))
    # Technical holds the first complaint (handed to it); the third's handoff was rejected.
    assert [r["escalation_id"] for r in inbox("technical")] == [str(ids["escalations"][0])]


def test_the_incident_list_finds_an_overdue_action_item(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    ids = _scripted(ledger, clock)
    read_side.catch_up()
    db, generation = read_side.db, read_side.generation("incident_list")
    late, _ = list_incidents(db, generation, IncidentFilter(overdue=True), now=clock.now(), limit=5)
    assert [r["incident_id"] for r in late] == [str(ids["late"])]
    assert late[0]["action_due"] == late[0]["next_due"]
    assert late[0]["deadline_due"] is None  # the review was done in time


def test_the_incident_list_is_confined_to_the_parties_of_a_department(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    _scripted(ledger, clock)
    other = ledger.report_incident(title="Other", description="d", actor=INCIDENT_MANAGER)
    read_side.catch_up()
    db, generation = read_side.db, read_side.generation("incident_list")

    def seen(scope: tuple[str, str | None]) -> set[str]:
        rows, _ = list_incidents(
            db, generation, IncidentFilter(), now=clock.now(), limit=10, scope=scope
        )
        return {r["title"] for r in rows}

    assert seen(("technical", "tech-3")) == {"Scanner outage"}
    assert seen(("logistics", "eng-4")) == {"Scanner outage"}  # the action items' owner
    assert seen(("logistics", "log-2")) == set()
    everyone, _ = list_incidents(db, generation, IncidentFilter(), now=clock.now(), limit=10)
    assert str(other.id) in {r["incident_id"] for r in everyone}


@pytest.mark.parametrize("name", WORKLISTS)
def test_a_worklist_view_equals_its_rebuild_from_the_log(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock, name: str
) -> None:
    _scripted(ledger, clock)
    read_side.catch_up()
    live = _rows(read_side, name)
    assert live  # the script gives every view rows
    assert read_side.rebuild(name) == 2
    assert _rows(read_side, name) == live


@pytest.mark.parametrize("sort", ["reported", "due"])
def test_incident_pages_cover_every_incident_once(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock, sort: str
) -> None:
    reported = [
        str(ledger.report_incident(title=f"I{n}", description="d", actor=AGENT).id)
        for n in range(5)
    ]
    read_side.catch_up()
    db, generation = read_side.db, read_side.generation("incident_list")
    seen: list[str] = []
    key = None
    while True:
        rows, key = list_incidents(
            db, generation, IncidentFilter(), now=clock.now(), limit=2, sort=sort, after=key
        )
        seen.extend(r["incident_id"] for r in rows)
        if key is None:
            break
    assert sorted(seen) == sorted(reported)
    assert len(seen) == len(set(seen))
