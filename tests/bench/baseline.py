"""The library's own rate: plain `eventsourcing` save() of one event per call from N threads."""

import threading
import time
from collections.abc import Mapping
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Tally(Aggregate):
    """The smallest useful aggregate: one event per increment."""

    @event("Started")
    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class PlainApplication(Application[UUID]):
    """An unmodified library application: its recorder, its table lock, its transactions."""

    name = "baseline"


def save_rate(app: PlainApplication, *, threads: int, seconds: float) -> float:
    """Events per second stored by `threads` threads, each saving one event per save() call."""
    stop_at = [float("inf")]
    barrier = threading.Barrier(threads + 1)
    counts = [0] * threads

    def work(n: int) -> None:
        tally = Tally()
        app.save(tally)
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            tally.increment()
            app.save(tally)
            counts[n] += 1

    workers = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - started)


def plain_application(settings: Mapping[str, str]) -> PlainApplication:
    return PlainApplication(env=dict(settings))
