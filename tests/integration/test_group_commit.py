"""Group commit on both stores: batched saves land exactly once; a conflict fails only its owner.

The batching tests hold the first commit until the other saves have queued behind it, so that
they are committed as one batch whatever the machine's speed; the last test races real threads.
"""

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.errors import ConcurrencyError
from ledger.store.committing import GroupCommitting, _Save, _save_keys
from ledger.store.group_commit import GroupCommit
from ledger.store.idempotency import Completion
from ledger.store.side_tables import NumberClaim, NumberTakenError
from ledger.values import Actor, Customer
from privacy.fields import Personal

AGENT = Actor("agent-7", "agent", "service")
Outcome = Sequence[int] | BaseException | None


def _complaint(ledger: LedgerApplication, reference: str) -> Complaint:
    subject = uuid5(NAMESPACE_URL, f"/bench-subjects/{reference}")
    return Complaint.register(
        reference=reference,
        channel="phone",
        customer=Customer(subject_id=subject, name=Personal.of(subject, "Li Si")),
        summary=Personal.of(subject, "Broken"),
        description=Personal.of(subject, "Broken parcel"),
        department="service",
        actor=AGENT,
        at=ledger.clock.now(),
    )


def _stored(ledger: LedgerApplication, *aggregates: Complaint) -> list[StoredEvent]:
    return [ledger.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]


def _note(ledger: LedgerApplication, complaint: Complaint, text: str) -> None:
    subject = complaint.customer.subject_id
    complaint.note_progress(note=Personal.of(subject, text), actor=AGENT, at=ledger.clock.now())


def _versions(ledger: LedgerApplication, aggregate_id: UUID) -> list[int]:
    return [e.originator_version for e in ledger.recorder.select_events(aggregate_id)]


class HeldGroup(GroupCommit[_Save, Sequence[int] | None]):
    """A group commit whose first transaction waits until `behind` saves queue after it."""

    def __init__(self, ledger: LedgerApplication, behind: int) -> None:
        recorder = ledger.recorder
        assert isinstance(recorder, GroupCommitting)
        self.entered = threading.Event()
        self.behind = behind
        self.recorder = recorder
        super().__init__(self._held_commit, keys=_save_keys, size=lambda save: len(save.events))

    def _held_commit(self, saves: Sequence[_Save]) -> list[Sequence[int] | None]:
        if not self.entered.is_set():
            self.entered.set()
            deadline = time.monotonic() + 30
            while self.waiting < self.behind:
                assert time.monotonic() < deadline, "the other saves never queued"
                time.sleep(0.005)
        return self.recorder._commit_saves(saves)

    def insert_events(
        self,
        events: Sequence[StoredEvent],
        completions: Sequence[Completion] = (),
        claims: Sequence[NumberClaim] = (),
    ) -> Sequence[int] | None:
        return self.submit(_Save(events, completions, claims))


def _held_group(ledger: LedgerApplication, behind: int) -> HeldGroup:
    return HeldGroup(ledger, behind)


def _save_all(
    group: HeldGroup,
    members: list[list[StoredEvent]],
    completions: Sequence[Sequence[Completion]] = (),
    claims: Sequence[Sequence[NumberClaim]] = (),
) -> list[Outcome]:
    """Submit the first member, then the rest while it is held; return each one's outcome."""
    carried = {n: c for n, c in enumerate(completions)}
    claimed = {n: c for n, c in enumerate(claims)}

    def submit(n: int) -> Outcome:
        try:
            return group.insert_events(members[n], carried.get(n, ()), claimed.get(n, ()))
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(members)) as pool:
        first = pool.submit(submit, 0)
        assert group.entered.wait(30), "the first save never reached its commit"
        rest = [pool.submit(submit, n) for n in range(1, len(members))]
        return [first.result(), *(f.result() for f in rest)]


def test_saves_queued_behind_a_commit_share_one_transaction_and_all_land(
    ledger: LedgerApplication,
) -> None:
    complaints = [_complaint(ledger, f"CMP-2026-{n:06d}") for n in range(6)]
    members = [_stored(ledger, c) for c in complaints]
    group = _held_group(ledger, behind=5)
    outcomes = _save_all(group, members)
    assert all(isinstance(o, list) and len(o) == 1 for o in outcomes), outcomes
    assert group.transactions == 2
    assert all(_versions(ledger, c.id) == [1] for c in complaints)
    ids = [o[0] for o in outcomes if isinstance(o, list)]
    assert len(set(ids)) == len(ids)


def test_a_conflicting_save_in_a_batch_fails_alone_and_its_neighbours_land(
    ledger: LedgerApplication,
) -> None:
    taken = _complaint(ledger, "CMP-2026-000100")
    ledger.save(taken)
    stale = ledger.get_complaint(taken.id)
    winner = ledger.get_complaint(taken.id)
    _note(ledger, winner, "winner")
    ledger.save(winner)
    _note(ledger, stale, "loser")  # version 2 again: already stored
    neighbours = [_complaint(ledger, f"CMP-2026-{n:06d}") for n in range(101, 105)]
    members = [
        _stored(ledger, neighbours[0]),
        _stored(ledger, neighbours[1]),
        _stored(ledger, stale),
        *(_stored(ledger, c) for c in neighbours[2:]),
    ]
    outcomes = _save_all(_held_group(ledger, behind=4), members)
    assert isinstance(outcomes[2], IntegrityError)
    assert all(isinstance(o, list) for n, o in enumerate(outcomes) if n != 2), outcomes
    assert _versions(ledger, taken.id) == [1, 2]
    assert all(_versions(ledger, c.id) == [1] for c in neighbours)


def test_a_reference_number_taken_first_refuses_only_its_claimant_and_the_batch_commits_once(
    ledger: LedgerApplication,
) -> None:
    complaints = [_complaint(ledger, f"CMP-2026-{n:06d}") for n in (1, 2, 3, 0)]
    members = [_stored(ledger, c) for c in complaints]
    claims = [[NumberClaim("CMP", 2026, n)] for n in (1, 2, 3)] + [[]]
    claims[2] = [NumberClaim("CMP", 2026, 4)]  # read before another registration took 3
    group = _held_group(ledger, behind=3)
    outcomes = _save_all(group, members, claims=claims)
    assert isinstance(outcomes[2], NumberTakenError)
    assert all(isinstance(o, list) for n, o in enumerate(outcomes) if n != 2), outcomes
    assert group.transactions == 2  # the lead alone, then the rest together without the loser
    assert ledger.side_tables.current_number("CMP", 2026) == 2
    assert _versions(ledger, complaints[2].id) == []
    assert _versions(ledger, complaints[3].id) == [1]


def test_two_saves_of_one_stream_version_never_share_a_batch(ledger: LedgerApplication) -> None:
    complaint = _complaint(ledger, "CMP-2026-000200")
    ledger.save(complaint)
    first, second = ledger.get_complaint(complaint.id), ledger.get_complaint(complaint.id)
    _note(ledger, first, "first")
    _note(ledger, second, "second")
    neighbour = _complaint(ledger, "CMP-2026-000201")
    lead = _complaint(ledger, "CMP-2026-000202")
    members = [
        _stored(ledger, lead),
        _stored(ledger, first),
        _stored(ledger, second),
        _stored(ledger, neighbour),
    ]
    outcomes = _save_all(_held_group(ledger, behind=3), members)
    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 1, outcomes
    assert isinstance(outcomes[0], list) and isinstance(outcomes[3], list)
    assert _versions(ledger, complaint.id) == [1, 2]


def test_a_multi_aggregate_save_in_a_refused_batch_stays_all_or_nothing(
    ledger: LedgerApplication,
) -> None:
    existing = _complaint(ledger, "CMP-2026-000300")
    ledger.save(existing)
    stale = ledger.get_complaint(existing.id)
    moved = ledger.get_complaint(existing.id)
    _note(ledger, moved, "moved on")
    ledger.save(moved)
    _note(ledger, stale, "stale")
    fresh = _complaint(ledger, "CMP-2026-000301")  # saved together with the stale write
    neighbour = _complaint(ledger, "CMP-2026-000302")
    members = [
        _stored(ledger, _complaint(ledger, "CMP-2026-000303")),
        _stored(ledger, fresh, stale),
        _stored(ledger, neighbour),
    ]
    outcomes = _save_all(_held_group(ledger, behind=2), members)
    assert isinstance(outcomes[1], IntegrityError)
    assert isinstance(outcomes[2], list)
    assert _versions(ledger, fresh.id) == []
    assert _versions(ledger, neighbour.id) == [1]


def _race(writers: int, work: Callable[[int], Any]) -> list[Any]:
    start = threading.Barrier(writers)

    def run(n: int) -> Any:
        start.wait()
        try:
            return work(n)
        except ConcurrencyError as error:
            return error

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(run, range(writers)))


def test_many_threads_saving_with_some_conflicting_lose_nothing_and_duplicate_nothing(
    ledger: LedgerApplication,
) -> None:
    assert ledger.recorder.group_commit is not None  # on by default
    own = [_complaint(ledger, f"CMP-2026-{n:06d}") for n in range(400, 408)]
    shared = _complaint(ledger, "CMP-2026-000500")
    ledger.save(*own, shared)
    notes_each = 5
    stale = [ledger.get_complaint(shared.id) for _ in range(8)]

    def work(n: int) -> Any:
        if n < len(own):
            for i in range(notes_each):
                ledger.note_progress(own[n].id, note=f"{n}-{i}", actor=AGENT)
            return "own"
        copy = stale[n - len(own)]
        _note(ledger, copy, f"shared {n}")
        ledger.save(copy)
        return f"shared {n}"

    outcomes = _race(len(own) + len(stale), work)
    assert outcomes[: len(own)] == ["own"] * len(own)
    shared_wins = [o for o in outcomes[len(own) :] if isinstance(o, str)]
    assert len(shared_wins) == 1, outcomes
    for n, complaint in enumerate(own):
        notes = [h.data.get("note") for h in ledger.get_history(complaint.id)][1:]
        assert [ledger.keys.reveal(x) for x in notes] == [f"{n}-{i}" for i in range(notes_each)]
    history = ledger.get_history(shared.id)
    assert [ledger.keys.reveal(h.data["note"]) for h in history[1:]] == shared_wins
    log = ledger.recorder.select_notifications(start=1, limit=1000)
    assert len(log) == 1 + len(own) + len(own) * notes_each + 1
    assert [n.id for n in log] == sorted({n.id for n in log})


@pytest.mark.parametrize("switch", [True, False])
def test_group_commit_can_be_switched_off(
    switch: bool, database_url: str, keyring: Any, clock: Any
) -> None:
    from ledger.store.settings import settings_for_url

    app = LedgerApplication(
        settings_for_url(database_url), keyring=keyring, clock=clock, group_commit=switch
    )
    try:
        assert (app.recorder.group_commit is not None) is switch
    finally:
        app.close()
