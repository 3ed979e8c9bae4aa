"""Stored event topics are forever: every event of a complaint and an incident keeps its topic.

Each aggregate is driven through every command it has; every event it records must be the class
its stored topic names (`module:qualname`, found by importing the module as a fresh process
would), that topic must be one pinned here, and replaying the events rebuilds the aggregate.
A refactoring that moves an event (a base class, a mixin, a renamed module) fails here first.
"""

import importlib
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic

from ledger.cases.case import Case
from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from ledger.policy.service_policy import ComplaintDeadlines
from ledger.values import Actor, Customer
from privacy.fields import Personal

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor(staff_id="agent-1", role="agent", department="service")
TECHNICIAN = Actor(staff_id="tech-1", role="department_staff", department="technical")
MANAGER = Actor(staff_id="im-1", role="incident_manager")
OWNER = Actor(staff_id="eng-4", role="department_staff", department="engineering")
SUBJECT = UUID("00000000-0000-4000-8000-000000000009")
CUSTOMER = Customer(subject_id=SUBJECT, name=Personal.of(SUBJECT, "Ada Example"))
ESCALATION = UUID("00000000-0000-4000-8000-0000000000e1")
OTHER_ID = UUID("00000000-0000-4000-8000-0000000000c1")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def text(value: str) -> Personal:
    return Personal.of(SUBJECT, value)


COMPLAINT_EVENTS = """
    Assigned AwaitingCustomer Classified Closed Created CustomerReplied DeadlineBreached
    DeadlineWarned Escalated EscalationResolved Event FeedbackRecorded HandoffAccepted HandoffCompleted
    HandoffRejected HandoffRequested LegalHoldLifted LegalHoldPlaced LinkedToIncident
    ProgressNoted Registered Reopened ReplyPromised Resolved Responded
""".split()
INCIDENT_EVENTS = """
    ActionItemAdded ActionItemCompleted ActionItemVerified ActionItemWaived Assessed Closed
    ComplaintLinked Created DeadlineBreached DeadlineWarned EntryLogged Escalated EscalationResolved Event LegalHoldLifted
    LegalHoldPlaced LevelChanged MilestoneSet Mitigated Reported Resolved ResponseActivated
    Reviewed RoleAssigned
""".split()
PINNED = {
    Complaint: [f"ledger.cases.complaint:Complaint.{name}" for name in COMPLAINT_EVENTS],
    Incident: [f"ledger.incidents.incident:Incident.{name}" for name in INCIDENT_EVENTS],
}


def event_topics(aggregate: type[Case]) -> list[str]:
    """The topic of every event class the aggregate has, sorted."""
    return sorted(
        get_topic(value)
        for name in dir(aggregate)
        if isinstance(value := getattr(aggregate, name), type)
        and issubclass(value, CanMutateAggregate)
    )


def located(topic: str) -> Any:
    """What a process that has never seen the class finds under the topic: module, then names."""
    module, _, qualname = topic.partition(":")
    return reduce(getattr, qualname.split("."), importlib.import_module(module))


def a_complaint_through_every_command() -> Complaint:
    complaint = Complaint.register(
        reference="CMP-2026-000009",
        channel="phone",
        customer=CUSTOMER,
        summary=text("Parcel arrived damaged"),
        description=text("The kettle is cracked."),
        department="service",
        actor=AGENT,
        at=at(0),
    )
    deadlines = ComplaintDeadlines(
        first_response_due=at(60), resolution_due=at(600), written_reply_due=None
    )
    complaint.classify(
        category="order",
        priority="normal",
        customer_tier="standard",
        deadlines=deadlines,
        actor=AGENT,
        at=at(1),
    )
    complaint.assign(owner=AGENT.staff_id, reason=None, actor=AGENT, at=at(2))
    complaint.record_warning(clock="first_response", due=at(60), actor=AGENT, at=at(50))
    complaint.record_breach(clock="first_response", due=at(60), actor=AGENT, at=at(61))
    complaint.respond(message=text("We are on it."), actor=AGENT, at=at(62))
    complaint.note_progress(note=text("Photos asked for."), actor=AGENT, at=at(63))
    complaint.promise_reply(due=at(120), actor=AGENT, at=at(63))
    complaint.await_customer(reason="photos", actor=AGENT, at=at(64))
    complaint.record_customer_reply(actor=AGENT, at=at(65))
    for handoff in ("00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000a2"):
        complaint.record_handoff_requested(
            handoff_id=UUID(handoff), to_department="technical", actor=AGENT, at=at(66)
        )
        if handoff.endswith("a1"):
            complaint.record_handoff_rejected(handoff_id=UUID(handoff), actor=TECHNICIAN, at=at(67))
    complaint.record_handoff_accepted(handoff_id=UUID(handoff), actor=TECHNICIAN, at=at(68))
    complaint.record_handoff_completed(handoff_id=UUID(handoff), actor=TECHNICIAN, at=at(69))
    complaint.record_escalation(
        escalation_id=ESCALATION, level="supervisor", actor=AGENT, at=at(70)
    )
    complaint.record_escalation_resolved(escalation_id=ESCALATION, actor=AGENT, at=at(71))
    complaint.record_incident_linked(
        incident_id=OTHER_ID, incident_reference="INC-2026-000001", actor=AGENT, at=at(72)
    )
    complaint.place_hold(reason="litigation", actor=AGENT, at=at(73))
    complaint.lift_hold(reason="settled", actor=AGENT, at=at(74))
    complaint.resolve(resolution=text("Replaced."), feedback_due=at(900), actor=AGENT, at=at(75))
    complaint.reopen(reason="cracked again", actor=AGENT, at=at(76))
    complaint.resolve(resolution=text("Refunded."), feedback_due=at(900), actor=AGENT, at=at(77))
    complaint.record_feedback(
        satisfaction=5, comment=None, reopen_at_or_below=2, actor=AGENT, at=at(78)
    )
    complaint.close(waiver_reason=None, actor=AGENT, at=at(79))
    return complaint


def an_incident_through_every_command() -> Incident:
    incident = Incident.report(
        reference="INC-2026-000009",
        title="Gateway down",
        description="Payments fail",
        assess_due=at(30),
        activate_due=at(60),
        actor=MANAGER,
        at=at(0),
    )
    incident.assess(
        level="II",
        impact="payments",
        affected_customers=[CUSTOMER],
        departments=["engineering"],
        actor=MANAGER,
        at=at(10),
    )
    incident.change_level(level="I", reason="spreading", actor=MANAGER, at=at(11))
    incident.activate(
        plan="fail over",
        roles={"incident_lead": MANAGER.staff_id},
        known_roles=("incident_lead", "scribe"),
        actor=MANAGER,
        at=at(12),
    )
    incident.assign_role(
        role="scribe",
        staff_id=OWNER.staff_id,
        known_roles=("incident_lead", "scribe"),
        actor=MANAGER,
        at=at(13),
    )
    incident.log(kind="action", text="failed over", personal_text=None, actor=MANAGER, at=at(14))
    incident.set_milestone(name="detected", occurred_at=at(1), actor=MANAGER, at=at(15))
    incident.record_complaint_linked(
        complaint_id=OTHER_ID, complaint_reference="CMP-2026-000001", actor=MANAGER, at=at(16)
    )
    incident.record_escalation(escalation_id=ESCALATION, level="director", actor=MANAGER, at=at(17))
    incident.record_escalation_resolved(escalation_id=ESCALATION, actor=MANAGER, at=at(18))
    incident.place_hold(reason="regulator", actor=MANAGER, at=at(19))
    incident.lift_hold(reason="closed inquiry", actor=MANAGER, at=at(20))
    update_clock = "status_update:" + at(12).isoformat()
    incident.record_warning(clock=update_clock, due=at(20), actor=MANAGER, at=at(19))
    incident.record_breach(clock=update_clock, due=at(20), actor=MANAGER, at=at(20))
    incident.mitigate(summary="traffic drained", actor=MANAGER, at=at(21))
    incident.resolve(summary="fixed", review_plan_due=at(5000), actor=MANAGER, at=at(22))
    incident.review(
        contributing_factors=["config"],
        went_well=["paging"],
        went_badly=[],
        actor=MANAGER,
        at=at(23),
    )
    items = [
        incident.add_action_item(
            description=f"item {n}",
            owner=OWNER.staff_id,
            due=at(9000),
            verify_due=at(9500),
            actor=MANAGER,
            at=at(24),
        )
        for n in (1, 2)
    ]
    incident.complete_action_item(item_id=items[0], note="done", actor=OWNER, at=at(25))
    incident.verify_action_item(item_id=items[0], actor=MANAGER, at=at(26))
    incident.waive_action_item(item_id=items[1], reason="superseded", actor=MANAGER, at=at(27))
    incident.close(actor=MANAGER, at=at(28))
    return incident


DRIVEN = {Complaint: a_complaint_through_every_command, Incident: an_incident_through_every_command}


@pytest.mark.parametrize("aggregate", [Complaint, Incident], ids=lambda a: a.__name__)
def test_every_event_class_keeps_its_pinned_topic(aggregate: type[Case]) -> None:
    assert event_topics(aggregate) == PINNED[aggregate]


@pytest.mark.parametrize("aggregate", [Complaint, Incident], ids=lambda a: a.__name__)
def test_every_recorded_event_is_the_class_its_topic_names(aggregate: type[Case]) -> None:
    events = DRIVEN[aggregate]().collect_events()
    recorded = {get_topic(type(e)) for e in events}
    # Every pinned event but the library's two bases (`Event`, `Created`), which none records.
    bases = {f"{get_topic(aggregate)}.{name}" for name in ("Event", "Created")}
    assert recorded == set(PINNED[aggregate]) - bases
    for e in events:
        assert located(get_topic(type(e))) is type(e)


@pytest.mark.parametrize("aggregate", [Complaint, Incident], ids=lambda a: a.__name__)
def test_events_found_by_their_topics_replay_to_the_same_aggregate(aggregate: type[Case]) -> None:
    original = DRIVEN[aggregate]()
    replayed: Any = None
    for e in original.collect_events():
        # As the mapper does: the class the topic names, the event's state, no __init__.
        found = object.__new__(located(get_topic(type(e))))
        found.__dict__.update(e.__dict__)
        replayed = found.mutate(replayed)
    assert replayed.__dict__ == original.__dict__
