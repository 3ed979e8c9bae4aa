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
