"""The SLA clocks and the case row show what the complaint's own stream says: a clock the view
shows running is one whose breach the ledger would record, and a deadline the view shows is the
ledger's."""

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.policy.calendar import BusinessCalendar
from ledger.policy.service_policy import Policy
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring
from projections.cases.queries import CaseFilter, get_case, list_cases
from projections.cases.sla_clocks import clock_view, clocks_of
from projections.engine.read_side import ReadSide
from projections.engine.tables import Row
from tests.conftest import START
from tests.projections.conftest import AGENT, new_complaint

OFFICE = BusinessCalendar(timezone="UTC", opens=time(9), closes=time(18))


def _app(
    database_url: str, clock: ManualClock, keyring: MasterKeyring, policy: Policy
) -> Iterator[LedgerApplication]:
    app = LedgerApplication(
        settings_for_url(database_url), keyring=keyring, clock=clock, policy=policy
    )
    yield app
    app.close()


@pytest.fixture
def office_ledger(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    """A ledger whose deadlines count working hours only (09:00-18:00 UTC, Monday to Friday)."""
    yield from _app(database_url, clock, keyring, Policy(calendar=OFFICE))


@pytest.fixture
def unpaused_ledger(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    """A ledger whose policy keeps the clocks running while the customer is waited on."""
    yield from _app(database_url, clock, keyring, Policy(pause_while_awaiting_customer=False))


def _clocks(side: ReadSide, complaint_id: UUID) -> dict[str, Row]:
    side.catch_up()
    rows = clocks_of(side.db, side.generation("sla"), [str(complaint_id)])[str(complaint_id)]
    return {r["clock"]: r for r in rows}


def _case(side: ReadSide, complaint_id: UUID) -> Row:
    side.catch_up()
    row = get_case(side.db, side.generation("case_status"), str(complaint_id))
    assert row is not None
    return row


def test_the_survey_deadline_counts_working_hours_on_the_ledger_and_on_its_clock(
    office_ledger: LedgerApplication, clock: ManualClock
) -> None:
    cid = new_complaint(office_ledger)
    clock.advance(timedelta(hours=8))  # Monday 17:00: one working hour left today
    complaint = office_ledger.resolve_complaint(cid, resolution="fixed", actor=AGENT)
    # 24 working hours: 1 on Monday, 9 on Tuesday, 9 on Wednesday, 5 on Thursday.
    thursday_14 = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert complaint.feedback_due == thursday_14
    side = ReadSide(office_ledger)
    assert _clocks(side, cid)["confirmation:1"]["due_at"] == thursday_14


def test_a_manual_reopening_before_the_survey_stops_the_rounds_confirmation_clock(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger)
    ledger.resolve_complaint(cid, resolution="fixed", actor=AGENT)
    clock.advance(timedelta(hours=1))
    ledger.reopen_complaint(cid, reason="the router broke again", actor=AGENT)
    clock.advance(timedelta(hours=30))  # past the survey's 24 h
    confirmation = _clocks(read_side, cid)["confirmation:1"]
    assert clock_view(confirmation, clock.now()).state == "stopped"
    assert not ledger.get_complaint(cid).check_breach("confirmation:1")


def test_a_reopened_case_shows_the_new_rounds_resolution_deadline(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    ledger.respond_to_complaint(cid, message="on it", actor=AGENT)
    clock.advance(timedelta(hours=2))
    ledger.resolve_complaint(cid, resolution="fixed", actor=AGENT)
    clock.advance(timedelta(hours=3))
    complaint = ledger.reopen_complaint(cid, reason="the router broke again", actor=AGENT)
    row = _case(read_side, cid)
    assert complaint.resolution_due == START + timedelta(hours=5 + 24)
    assert (row["resolution_due"], row["next_due"]) == (
        complaint.resolution_due,
        complaint.resolution_due,
    )


def test_a_reopened_rounds_resolution_deadline_moves_by_the_wait_on_the_customer(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    ledger.resolve_complaint(cid, resolution="fixed", actor=AGENT)
    ledger.reopen_complaint(cid, reason="the router broke again", actor=AGENT)
    ledger.await_customer(cid, reason="needs photos", actor=AGENT)
    clock.advance(timedelta(hours=4))
    ledger.record_customer_reply(cid, actor=AGENT)
    moved = START + timedelta(hours=24 + 4)
    assert _case(read_side, cid)["resolution_due"] == moved
    assert _clocks(read_side, cid)["resolution:2"]["due_at"] == moved


def test_with_pausing_off_a_clock_past_due_while_waiting_is_breached_on_both_sides(
    unpaused_ledger: LedgerApplication, clock: ManualClock
) -> None:
    cid = new_complaint(unpaused_ledger, priority="urgent")
    unpaused_ledger.await_customer(cid, reason="needs photos", actor=AGENT)
    clock.advance(timedelta(hours=3))  # the first response was due in 2 h
    first = _clocks(ReadSide(unpaused_ledger), cid)["first_response"]
    assert clock_view(first, clock.now()).state == "breached"
    assert unpaused_ledger.get_complaint(cid).check_breach("first_response")


def test_with_pausing_off_a_case_past_due_while_waiting_is_listed_as_breached(
    unpaused_ledger: LedgerApplication, clock: ManualClock
) -> None:
    cid = new_complaint(unpaused_ledger, priority="urgent")
    unpaused_ledger.await_customer(cid, reason="needs photos", actor=AGENT)
    clock.advance(timedelta(hours=3))  # the first response was due in 2 h
    side = ReadSide(unpaused_ledger)
    side.catch_up()
    rows, _ = list_cases(
        side.db,
        side.generation("case_status"),
        CaseFilter(breached=True),
        now=clock.now(),
        limit=10,
    )
    assert [row["complaint_id"] for row in rows] == [str(cid)]


def test_with_pausing_off_the_reply_leaves_the_case_deadlines_where_they_were(
    unpaused_ledger: LedgerApplication, clock: ManualClock
) -> None:
    cid = new_complaint(unpaused_ledger, priority="urgent")
    unpaused_ledger.await_customer(cid, reason="needs photos", actor=AGENT)
    clock.advance(timedelta(hours=1))
    unpaused_ledger.record_customer_reply(cid, actor=AGENT)
    row = _case(ReadSide(unpaused_ledger), cid)
    assert row["first_response_due"] == START + timedelta(hours=2)


def test_a_wait_paused_when_recorded_stays_paused_under_a_policy_changed_since(
    ledger: LedgerApplication, unpaused_ledger: LedgerApplication, clock: ManualClock
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    ledger.await_customer(cid, reason="needs photos", actor=AGENT)
    clock.advance(timedelta(hours=3))
    first = _clocks(ReadSide(unpaused_ledger), cid)["first_response"]
    assert clock_view(first, clock.now()).state == "paused"
    assert not ledger.get_complaint(cid).check_breach("first_response")


def test_a_wait_recorded_before_waits_said_whether_they_pause_paused_the_clocks(
    ledger: LedgerApplication,
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    waited = ledger.await_customer(cid, reason="needs photos", actor=AGENT)
    stored = ledger.mapper.to_stored_event(list(ledger.events.get(cid))[-1])
    state = json.loads(stored.state)
    del state["pauses_clocks"], state["class_version"]  # as version 1 stored it
    old = ledger.mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))
    assert old.pauses_clocks is True  # type: ignore[attr-defined]
    assert waited.awaiting_customer_pauses
