"""Idempotency claims on both stores: completed in the events' transaction, fenced, taken over.

The API sets `current_claim`; here the tests set it themselves around the application's
commands, which is the whole of the API's part in the exactly-once path.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.errors import ClaimLostError, ConcurrencyError
from ledger.store.claims import Claim, ClaimHolders, Completion, current_claim
from ledger.values import Actor
from tests.integration.test_group_commit import (
    _complaint,
    _held_group,
    _save_all,
    _stored,
    _versions,
)

AGENT = Actor("agent-7", "agent", "service")
LEASE = timedelta(seconds=90)


def _reserve(ledger: LedgerApplication, key: str, holders: ClaimHolders | None = None) -> Any:
    holders = holders or ledger.claim_holders
    token = holders.new_token()
    record = ledger.side_tables.reserve_idempotency_key(
        scope="agent-7",
        key=key,
        fingerprint="f",
        now=ledger.clock.now(),
        lease=LEASE,
        token=token,
        owner=holders.owner,
        holder_is_dead=ledger.claim_holders.holder_is_dead,
    )
    return token if record is None else record


@contextmanager
def _claimed(claim: Claim) -> Iterator[None]:
    reset = current_claim.set(claim)
    try:
        yield
    finally:
        current_claim.reset(reset)


def _claim(token: str, key: str = "k1", status: int = 201) -> Claim:
    return Claim("agent-7", key, token, status, "complaint", Complaint)


def _register(ledger: LedgerApplication) -> Complaint:
    return ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="Broken", description="x", actor=AGENT
    )


def _record(ledger: LedgerApplication, key: str = "k1") -> Any:
    """What a retry with a different token meets (the claim in progress, or the answer)."""
    return ledger.side_tables.reserve_idempotency_key(
        scope="agent-7",
        key=key,
        fingerprint="f",
        now=ledger.clock.now(),
        lease=LEASE,
        token="someone-else",
        owner="elsewhere|1|1|x",
        holder_is_dead=lambda owner, token: False,
    )


def test_a_save_under_a_claim_completes_it_in_the_same_transaction(
    ledger: LedgerApplication,
) -> None:
    token = _reserve(ledger, "k1")
    with _claimed(_claim(token)):
        complaint = _register(ledger)
    record = _record(ledger)
    assert (record.status, record.result) == (201, f"complaint:{complaint.id}:1")


def test_a_save_that_fails_its_conflict_check_completes_nothing(
    ledger: LedgerApplication,
) -> None:
    complaint = _register(ledger)
    stale = ledger.get_complaint(complaint.id)
    ledger.note_progress(complaint.id, note="first", actor=AGENT)
    token = _reserve(ledger, "k1")
    stale.note_progress(note=stale.summary, actor=AGENT, at=ledger.clock.now())
    with _claimed(_claim(token, status=200)), pytest.raises(ConcurrencyError):
        ledger.save(stale)
    assert _record(ledger).status is None


def test_a_save_whose_claim_was_taken_over_stores_nothing(ledger: LedgerApplication) -> None:
    token = _reserve(ledger, "k1")
    ledger.claim_holders.finished(token)  # its request ended without releasing: dead here
    assert isinstance(_reserve(ledger, "k1"), str)  # a retry takes it over
    complaint = _complaint(ledger, "CMP-2026-000900")
    with _claimed(_claim(token)), pytest.raises(ClaimLostError):
        ledger.save(complaint)
    assert _versions(ledger, complaint.id) == []


def test_a_claim_whose_holder_still_runs_here_is_not_taken_over(
    ledger: LedgerApplication,
) -> None:
    _reserve(ledger, "k1")
    record = _reserve(ledger, "k1")
    assert record.status is None
    assert record.lease_ends == ledger.clock.now() + LEASE


def test_a_claim_of_a_process_that_no_longer_runs_is_taken_over_at_once(
    ledger: LedgerApplication,
) -> None:
    dead = ClaimHolders()
    dead.owner = f"{dead.host}|{dead.pid}|not-its-start-time|{dead.instance}"
    _reserve(ledger, "k1", dead)
    assert isinstance(_reserve(ledger, "k1"), str)


def test_a_claim_of_another_host_waits_for_its_lease(ledger: LedgerApplication) -> None:
    elsewhere = ClaimHolders()
    elsewhere.owner = f"other-host|1|1|{elsewhere.instance}"
    _reserve(ledger, "k1", elsewhere)
    assert _reserve(ledger, "k1").status is None
    ledger.clock.advance(LEASE + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert isinstance(_reserve(ledger, "k1"), str)


def test_batched_saves_each_complete_their_own_claim_and_a_lost_one_fails_alone(
    ledger: LedgerApplication,
) -> None:
    complaints = [_complaint(ledger, f"CMP-2026-{n:06d}") for n in range(200, 204)]
    tokens = [_reserve(ledger, f"k{n}") for n in range(4)]
    lost = tokens[2]
    ledger.claim_holders.finished(lost)
    _reserve(ledger, "k2")  # taken over: the third save's claim is lost
    completions = [
        [Completion("agent-7", f"k{n}", token, 201, f"complaint:{c.id}:1")]
        for n, (token, c) in enumerate(zip(tokens, complaints, strict=True))
    ]
    members = [_stored(ledger, c) for c in complaints]
    outcomes = _save_all(_held_group(ledger, behind=3), members, completions)
    assert isinstance(outcomes[2], ClaimLostError)
    assert [bool(_versions(ledger, c.id)) for c in complaints] == [True, True, False, True]
    answers = [_record(ledger, f"k{n}") for n in range(4)]
    assert [a.status for a in answers] == [201, 201, None, 201]
    assert answers[3].result == f"complaint:{complaints[3].id}:1"


def test_a_second_save_under_the_same_claim_records_the_later_answer(
    ledger: LedgerApplication,
) -> None:
    token = _reserve(ledger, "k1")
    with _claimed(_claim(token, status=200)):
        complaint = _register(ledger)
        ledger.note_progress(complaint.id, note="Called back", actor=AGENT)
    assert _record(ledger).result == f"complaint:{complaint.id}:2"
