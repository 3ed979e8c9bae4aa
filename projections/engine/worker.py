"""The projection worker: keeps its projections current and runs the escalation process.

One loop: catch up every owned projection, let the escalation process look at overdue clocks,
then wait for news. On PostgreSQL the wait is a LISTEN on the channel the event store NOTIFYs
on every insert, bounded by a poll interval in case a notification is lost; on SQLite (which has
no notifications) it is a short poll. The same loop runs in a thread of the service (embedded
default) or as the `ledger projections run` process.
"""

import logging
import threading
from collections.abc import Iterable
from typing import Any

from eventsourcing.persistence import ConnectionPoolClosedError
from psycopg.sql import SQL, Identifier

from ledger.store.settings import direct_connection
from projections.engine.read_side import ReadSide

log = logging.getLogger(__name__)
POLL_SECONDS_POSTGRES = 2.0
POLL_SECONDS_SQLITE = 0.25


class _Listener:
    """A LISTEN connection on the event store's channel (PostgreSQL only)."""

    def __init__(self, env: Any, channel: str) -> None:
        self._connection = direct_connection(env)
        self._connection.execute(SQL("LISTEN {}").format(Identifier(channel)))

    def wait(self, timeout: float) -> None:
        for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            break

    def close(self) -> None:
        self._connection.close()


class ProjectionWorker:
    """Keeps `names` (all projections by default) current; escalates if it owns `sla`."""

    def __init__(
        self,
        read_side: ReadSide,
        names: Iterable[str] | None = None,
        *,
        escalate: bool = True,
        poll_seconds: float | None = None,
    ) -> None:
        self.read_side = read_side
        self.names = tuple(names or read_side.projections)
        for name in self.names:
            read_side.projection(name)  # refuse an unknown name before starting
        self.escalate = escalate and "sla" in self.names
        self.postgres = read_side.db.postgres
        self.poll_seconds = poll_seconds or (
            POLL_SECONDS_POSTGRES if self.postgres else POLL_SECONDS_SQLITE
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        """Catch up, escalate what is overdue, and catch up with the escalations."""
        positions = self.read_side.catch_up(self.names)
        if self.escalate and self.read_side.escalate_overdue():
            positions = self.read_side.catch_up(self.names)
        return positions

    def _listener(self) -> _Listener | None:
        if not self.postgres:
            return None
        recorder: Any = self.read_side.app.recorder
        return _Listener(self.read_side.app.env, recorder.channel_name)

    def run(self) -> None:
        """Loop until `stop()`; errors are logged and retried (the position survives them)."""
        listener: _Listener | None = None
        while not self._stop.is_set():
            try:
                if listener is None and self.postgres:
                    listener = self._listener()
                self.run_once()
                if listener is not None:
                    listener.wait(self.poll_seconds)
                else:
                    self._stop.wait(self.poll_seconds)
            except ConnectionPoolClosedError:
                break  # the application was closed: nothing left to keep current
            except Exception as error:
                log.warning("projection worker: %s: %s; retrying", type(error).__name__, error)
                if listener is not None:
                    listener.close()
                    listener = None
                self._stop.wait(1.0)
        if listener is not None:
            listener.close()

    def start(self) -> None:
        """Run in a daemon thread of this process."""
        self._thread = threading.Thread(target=self.run, name="projection-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
