"""The projection worker: keeps its projections current and runs the escalation process.

It follows the ledger's log through the library's subscription (`recorder.subscribe()`: a LISTEN
on the channel the event store NOTIFYs on every insert, and a thread that pulls pages of new
notifications). The notifications that have arrived are applied together, as one batch per
projection (rows and position in one transaction, see projections/engine/batch.py). Between
batches, and at least every `poll_seconds`, the escalation process looks at overdue clocks; the
breaches it records arrive through the same subscription.

The same loop runs in a thread of the service or as the `ledger projections run` process. When
the subscription fails (PostgreSQL restarted), the worker logs it and subscribes again from its
projections' positions.
"""

import logging
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

from eventsourcing.persistence import ConnectionPoolClosedError, Notification

from projections.engine.batch import BATCH_SIZE, apply_batch, catch_up
from projections.engine.read_side import ReadSide
from projections.engine.stored_events import read_events
from projections.engine.viewdb import PositionMovedError

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0
WAKE_SECONDS = 0.25  # how soon the applying loop notices `stop()`
_END = object()  # the subscription stopped


class ProjectionWorker:
    """Keeps `names` (all projections by default) current; escalates if it owns `sla`."""

    def __init__(
        self,
        read_side: ReadSide,
        names: Iterable[str] | None = None,
        *,
        escalate: bool = True,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.read_side = read_side
        self.names = tuple(names or read_side.projections)
        for name in self.names:
            read_side.projection(name)  # refuse an unknown name before starting
        self.escalate = escalate and "sla" in self.names
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: dict[str, tuple[int, int]] = {}  # name: (generation, position)

    def run_once(self) -> dict[str, int]:
        """Catch up, escalate what is overdue, and catch up with the escalations."""
        positions = self.read_side.catch_up(self.names)
        if self.escalate and self.read_side.escalate_overdue():
            positions = self.read_side.catch_up(self.names)
        return positions

    def run(self) -> None:
        """Loop until `stop()`; errors are logged and retried (the positions survive them)."""
        while not self._stop.is_set():
            try:
                self._follow()
            except ConnectionPoolClosedError:
                break  # the application was closed: nothing left to keep current
            except Exception as error:
                log.warning("projection worker: %s: %s; retrying", type(error).__name__, error)
                self._stop.wait(1.0)

    def _catch_up(self, name: str) -> int:
        """Pull the projection's active generation up to the head of the log."""
        generation = self.read_side.generation(name)
        position = catch_up(
            self.read_side.app,
            self.read_side.db,
            self.read_side.projection(name),
            generation=generation,
        )
        self._state[name] = (generation, position)
        return position

    def _follow(self) -> None:
        """Subscribe from the lowest position and apply what arrives, until stopped or failed."""
        start = min(self._catch_up(name) for name in self.names)
        arrived: queue.Queue[Any] = queue.Queue()
        recorder: Any = self.read_side.app.recorder
        with recorder.subscribe(gt=start) as subscription:
            feeder = threading.Thread(
                target=_feed, args=(subscription, arrived), name="projection-feed", daemon=True
            )
            feeder.start()
            try:
                self._apply_arrivals(arrived, start)
            finally:
                subscription.stop()
                feeder.join()

    def _apply_arrivals(self, arrived: "queue.Queue[Any]", previous: int) -> None:
        escalated_at = time.monotonic()
        while not self._stop.is_set():
            try:
                page = _take(arrived, min(WAKE_SECONDS, self.poll_seconds))
            except _SubscriptionEndedError:
                return
            if page:
                self._apply(page, previous)
                previous = page[-1].id
            if self.escalate and time.monotonic() - escalated_at >= self.poll_seconds:
                self.read_side.escalate_overdue()
                escalated_at = time.monotonic()

    def _apply(self, page: list[Notification], previous: int) -> None:
        """Apply a page that holds every notification after `previous` to each projection."""
        end = page[-1].id
        for name in self.names:
            generation, position = self._state[name]
            if position >= end:
                continue  # another worker (or a pull) got further already
            if position < previous:
                self._catch_up(name)  # a rebuild swapped a generation in behind the page
                continue
            projection = self.read_side.projection(name)
            fresh = [n for n in page if n.id > position]
            events = read_events(self.read_side.app, fresh, projection.topics)
            try:
                apply_batch(self.read_side.db, projection, generation, position, end, events)
            except PositionMovedError:
                self._catch_up(name)
            else:
                self._state[name] = (generation, end)

    def start(self) -> None:
        """Run in a daemon thread of this process."""
        self._thread = threading.Thread(target=self.run, name="projection-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to stop (safe in a signal handler: it only sets an event)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def _feed(subscription: Any, arrived: "queue.Queue[Any]") -> None:
    """Hand the subscription's notifications to the applying thread, then its end or error."""
    try:
        for notification in subscription:
            arrived.put(notification)
    except BaseException as error:
        arrived.put(error)
    arrived.put(_END)


def _take(arrived: "queue.Queue[Any]", timeout: float) -> list[Notification]:
    """The notifications that have arrived (waiting up to `timeout` for the first), at most a
    batch. Raises the subscription's error, or `_SubscriptionEndedError` once it stopped (what
    was taken with it is dropped: the positions say where to resume)."""
    try:
        first = arrived.get(timeout=timeout)
    except queue.Empty:
        return []
    page: list[Notification] = []
    item = first
    while True:
        if item is _END:
            raise _SubscriptionEndedError
        if isinstance(item, BaseException):
            raise item
        page.append(item)
        if len(page) >= BATCH_SIZE:
            return page
        try:
            item = arrived.get_nowait()
        except queue.Empty:
            return page


class _SubscriptionEndedError(Exception):
    """The subscription stopped (the worker is stopping): subscribe again unless stopped."""
