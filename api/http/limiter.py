"""Brute-force limiting: too many bad tokens from one address within a window answer 429.

An in-memory sliding window per client address (one process's view; a proxy in front should
pass the real address). Failures are timed by the service clock, so tests move a manual clock.
"""

import math
import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta


class FailureLimiter:
    """Counts failed authentications per address; blocks the address while over the limit."""

    def __init__(
        self, *, max_failures: int, window: timedelta, max_addresses: int = 10_000
    ) -> None:
        self._max = max_failures
        self._window = window
        self._max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        failures = self._failures.get(address, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def retry_after(self, address: str, now: datetime) -> int | None:
        """Seconds until `address` may try again, or None when it is not blocked."""
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self._max:
                return None
            free_at = failures[-self._max] + self._window
            return max(1, math.ceil((free_at - now).total_seconds()))

    def failed(self, address: str, now: datetime) -> None:
        with self._lock:
            failures = self._recent(address, now)
            failures.append(now)
            self._failures[address] = failures
            self._failures.move_to_end(address)
            while len(self._failures) > self._max_addresses:
                self._failures.popitem(last=False)
