"""Turns taken in arrival order: at most N holders at once, the others first come, first served.

Request threads of one process share one GIL. When 32 of them read views at once, which thread
runs next is close to a lottery (a thread back from the database takes the GIL if it is free at
that moment, ahead of those already waiting for it), and the slowest hundredth of reads waited
five to seven times the average. With a few readers at a time and each freed turn handed to
the longest waiter, the same work is done at about the same rate, and the tail shrinks towards
the average: a measured list-query p99 of 80-100 ms fell to 40-50 ms at 32 threads (see
docs/benchmarks.md).
"""

import threading
from collections import deque
from types import TracebackType


class Turns:
    """A semaphore that hands a freed turn to the longest waiter, so no newcomer jumps the queue."""

    def __init__(self, holders: int) -> None:
        if holders < 1:
            raise ValueError("at least one holder")
        self._lock = threading.Lock()
        self._free = holders  # free turns; while anyone waits, there are none
        self._waiting: deque[threading.Lock] = deque()

    @property
    def waiting(self) -> int:
        """How many callers wait for a turn now."""
        return len(self._waiting)

    def __enter__(self) -> None:
        with self._lock:
            if self._free:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        try:
            turn.acquire()  # released by the holder that hands this caller its turn
        except BaseException:
            with self._lock:
                if turn in self._waiting:
                    self._waiting.remove(turn)
                else:
                    self._pass_on()  # the turn was handed over meanwhile: not lost with us
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            self._pass_on()

    def _pass_on(self) -> None:
        if self._waiting:
            self._waiting.popleft().release()
        else:
            self._free += 1
