"""The service's background jobs run in exactly one process, however many serve requests.

The jobs are the in-process projection worker (with the escalation process), the signed
checkpoints and the scheduled retention run. Several server processes (gunicorn workers, or
servers on several hosts) share one PostgreSQL database and each builds the same app; only the
process holding the ledger's jobs lock runs them. The lock is a session advisory lock on a
connection of its own, so when that process exits, is killed or loses the database, PostgreSQL
releases it and another process takes the jobs over within one poll interval.
"""

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import psycopg

from ledger.store.settings import direct_connection

log = logging.getLogger(__name__)

# An arbitrary constant naming "the ledger's background jobs" among advisory locks (beside
# privacy.db.schema_lock's); the second key is the schema, so ledgers in one database do not meet.
JOBS_LOCK_KEY = 0x1ED9E6
POLL_SECONDS = 5.0


class Job(Protocol):
    """A background loop: started once, stopped once (a new one is built to run it again)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class BackgroundJobs:
    """Runs `factories`' jobs here while this process holds the jobs lock."""

    def __init__(
        self,
        factories: Sequence[Callable[[], Job]],
        *,
        env: Any,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._factories = factories
        self._env: Any = env  # an application's settings (`app.env`)
        self._poll = poll_seconds
        self._running: list[Job] = []
        self._connection: psycopg.Connection[Any] | None = None
        self._standing_by = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return bool(self._running)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._lead, name="ledger-jobs-lock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(self._poll + 5)
        self._release()

    def tick(self) -> None:
        """One round: take the lock and start the jobs if it is free; check it if held."""
        try:
            if self._connection is None:
                self._try_to_lead()
            else:  # still ours? a lost connection means PostgreSQL released the lock
                self._connection.execute("SELECT 1")
        except psycopg.Error as error:
            log.warning("background jobs: lost the database (%s)", type(error).__name__)
            self._release()

    def _lead(self) -> None:
        while not self._stopped.is_set():
            self.tick()
            self._stopped.wait(self._poll)

    def _try_to_lead(self) -> None:
        connection = direct_connection(self._env)
        schema = self._env.get("POSTGRES_SCHEMA") or "public"
        row = connection.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (JOBS_LOCK_KEY, schema)
        ).fetchone()
        if not (row and row[0]):
            connection.close()
            if not self._standing_by:
                log.info(
                    "background jobs: another process runs them (pid %d stands by)", os.getpid()
                )
                self._standing_by = True
            return
        self._standing_by = False
        self._connection = connection
        self._start_jobs()

    def _start_jobs(self) -> None:
        self._running = [factory() for factory in self._factories]
        for job in self._running:
            job.start()
        log.info("background jobs run in this process (pid %d)", os.getpid())

    def _release(self) -> None:
        running, self._running = self._running, []
        for job in running:
            job.stop()
        if self._connection is not None:
            try:
                self._connection.close()  # and with it the lock
            finally:
                self._connection = None


__all__ = ["BackgroundJobs", "Job"]
