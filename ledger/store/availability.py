"""When the database is unreachable: fail fast, bounded, and recover without a restart.

The library retries a failed read or write ten times, and each attempt may wait the pool's whole
connection timeout: with the database down, one request would hang for minutes. A `StoreGate`
sits in front of the datastore's connections instead:

- while the store works it costs one lock-free flag test per connection;
- the first connection failure opens the gate: for `retry_after` seconds every connection request
  fails at once (`StoreUnavailableError`, an `OperationalError`), so the library's retries are
  quick and the request ends with a 503 and `Retry-After` well within `connect_timeout`;
- after `retry_after` one caller at a time probes the database again; the first success closes the
  gate, so the service recovers by itself when the database returns.

Each connection also carries a `statement_timeout`, so a runaway query ends as a failure instead
of holding a request thread, and runs without JIT compilation: PostgreSQL compiles a statement
anew at every execution once its estimated cost passes `jit_above_cost`, which pays off for long
analytic scans and never for this service's lookups; a cost estimate gone wrong at scale (an
inclusion proof's read at 10 M events) cost a 1 ms statement 130 ms of compiling.
"""

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import DatabaseError, InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore
from psycopg_pool import PoolTimeout


class StoreUnavailableError(OperationalError):
    """The store was found unreachable moments ago; the caller should try again later."""


class StoreBusyError(DatabaseError):
    """A statement ran past `statement_timeout`, or no pooled connection came in time.

    Not an `OperationalError`, so the library does not retry it ten times: a busy store only
    gets busier from retries, and the request should end within the configured timeout.
    """


def is_unavailable(error: BaseException) -> bool:
    """Is `error` (or its cause) the store being down, busy, read-only or too slow?"""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (OperationalError, InterfaceError, psycopg.OperationalError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class StoreGate:
    """The fail-fast breaker in front of one PostgreSQL datastore's connections."""

    def __init__(self, *, retry_after: float) -> None:
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._open_until = 0.0  # monotonic time before which connections fail at once
        self._probing = False

    @contextmanager
    def guard(self, connect: Any, reachable: Any) -> Iterator[Any]:
        probe = False
        if self._open_until:
            with self._lock:
                if time.monotonic() < self._open_until or self._probing:
                    raise StoreUnavailableError("the database is unavailable")
                self._probing = probe = True
        try:
            with connect() as connection:
                if probe:
                    self._close()
                    probe = False
                yield connection
        except (OperationalError, InterfaceError) as error:
            if isinstance(error.__cause__, (psycopg.errors.QueryCanceled, PoolTimeout)):
                if isinstance(error.__cause__, PoolTimeout) and not reachable():
                    self._open()
                    raise
                raise StoreBusyError(str(error)) from error
            if not isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
                self._open()
            raise
        finally:
            if probe:
                with self._lock:
                    self._probing = False

    def _open(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.retry_after

    def _close(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._probing = False


def install_store_gate(
    datastore: PostgresDatastore, *, retry_after: float, statement_timeout: float
) -> StoreGate:
    """Put a gate in front of a PostgreSQL datastore, and a statement timeout and no JIT on
    its connections."""
    session = {"jit": "off"}
    if statement_timeout:
        session["statement_timeout"] = str(int(statement_timeout * 1000))
    options = " ".join(f"-c {name}={value}" for name, value in session.items())
    datastore.pool.kwargs["options"] = options  # type: ignore[index]
    gate = StoreGate(retry_after=retry_after)
    connect = datastore.get_connection
    kwargs = {k: v for k, v in datastore.pool.kwargs.items() if k != "row_factory"}  # type: ignore[union-attr]

    def reachable() -> bool:
        try:
            psycopg.connect(**kwargs, connect_timeout=2).close()
        except psycopg.Error:
            return False
        return True

    settled: weakref.WeakSet[Any] = weakref.WeakSet()  # connections opened before the options
    settle = "; ".join(f"SET {name} = {value}" for name, value in session.items())

    @contextmanager
    def gated_connection() -> Iterator[Any]:
        with gate.guard(connect, reachable) as connection:
            if connection not in settled:
                connection.execute(settle)
                settled.add(connection)
            yield connection

    datastore.get_connection = gated_connection  # type: ignore[method-assign]
    return gate
