"""Reference numbers handed out in order within one process, so its registrations never race.

A registration reads the year's counter and claims the next number in its save's transaction
(`ledger.store.side_tables.NumberClaim`); two registrations that read the same counter claim
the same number and one of them loses, reads again and saves again. Within one process that
race is avoidable: a `NumberGate` per sequence lets one registration at a time pick its number,
after the highest one this process has queued, and holds the next one back only until the save
is in the group commit's queue (`queued`), not until it commits. Numbers then reach the queue
in order, a batch claims them in ascending order, and concurrent registrations of one process
share a transaction instead of losing to each other. Another process can still take a number
first: the claim stays a compare-and-set in the database, which is what keeps references
contiguous; the gate only avoids the losses it can see coming. With a `Lease` (one per
sequence, across processes: ledger/store/number_lease.py) it sees the other processes' too: a
process leases the sequence from its first registration in flight until its last has committed,
and its first number after a lease is read fresh.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Lease(Protocol):
    """A sequence's turn among processes (`acquire` waits up to `patience` seconds)."""

    def acquire(self, patience: float) -> bool: ...

    def release(self) -> None: ...

    def close(self) -> None: ...


class NumberGate:
    """One sequence's turn-taking within this process."""

    def __init__(self, patience: float = 1.0, lease: Lease | None = None) -> None:
        self._turn = threading.Lock()
        self._lease = lease
        self._state = threading.Lock()  # guards the two below, from any thread
        self._in_flight = 0  # registrations between their turn and their commit (or refusal)
        self._leased = False
        self._queued = 0  # the highest number this process queued and has not seen refused
        # How long a registration waits for its turn before it goes ahead without one (and may
        # lose the claim and try again): a turn held up by a slow or unavailable database must
        # not make every other registration wait for it (they should fail fast, with a 503).
        self.patience = patience

    @contextmanager
    def turn(self, stored: Callable[[], int]) -> Iterator["Turn"]:
        """The next number (after `stored()` and after those queued here), this thread's alone
        until `Turn.queued` is called or the block ends - or, if no turn came within
        `patience`, the next stored number, taken without a turn."""
        floor = stored()  # read outside the turn: a slow read holds up no one else
        if not self._turn.acquire(timeout=self.patience):
            yield Turn(None, floor + 1)
            return
        turn = Turn(self, 0)
        try:
            if self._enter():
                floor = stored()  # the lease is new: other processes may have stored more
            turn.number = max(floor, self._queued) + 1
            yield turn
        except BaseException:
            # A save refused: what this process queued may not stand; the next one reads again.
            turn.refused()
            raise
        finally:
            turn.queued()
            self._leave()

    def close(self) -> None:
        """Give the lease up for good (the application is closing, or the year is over)."""
        if self._lease is not None:
            self._lease.close()

    def _enter(self) -> bool:
        """Count a registration in flight, leasing the sequence for the first; whether the
        lease is new (called holding the turn, so no other registration starts meanwhile)."""
        with self._state:
            self._in_flight += 1
            if self._lease is None or self._leased:
                return False
        leased = self._lease.acquire(self.patience)
        with self._state:
            self._leased = leased
        return leased

    def _leave(self) -> None:
        """A registration committed or was refused; the last one in flight gives the lease up."""
        with self._state:
            self._in_flight -= 1
            if self._in_flight or not self._leased or self._lease is None:
                return
            self._leased = False
            self._lease.release()

    def _release(self, number: int) -> None:
        self._queued = max(self._queued, number)
        self._turn.release()

    def _forget(self, released: bool) -> None:
        self._queued = 0
        if not released:
            self._turn.release()


class Turn:
    __slots__ = ("_done", "_gate", "number")

    def __init__(self, gate: NumberGate | None, number: int) -> None:
        self._gate = gate  # None: taken without a turn, nothing to release
        self._done = gate is None
        self.number = number

    def queued(self) -> None:
        """The save claiming `number` is queued (or done): the next registration may go."""
        if not self._done and self._gate is not None:
            self._done = True
            self._gate._release(self.number)

    def refused(self) -> None:
        """The save was refused: numbers after it are not to be handed out from memory."""
        if self._gate is None:
            return
        released, self._done = self._done, True
        self._gate._forget(released)
