"""Waiting on the customer, and missed deadlines recorded on the complaint's own stream."""

from datetime import timedelta

import pytest

from ledger.cases.complaint import Complaint
from ledger.errors import DomainError
from tests.unit.test_complaint import AGENT, LATER, POLICY, REGISTERED_AT, personal, register


def workable() -> Complaint:
    complaint = register()
    complaint.classify(
        category="complaint",
        priority="urgent",
        customer_tier="standard",
        deadlines=POLICY.complaint_deadlines(
            registered_at=REGISTERED_AT, priority="urgent", tier="standard"
        ),
        actor=AGENT,
        at=LATER,
    )
    complaint.assign(owner="agent-1", reason=None, actor=AGENT, at=LATER)
    return complaint


def test_waiting_on_the_customer_is_recorded_until_they_reply() -> None:
    complaint = workable()
    complaint.await_customer(reason="needs photos", actor=AGENT, at=LATER)
    assert complaint.awaiting_customer_since == LATER
    complaint.record_customer_reply(actor=AGENT, at=LATER + timedelta(hours=1))
    assert complaint.awaiting_customer_since is None


def test_a_complaint_cannot_wait_on_the_customer_twice() -> None:
    complaint = workable()
    complaint.await_customer(reason="needs photos", actor=AGENT, at=LATER)
    with pytest.raises(DomainError, match="already waiting"):
        complaint.await_customer(reason="again", actor=AGENT, at=LATER)


def test_a_reply_needs_a_complaint_that_waits() -> None:
    with pytest.raises(DomainError, match="not waiting"):
        workable().record_customer_reply(actor=AGENT, at=LATER)


def test_a_breach_is_recorded_once_per_clock() -> None:
    complaint = workable()
    due = REGISTERED_AT + timedelta(hours=2)
    complaint.record_breach(clock="first_response", due=due, actor=AGENT, at=due)
    assert complaint.breaches == ["first_response"]
    with pytest.raises(DomainError):
        complaint.record_breach(clock="first_response", due=due, actor=AGENT, at=due)


def test_no_breach_is_recorded_for_a_deadline_that_was_met() -> None:
    complaint = workable()
    complaint.respond(message=personal("on it"), actor=AGENT, at=LATER)
    assert not complaint.check_breach("first_response")


def test_no_breach_is_recorded_while_waiting_on_the_customer() -> None:
    complaint = workable()
    complaint.await_customer(reason="needs photos", actor=AGENT, at=LATER)
    assert not complaint.check_breach("first_response")


def test_a_complaint_cannot_be_resolved_while_waiting_on_the_customer() -> None:
    complaint = workable()
    complaint.await_customer(reason="needs photos", actor=AGENT, at=LATER)
    with pytest.raises(DomainError, match="record the customer's reply first"):
        complaint.resolve(resolution=personal("fixed"), feedback_due=LATER, actor=AGENT, at=LATER)


def resolved_while_waiting() -> Complaint:
    """A complaint an earlier release let resolve while it waited on the customer."""
    complaint = workable()
    complaint.await_customer(reason="needs photos", actor=AGENT, at=LATER)
    complaint.trigger_event(
        Complaint.Resolved,
        resolution=personal("fixed"),
        feedback_due=LATER + timedelta(hours=24),
        actor=AGENT,
        timestamp=LATER,
    )
    return complaint


def test_a_complaint_resolved_while_waiting_cannot_be_reopened_until_the_customer_replies() -> None:
    complaint = resolved_while_waiting()
    with pytest.raises(DomainError, match="record the customer's reply first"):
        complaint.reopen(reason="broke again", actor=AGENT, at=LATER)
    complaint.record_customer_reply(actor=AGENT, at=LATER)
    complaint.reopen(reason="broke again", actor=AGENT, at=LATER)
    assert complaint.cycle == 2


def test_a_complaint_resolved_while_waiting_takes_no_survey_until_the_customer_replies() -> None:
    with pytest.raises(DomainError, match="record the customer's reply first"):
        resolved_while_waiting().record_feedback(
            satisfaction=1, comment=None, reopen_at_or_below=2, actor=AGENT, at=LATER
        )


def test_a_wait_the_policy_does_not_pause_leaves_the_clocks_due() -> None:
    complaint = workable()
    complaint.await_customer(reason="needs photos", pauses_clocks=False, actor=AGENT, at=LATER)
    assert complaint.check_breach("first_response")
