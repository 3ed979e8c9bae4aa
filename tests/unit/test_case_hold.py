"""A legal hold on one case: placed and lifted with a reason, whatever the case's status."""

import pytest

from ledger.errors import DomainError
from tests.unit.test_incident import CLOSED, MANAGER, at, incident_in


def test_a_closed_case_can_be_put_under_hold_and_released() -> None:
    incident = incident_in(CLOSED)
    incident.place_hold(reason="litigation", actor=MANAGER, at=at(900))
    assert incident.legal_hold == "litigation"
    incident.lift_hold(reason="settled", actor=MANAGER, at=at(901))
    assert incident.legal_hold is None
    names = [type(e).__name__ for e in incident.collect_events()][-2:]
    assert names == ["LegalHoldPlaced", "LegalHoldLifted"]


def test_a_hold_needs_a_reason() -> None:
    with pytest.raises(DomainError, match="reason") as refused:
        incident_in(CLOSED).place_hold(reason="  ", actor=MANAGER, at=at(900))
    assert refused.value.field == "reason"


def test_lifting_a_hold_that_is_not_there_is_refused() -> None:
    with pytest.raises(DomainError, match="not under legal hold"):
        incident_in(CLOSED).lift_hold(reason="done", actor=MANAGER, at=at(900))
