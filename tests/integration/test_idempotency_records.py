"""Idempotency records: written by a request's save in its events' transaction, once per key.

The API puts the request's `IdempotencyKey` in its `RequestScope`; here the tests do it
themselves around the application's commands, which is the whole of the API's part in the
exactly-once path.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ledger.application.scope import RequestScope
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.errors import ConcurrencyError, DuplicateRequestError
from ledger.store.idempotency import Completion, IdempotencyKey
from ledger.store.side_tables import IdempotencyRecord
from ledger.values import Actor
from tests.integration.test_group_commit import (
    _complaint,
    _held_group,
    _save_all,
    _stored,
    _versions,
)

AGENT = Actor("agent-7", "agent", "service")


def _request(ledger: LedgerApplication, key: str = "k1", status: int = 201) -> LedgerApplication:
    """The ledger as a request with `key` sees it (answering with a complaint)."""
    idempotency = IdempotencyKey("agent-7", key, "f", status, "2026-01-01", "complaint", Complaint)
    return ledger.for_request(RequestScope(idempotency=idempotency))


def _register(ledger: LedgerApplication) -> Complaint:
    return ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="Broken", description="x", actor=AGENT
    )


def _record(ledger: LedgerApplication, key: str = "k1") -> IdempotencyRecord | None:
    return ledger.side_tables.find_idempotency_record(scope="agent-7", key=key)


def test_a_save_with_a_key_records_it_in_the_same_transaction(ledger: LedgerApplication) -> None:
    complaint = _register(_request(ledger))
    record = _record(ledger)
    assert record is not None
    assert (record.status, record.result) == (201, f"complaint:{complaint.id}:1")


def test_a_save_that_fails_its_conflict_check_records_nothing(ledger: LedgerApplication) -> None:
    complaint = _register(ledger)
    request = _request(ledger, status=200)
    stale = request.get_complaint(complaint.id)
    ledger.assign_complaint(complaint.id, actor=AGENT)
    stale.assign(owner="agent-7", reason=None, actor=AGENT, at=ledger.clock.now())
    with pytest.raises(ConcurrencyError):
        request.save(stale)
    assert _record(ledger) is None


def test_a_save_whose_key_another_request_recorded_stores_nothing(
    ledger: LedgerApplication,
) -> None:
    first = _register(_request(ledger))
    before = len(ledger.recorder.select_notifications(start=1, limit=100))
    with pytest.raises(DuplicateRequestError):
        _register(_request(ledger))
    assert len(ledger.recorder.select_notifications(start=1, limit=100)) == before
    record = _record(ledger)
    assert record is not None and record.result == f"complaint:{first.id}:1"


def test_a_refused_duplicate_names_the_key_it_lost_to_whatever_its_characters(
    ledger: LedgerApplication,
) -> None:
    key = 'k "2" \\ é 鍵'
    _register(_request(ledger, key))
    with pytest.raises(DuplicateRequestError) as refused:
        _register(_request(ledger, key))
    assert refused.value.key == ("agent-7", key)


def test_concurrent_requests_with_one_key_store_the_events_of_one(
    ledger: LedgerApplication,
) -> None:
    writers = 6
    start = threading.Barrier(writers)

    def run(_: int) -> Any:
        start.wait()
        try:
            return _register(_request(ledger)).id
        except DuplicateRequestError as error:
            return error

    with ThreadPoolExecutor(writers) as pool:
        outcomes = list(pool.map(run, range(writers)))
    stored = [o for o in outcomes if not isinstance(o, DuplicateRequestError)]
    assert len(stored) == 1, outcomes
    registered = [
        n
        for n in ledger.recorder.select_notifications(start=1, limit=100)
        if "Registered" in n.topic
    ]
    assert len(registered) == 1
    record = _record(ledger)
    assert record is not None and record.result == f"complaint:{stored[0]}:1"


def test_batched_saves_each_record_their_own_key_and_a_duplicate_refuses_only_its_save(
    ledger: LedgerApplication,
) -> None:
    _register(_request(ledger, "k2"))  # k2 is taken: the third save of the batch is refused
    complaints = [_complaint(ledger, f"CMP-2026-{n:06d}") for n in range(200, 204)]
    completions = [
        [Completion("agent-7", f"k{n}", "f", 201, f"complaint:{c.id}:1", "2026-01-01")]
        for n, c in enumerate(complaints)
    ]
    members = [_stored(ledger, c) for c in complaints]
    group = _held_group(ledger, behind=3)
    outcomes = _save_all(group, members, completions)
    assert isinstance(outcomes[2], DuplicateRequestError)
    assert outcomes[2].key == ("agent-7", "k2")
    assert group.transactions == 2  # the lead alone, then the rest together without the loser
    assert [bool(_versions(ledger, c.id)) for c in complaints] == [True, True, False, True]
    answers = [_record(ledger, f"k{n}") for n in range(4)]
    assert all(a is not None and a.status == 201 for a in answers)
    assert answers[2] is not None and answers[2].result != f"complaint:{complaints[2].id}:1"
    assert answers[3] is not None and answers[3].result == f"complaint:{complaints[3].id}:1"


def test_a_second_save_of_the_same_request_records_the_later_answer(
    ledger: LedgerApplication,
) -> None:
    request = _request(ledger, status=200)
    complaint = _register(request)
    request.note_progress(complaint.id, note="Called back", actor=AGENT)
    record = _record(ledger)
    assert record is not None and record.result == f"complaint:{complaint.id}:2"


def test_a_save_of_something_else_records_the_key_without_an_answer_yet(
    ledger: LedgerApplication,
) -> None:
    complaint = _register(ledger)
    idempotency = IdempotencyKey("agent-7", "k1", "f", 201, "2026-01-01")  # answers a body
    request = ledger.for_request(RequestScope(idempotency=idempotency))
    request.note_progress(complaint.id, note="Called back", actor=AGENT)
    record = _record(ledger)
    assert record is not None and (record.status, record.result) == (201, None)
    assert idempotency.recorded
