"""The in-process turn-taking of reference numbers (ledger.application.numbering)."""

import threading

import pytest

from ledger.application.numbering import NumberGate


def test_the_next_registration_gets_the_following_number_once_the_first_is_queued() -> None:
    gate = NumberGate()
    second: list[int] = []
    with gate.turn(lambda: 41) as first:
        first.queued()  # its save is in the queue, not yet committed
        thread = threading.Thread(
            target=lambda: second.append(gate.turn(lambda: 41).__enter__().number)
        )
        thread.start()
        thread.join(timeout=30)
        assert first.number == 42
    assert second == [43]


def test_a_refused_save_makes_the_next_registration_read_the_stored_counter_again() -> None:
    gate = NumberGate()
    with gate.turn(lambda: 9) as first:
        first.queued()
    with pytest.raises(RuntimeError), gate.turn(lambda: 9) as refused:
        assert refused.number == 11
        raise RuntimeError("the save was refused")
    with gate.turn(lambda: 10) as after:
        assert after.number == 11


def test_a_turn_held_up_lets_the_next_registration_go_ahead_without_one_after_its_patience() -> (
    None
):
    gate = NumberGate(patience=0.05)
    with gate.turn(lambda: 7) as stuck:  # say, its key write waits on an unavailable database
        with gate.turn(lambda: 7) as impatient:
            assert impatient.number == 8  # the stored counter's next; the claim decides
        assert stuck.number == 8
    with gate.turn(lambda: 8) as after:
        assert after.number == 9


class _Lease:
    """A lease that records its use; `free` says whether another process lets it be had."""

    def __init__(self, free: bool = True) -> None:
        self.free = free
        self.held = False
        self.acquired = 0

    def acquire(self, patience: float) -> bool:
        if not self.free:
            return False
        self.held, self.acquired = True, self.acquired + 1
        return True

    def release(self) -> None:
        self.held = False

    def close(self) -> None:
        self.held = False


def test_a_process_leases_the_sequence_from_its_first_registration_to_its_last_commit() -> None:
    lease = _Lease()
    gate = NumberGate(lease=lease)
    with gate.turn(lambda: 41) as first:
        first.queued()
        assert lease.held
        with gate.turn(lambda: 41) as second:  # in flight beside the first: the same lease
            second.queued()
        assert lease.held  # the first has not committed yet
    assert not lease.held
    assert lease.acquired == 1


def test_a_new_lease_reads_the_counter_again_for_what_other_processes_stored() -> None:
    gate = NumberGate(lease=_Lease())
    with gate.turn(lambda: 5) as mine:
        mine.queued()
    stored = iter([6, 9])  # read before the turn, then again once the lease is new
    with gate.turn(lambda: next(stored)) as after_others:
        assert after_others.number == 10


def test_a_lease_not_had_in_time_leaves_the_registration_to_its_claim() -> None:
    gate = NumberGate(lease=_Lease(free=False), patience=0.01)
    with gate.turn(lambda: 3) as turn:
        assert turn.number == 4


def test_a_counter_unreadable_under_a_new_lease_gives_the_turn_and_the_lease_back() -> None:
    lease = _Lease()
    gate = NumberGate(lease=lease, patience=0.05)
    reads = [1]

    def stored() -> int:
        if not reads:  # the second read, under the new lease, fails
            raise ConnectionError("the database went away")
        return reads.pop()

    with pytest.raises(ConnectionError), gate.turn(stored):
        pass
    assert not lease.held
    with gate.turn(lambda: 1) as next_one:  # had its turn, not after the patience
        assert next_one.number == 2
    assert lease.acquired == 2
