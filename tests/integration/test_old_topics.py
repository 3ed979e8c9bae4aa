"""Events stored under the topics of before the move (`ledger.complaint:Complaint.Escalated`)
load as the same events, onto aggregates whose shared parts (holds, escalations) now live on a
base class, and projections ask for those topics too."""

import dataclasses
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from ledger.subjects.subject import DataSubject
from ledger.topics import MOVED_MODULES, topics_of
from ledger.values import Actor

AGENT = Actor(staff_id="agent-7", role="agent", department="service")
MANAGER = Actor(staff_id="im-1", role="incident_manager")
OFFICER = Actor(staff_id="co-1", role="compliance_officer")
NEW_TO_OLD = {new: old for old, new in MOVED_MODULES.items()}


def old_topic(topic: str) -> str:
    module, _, qualname = topic.partition(":")
    return f"{NEW_TO_OLD[module]}:{qualname}"


def stored_under_old_topics(ledger: LedgerApplication, stream: UUID) -> list[StoredEvent]:
    return [
        dataclasses.replace(stored, topic=old_topic(stored.topic))
        for stored in ledger.recorder.select_events(stream)
    ]


def replayed(ledger: LedgerApplication, stored: list[StoredEvent]) -> Any:
    aggregate = None
    for event in map(ledger.mapper.to_domain_event, stored):
        aggregate = event.mutate(aggregate)
    return aggregate


def test_a_complaint_with_a_hold_and_an_escalation_loads_from_its_old_topics(
    ledger: LedgerApplication,
) -> None:
    complaint = ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="s", description="d", actor=AGENT
    )
    escalation = ledger.raise_escalation(
        complaint_id=complaint.id, level="supervisor", reason="angry customer", actor=AGENT
    )
    ledger.place_case_hold(complaint.id, reason="litigation", actor=OFFICER)
    stored = stored_under_old_topics(ledger, complaint.id)
    assert [s.topic for s in stored] == [
        "ledger.complaint:Complaint.Registered",
        "ledger.complaint:Complaint.Escalated",
        "ledger.complaint:Complaint.LegalHoldPlaced",
    ]
    loaded = replayed(ledger, stored)
    assert [type(e) for e in map(ledger.mapper.to_domain_event, stored)][1:] == [
        Complaint.Escalated,  # type: ignore[attr-defined]
        Complaint.LegalHoldPlaced,  # type: ignore[attr-defined]
    ]
    assert loaded.open_escalations == {str(escalation.id): "supervisor"}
    assert loaded.legal_hold == "litigation"
    assert loaded == ledger.get_complaint(complaint.id)
    assert replayed(ledger, stored_under_old_topics(ledger, escalation.id)) == (
        ledger.get_escalation(escalation.id)
    )


def test_an_incident_with_a_hold_loads_from_its_old_topics(ledger: LedgerApplication) -> None:
    incident = ledger.report_incident(title="Gateway down", description="d", actor=MANAGER)
    ledger.place_case_hold(incident.id, reason="regulator inquiry", actor=OFFICER)
    ledger.lift_case_hold(incident.id, reason="closed by the regulator", actor=OFFICER)
    ledger.place_case_hold(incident.id, reason="second inquiry", actor=OFFICER)
    stored = stored_under_old_topics(ledger, incident.id)
    assert stored[-1].topic == "ledger.incident:Incident.LegalHoldPlaced"
    loaded = replayed(ledger, stored)
    assert isinstance(loaded, Incident)
    assert loaded.legal_hold == "second inquiry"
    assert loaded == ledger.get_incident(incident.id)


def test_a_data_subject_written_under_its_old_topics_loads_with_its_hold(
    ledger: LedgerApplication,
) -> None:
    subject_id = uuid4()
    ledger.place_legal_hold(subject_id, reason="court order", actor=OFFICER)
    person = ledger.get_data_subject(subject_id)
    stored = stored_under_old_topics(ledger, person.id)
    assert [s.topic for s in stored] == [
        "ledger.subject:DataSubject.Recorded",
        "ledger.subject:DataSubject.HoldPlaced",
    ]
    # Written by the recorder as a store from before the move holds it, under a stream of its own.
    copy = uuid4()
    ledger.recorder.insert_events([dataclasses.replace(s, originator_id=copy) for s in stored])
    loaded = ledger.repository.get(copy)
    assert isinstance(loaded, DataSubject)
    assert (loaded.subject_id, loaded.legal_hold) == (subject_id, "court order")
    with pytest.raises(Exception, match="under legal hold"):
        loaded.erase(legal_basis="request", actor=OFFICER, at=ledger.clock.now())


@pytest.mark.parametrize(
    ("cls", "old"),
    [
        (Complaint.LegalHoldPlaced, "ledger.complaint:Complaint.LegalHoldPlaced"),  # type: ignore[attr-defined]
        (Complaint.Escalated, "ledger.complaint:Complaint.Escalated"),  # type: ignore[attr-defined]
        (Incident.LegalHoldLifted, "ledger.incident:Incident.LegalHoldLifted"),  # type: ignore[attr-defined]
        (DataSubject.HoldPlaced, "ledger.subject:DataSubject.HoldPlaced"),
    ],
)
def test_projections_ask_for_an_events_old_topic_too(cls: type[Any], old: str) -> None:
    assert old in set(topics_of(cls))
