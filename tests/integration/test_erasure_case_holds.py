"""An erasure asks the cases themselves whether one holding the person's data is under legal hold.

These holds are saved on the case alone, as a hold from before holds were noted on the person's
own record was: only the events of the case can refuse the erasure.
"""

from uuid import UUID, uuid4

import pytest

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.errors import DomainError
from ledger.values import Actor, Customer
from privacy.fields import Personal

AGENT = Actor("agent-1", "agent", "service")
OFFICER = Actor("dpo-1", "privacy_officer")


def _complaint_of(ledger: LedgerApplication, subject: UUID) -> Complaint:
    complaint = Complaint.register(
        reference=f"HOLD-{uuid4().hex[:8]}",
        channel="phone",
        customer=Customer(subject_id=subject, name=Personal.of(subject, "Wang Wu")),
        summary=Personal.of(subject, "s"),
        description=Personal.of(subject, "d"),
        department="service",
        actor=AGENT,
        at=ledger.clock.now(),
    )
    ledger.save(complaint)
    return complaint


def _held_on_the_case_alone(ledger: LedgerApplication, complaint: Complaint) -> None:
    complaint.place_hold(reason="Litigation 7", actor=AGENT, at=ledger.clock.now())
    ledger.save(complaint)


def test_a_hold_saved_on_the_case_alone_refuses_the_erasure_of_its_customer(
    ledger: LedgerApplication,
) -> None:
    subject = uuid4()
    complaint = _complaint_of(ledger, subject)
    _held_on_the_case_alone(ledger, complaint)
    with pytest.raises(DomainError, match=f"{complaint.reference}.*Litigation 7"):
        ledger.erase_subject(subject, legal_basis="Request", actor=OFFICER)
    assert not ledger.keys.is_erased(subject)


def test_a_lifted_hold_on_a_case_lets_its_customer_be_erased(ledger: LedgerApplication) -> None:
    subject = uuid4()
    complaint = _complaint_of(ledger, subject)
    _held_on_the_case_alone(ledger, complaint)
    complaint.lift_hold(reason="Settled", actor=AGENT, at=ledger.clock.now())
    ledger.save(complaint)
    ledger.erase_subject(subject, legal_basis="Request", actor=OFFICER)
    assert ledger.keys.is_erased(subject)


def test_a_hold_on_another_persons_case_does_not_refuse_an_erasure(
    ledger: LedgerApplication,
) -> None:
    subject, other = uuid4(), uuid4()
    _complaint_of(ledger, subject)
    _held_on_the_case_alone(ledger, _complaint_of(ledger, other))
    ledger.erase_subject(subject, legal_basis="Request", actor=OFFICER)
    assert ledger.keys.is_erased(subject)
