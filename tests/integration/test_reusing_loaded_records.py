"""A command may act on the record the access check already loaded: once, and never blindly."""

import pytest

from ledger.application.scope import RequestScope
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.errors import ConcurrencyError
from ledger.values import Actor

AGENT = Actor("agent-7", "agent", "service")
OTHER_AGENT = Actor("agent-8", "agent", "service")


def _complaint(ledger: LedgerApplication) -> Complaint:
    return ledger.register_complaint(
        channel="phone",
        customer_name="Li Lei",
        summary="Parcel arrived broken",
        description="Crushed box",
        actor=AGENT,
    )


def _reusing(ledger: LedgerApplication, *loaded: Complaint) -> LedgerApplication:
    scope = RequestScope()
    scope.reuse(list(loaded))
    return ledger.for_request(scope)


def test_a_command_acts_on_the_record_already_loaded(ledger: LedgerApplication) -> None:
    complaint_id = _complaint(ledger).id
    loaded = ledger.get_complaint(complaint_id)
    assigned = _reusing(ledger, loaded).assign_complaint(complaint_id, actor=AGENT)
    assert assigned is loaded
    assert ledger.get_complaint(complaint_id).owner == "agent-7"


def test_a_loaded_record_is_reused_once_then_read_afresh(ledger: LedgerApplication) -> None:
    complaint_id = _complaint(ledger).id
    loaded = ledger.get_complaint(complaint_id)
    request = _reusing(ledger, loaded)
    first = request.get_complaint(complaint_id)
    second = request.get_complaint(complaint_id)
    assert first is loaded
    assert second is not loaded and second.version == loaded.version


def test_nothing_is_reused_outside_the_request(ledger: LedgerApplication) -> None:
    complaint_id = _complaint(ledger).id
    loaded = ledger.get_complaint(complaint_id)
    _reusing(ledger, loaded)
    assert ledger.get_complaint(complaint_id) is not loaded


def test_an_older_version_is_never_taken_from_the_loaded_records(
    ledger: LedgerApplication,
) -> None:
    complaint_id = _complaint(ledger).id
    ledger.assign_complaint(complaint_id, actor=AGENT)
    loaded = ledger.get_complaint(complaint_id)
    assert _reusing(ledger, loaded).get_complaint(complaint_id, version=1).version == 1


def test_a_record_changed_since_it_was_loaded_is_refused_on_save(
    ledger: LedgerApplication,
) -> None:
    complaint_id = _complaint(ledger).id
    loaded = ledger.get_complaint(complaint_id)
    ledger.assign_complaint(complaint_id, actor=OTHER_AGENT)  # another request got there first
    with pytest.raises(ConcurrencyError):
        _reusing(ledger, loaded).assign_complaint(complaint_id, actor=AGENT)
    assert ledger.get_complaint(complaint_id).owner == "agent-8"
