"""A ledger on a business calendar (09:00-18:00 UTC, Monday to Friday) with a scripted fortnight:
five complaints of two owners over two ISO weeks, and one incident."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.policy.calendar import BusinessCalendar
from ledger.policy.service_policy import Policy
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.keys.master_key import MasterKeyring
from projections.engine.read_side import ReadSide

ANA = Actor("agent-1", "agent", "service")
BEN = Actor("agent-2", "agent", "service")
COURIER = Actor("log-2", "department_staff", "logistics")
MONDAY_W10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = BusinessCalendar(timezone="UTC", opens=time(9), closes=time(18))


@pytest.fixture
def store() -> str:
    return "postgres"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_W10)


@pytest.fixture
def ledger(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    app = LedgerApplication(
        settings_for_url(database_url), keyring=keyring, clock=clock, policy=Policy(calendar=OFFICE)
    )
    yield app
    app.close()


@pytest.fixture
def read_side(ledger: LedgerApplication) -> ReadSide:
    return ReadSide(ledger)


def at(clock: ManualClock, day: int, hour: int, minute: int = 0) -> None:
    """Move the clock to 2026-03-`day` `hour`:`minute` UTC."""
    clock.advance(datetime(2026, 3, day, hour, minute, tzinfo=UTC) - clock.now())


def registered(ledger: LedgerApplication, owner: Actor, category: str) -> UUID:
    complaint = ledger.register_complaint(
        channel="phone",
        customer_name="Wang Wu",
        summary="Router keeps rebooting",
        description="Since the update",
        actor=owner,
    )
    ledger.classify_complaint(complaint.id, category=category, priority="normal", actor=owner)
    ledger.assign_complaint(complaint.id, actor=owner)
    return complaint.id


@pytest.fixture
def fortnight(ledger: LedgerApplication, clock: ManualClock) -> dict[str, UUID]:
    """Business hours by hand (responded / resolved after registration, pauses out):
    a1 (Ana, W10): 1 h / 3 h, score 5.  a2 (Ana, W10): 2 h across the night / 4 h after a
    4-hour wait on the customer, score 3.  b1 (Ben, W10): handoff bounced, 2 h / 6 h, score 4.
    b2 (Ben, W11): 0.5 h / 1 h, score 1 reopens it, resolved again, score 5.
    a3 (Ana, W11): never answered."""
    ids = {}
    ids["a1"] = registered(ledger, ANA, "order")  # Mon 2 Mar 09:00
    at(clock, 2, 10)
    ledger.respond_to_complaint(ids["a1"], message="on it", actor=ANA)
    at(clock, 2, 12)
    ledger.resolve_complaint(ids["a1"], resolution="done", actor=ANA)
    ledger.record_feedback(ids["a1"], satisfaction=5, actor=ANA)

    at(clock, 2, 17)
    ids["a2"] = registered(ledger, ANA, "complaint")
    at(clock, 3, 10)
    ledger.respond_to_complaint(ids["a2"], message="on it", actor=ANA)
    ledger.await_customer(ids["a2"], reason="need the serial number", actor=ANA)
    at(clock, 3, 14)
    ledger.record_customer_reply(ids["a2"], actor=ANA)
    at(clock, 3, 16)
    ledger.resolve_complaint(ids["a2"], resolution="done", actor=ANA)
    ledger.record_feedback(ids["a2"], satisfaction=3, actor=ANA)

    at(clock, 4, 9)
    ids["b1"] = registered(ledger, BEN, "complaint")
    bounced = ledger.request_handoff(
        complaint_id=ids["b1"], to_department="logistics", reason="courier", actor=BEN
    )
    ledger.reject_handoff(bounced.id, reason="not ours", actor=COURIER)
    at(clock, 4, 11)
    ledger.respond_to_complaint(ids["b1"], message="on it", actor=BEN)
    at(clock, 4, 15)
    ledger.resolve_complaint(ids["b1"], resolution="done", actor=BEN)
    ledger.record_feedback(ids["b1"], satisfaction=4, actor=BEN)

    at(clock, 9, 9)
    ids["b2"] = registered(ledger, BEN, "complaint")
    at(clock, 9, 9, 30)
    ledger.respond_to_complaint(ids["b2"], message="on it", actor=BEN)
    at(clock, 9, 10)
    ledger.resolve_complaint(ids["b2"], resolution="done", actor=BEN)
    ledger.record_feedback(ids["b2"], satisfaction=1, actor=BEN)  # reopens it
    at(clock, 9, 11)
    ledger.resolve_complaint(ids["b2"], resolution="again", actor=BEN)
    ledger.record_feedback(ids["b2"], satisfaction=5, actor=BEN)

    at(clock, 10, 9)
    ids["a3"] = registered(ledger, ANA, "order")
    at(clock, 16, 9)  # Monday of week 12: weeks 10 and 11 are whole
    return ids


HOUR = timedelta(hours=1).total_seconds()

IM = Actor("im-1", "incident_manager", "service")
ENGINEER = Actor("eng-4", "department_staff", "engineering")


@pytest.fixture
def incident(ledger: LedgerApplication, clock: ManualClock) -> UUID:
    """Reported Mon 2 Mar 10:00; impact from 09:30, detected 09:50; assessed 10:30 (level II),
    activated 11:00, mitigated 12:00, resolved 14:00. Action items: eng-4 one open (due 3 Mar,
    so overdue by 16 Mar) and one done; eng-5 one open due 20 Mar."""
    at(clock, 2, 10)
    iid = ledger.report_incident(title="Gateway down", description="Cards fail", actor=IM).id
    for name, minute in (("impact_started", 30), ("detected", 50)):
        moment = datetime(2026, 3, 2, 9, minute, tzinfo=UTC)
        ledger.set_incident_milestone(iid, name=name, occurred_at=moment, actor=IM)
    at(clock, 2, 10, 30)
    ledger.assess_incident(iid, level="II", impact="checkout", departments=["technical"], actor=IM)
    at(clock, 2, 11)
    ledger.activate_response(iid, plan="fail over", roles={"incident_lead": "im-1"}, actor=IM)
    at(clock, 2, 12)
    ledger.mitigate_incident(iid, summary="standby serving", actor=IM)
    at(clock, 2, 14)
    ledger.resolve_incident(iid, summary="primary repaired", actor=IM)
    ledger.review_incident(
        iid, contributing_factors=["expired certificate"], went_badly=["late"], actor=IM
    )
    for owner, day in (("eng-4", 3), ("eng-4", 4), ("eng-5", 20)):
        due = datetime(2026, 3, day, 9, tzinfo=UTC)
        ledger.add_incident_action_item(iid, description="fix", owner=owner, due=due, actor=IM)
    ledger.complete_incident_action_item(iid, item_id="A2", note="done", actor=ENGINEER)
    at(clock, 16, 9)
    return iid
