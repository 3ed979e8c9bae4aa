"""Incident commands on both stores: links to complaints, escalations, personal data."""

from datetime import timedelta

import pytest

from ledger.application.service import LedgerApplication
from ledger.errors import DomainError
from ledger.incidents.incident import Incident
from ledger.values import Actor
from privacy.fields import ERASED

MANAGER = Actor(staff_id="im-1", role="incident_manager")
AGENT = Actor(staff_id="agent-7", role="agent", department="service")
SUPERVISOR = Actor(staff_id="sup-1", role="supervisor")
PRIVACY = Actor(staff_id="po-1", role="privacy_officer")


def reported(ledger: LedgerApplication) -> Incident:
    return ledger.report_incident(
        title="Payment gateway down", description="Card payments fail", actor=MANAGER
    )


def test_an_incident_gets_the_next_reference_of_its_year(ledger: LedgerApplication) -> None:
    first, second = reported(ledger), reported(ledger)
    assert (first.reference, second.reference) == ("INC-2026-000001", "INC-2026-000002")
    assert ledger.find_incident("INC-2026-000002").id == second.id


def test_linking_a_complaint_records_an_event_on_both_streams(ledger: LedgerApplication) -> None:
    incident = reported(ledger)
    complaint = ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="s", description="d", actor=AGENT
    )
    ledger.link_complaint_to_incident(incident.id, complaint_id=complaint.id, actor=MANAGER)
    assert ledger.get_incident(incident.id).linked_complaints == [complaint.id]
    assert ledger.get_complaint(complaint.id).incident_id == incident.id
    assert ledger.get_history(complaint.id)[-1].event == "LinkedToIncident"


def test_a_complaint_is_linked_to_one_incident_only(ledger: LedgerApplication) -> None:
    first, second = reported(ledger), reported(ledger)
    complaint = ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="s", description="d", actor=AGENT
    )
    ledger.link_complaint_to_incident(first.id, complaint_id=complaint.id, actor=MANAGER)
    with pytest.raises(DomainError):
        ledger.link_complaint_to_incident(second.id, complaint_id=complaint.id, actor=MANAGER)
    # the refused link left nothing on the second incident either (one transaction)
    assert ledger.get_incident(second.id).linked_complaints == []


def test_an_escalation_attaches_to_an_incident_and_resolves_there(
    ledger: LedgerApplication,
) -> None:
    incident = reported(ledger)
    escalation = ledger.raise_incident_escalation(
        incident_id=incident.id, level="supervisor", reason="Two regions down", actor=MANAGER
    )
    assert ledger.get_incident(incident.id).escalation_level == 1
    ledger.acknowledge_escalation(escalation.id, actor=SUPERVISOR)
    ledger.resolve_escalation(escalation.id, outcome="Extra staff sent", actor=SUPERVISOR)
    assert ledger.get_incident(incident.id).open_escalations == {}
    assert ledger.get_escalation(escalation.id).subject_kind == "incident"


def test_affected_customers_are_stored_encrypted_and_erasable(ledger: LedgerApplication) -> None:
    incident = reported(ledger)
    ledger.assess_incident(
        incident.id,
        level="II",
        impact="Checkout down",
        affected_customers=[{"name": "Zhao Liu", "phone": "13900001111"}],
        departments=["technical"],
        actor=MANAGER,
    )
    customer = ledger.get_incident(incident.id).affected_customers[0]
    stored = b"".join(
        item.state
        for item in ledger.recorder.select_events(incident.id)  # type: ignore[attr-defined]
    )
    assert b"Zhao Liu" not in stored
    assert ledger.keys.reveal(customer.name, {}) == "Zhao Liu"
    ledger.erase_subject(customer.subject_id, legal_basis="request 1", actor=PRIVACY)
    reloaded = ledger.get_incident(incident.id).affected_customers[0]
    assert ledger.keys.reveal(reloaded.name, {}) == ERASED


def test_review_plan_due_counts_working_days_from_resolution(
    ledger: LedgerApplication, clock: object
) -> None:
    incident = reported(ledger)
    ledger.assess_incident(
        incident.id, level="III", impact="minor", departments=["technical"], actor=MANAGER
    )
    ledger.activate_response(incident.id, plan="p", roles={"incident_lead": "im-1"}, actor=MANAGER)
    ledger.mitigate_incident(incident.id, summary="m", actor=MANAGER)
    resolved = ledger.resolve_incident(incident.id, summary="r", actor=MANAGER)
    assert resolved.resolved_at is not None
    assert resolved.review_plan_due == resolved.resolved_at + timedelta(days=2)
