"""Turns (projections/engine/turns.py): a few holders at once, the others served in arrival order."""

import signal
import threading
import time
from collections.abc import Callable

import pytest

from projections.engine.turns import Turns


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def _taker(turns: Turns, name: str, order: list[str], leave: threading.Event) -> threading.Thread:
    """A thread that takes a turn, notes its name, and holds the turn until `leave` is set."""

    def take() -> None:
        with turns:
            order.append(name)
            leave.wait(5)

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread


def test_no_more_than_the_given_holders_hold_a_turn_at_once() -> None:
    turns, order, leave = Turns(2), [], threading.Event()
    threads = [_taker(turns, str(n), order, leave) for n in range(5)]
    _wait_until(lambda: turns.waiting == 3)
    assert len(order) == 2
    leave.set()
    for thread in threads:
        thread.join(5)
    assert sorted(order) == ["0", "1", "2", "3", "4"]


def test_a_freed_turn_goes_to_the_longest_waiter() -> None:
    turns, order, leave = Turns(1), [], threading.Event()
    threads = []
    with turns:
        for n in range(4):
            threads.append(_taker(turns, str(n), order, leave))
            _wait_until(lambda n=n: turns.waiting == n + 1)
        leave.set()
    for thread in threads:
        thread.join(5)
    assert order == ["0", "1", "2", "3"]


def test_a_holder_coming_straight_back_queues_behind_those_already_waiting() -> None:
    turns, order, leave = Turns(1), [], threading.Event()
    with turns:
        waiter = _taker(turns, "waiter", order, leave)
        _wait_until(lambda: turns.waiting == 1)
    # The turn went to the waiter on release, even if its thread has not run yet.
    back = threading.Thread(target=lambda: _hold(turns, "back", order), daemon=True)
    back.start()
    leave.set()
    waiter.join(5)
    back.join(5)
    assert order == ["waiter", "back"]


def _hold(turns: Turns, name: str, order: list[str]) -> None:
    with turns:
        order.append(name)


class GaveUpError(Exception):
    """Raised in a waiting thread, as KeyboardInterrupt would be."""


def _give_up(*_: object) -> None:
    raise GaveUpError


def test_a_waiter_that_gives_up_leaves_the_queue_and_hands_no_turn_to_another() -> None:
    turns, order, leave = Turns(1), [], threading.Event()
    holder = _taker(turns, "holder", order, leave)
    _wait_until(lambda: order == ["holder"])
    first = threading.Thread(target=lambda: _hold(turns, "first", order), daemon=True)
    first.start()
    _wait_until(lambda: turns.waiting == 1)
    previous = signal.signal(signal.SIGALRM, _give_up)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(GaveUpError), turns:
            order.append("never")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert turns.waiting == 1
    time.sleep(0.05)  # room for a wrongly woken waiter to get in
    assert order == ["holder"]
    leave.set()
    holder.join(5)
    first.join(5)
    _hold(turns, "after", order)
    assert order == ["holder", "first", "after"]
