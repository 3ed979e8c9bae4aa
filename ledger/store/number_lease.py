"""A process's turn at a reference sequence, among processes: a PostgreSQL advisory lock.

Within one process the `NumberGate` (ledger/application/numbering.py) hands numbers out in
order; two processes would both read the same counter and pick the same next number, and one of
them lose its claim, rebuild its case and save it again, over and over while the other keeps
registering (measured at 2 processes under load: 355 losses for 595 registrations). The lease
makes the processes take turns: a process holds it from its first registration in flight until
its last one has committed, and the other's registrations wait for it, then read the counter
fresh. PostgreSQL queues the waiters, so under steady load the processes alternate.

The lease is an optimisation only: the claim in the save's transaction stays a compare-and-set,
which is what keeps references contiguous. A lease that cannot be had within the gate's
patience, or whose connection is lost, is gone without; that registration may lose its claim
as before.
"""

import threading
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore


class NumberLease:
    """One sequence's advisory lock, on a connection of its own for as long as it is held.

    Not a pooled connection: a registration holding the lease still needs one for its save,
    and a pool of one would then wait on itself. The connection is opened per lease (a few
    milliseconds, once per turn of the processes) so that none stays open unused.
    """

    def __init__(self, datastore: PostgresDatastore, kind: str, year: int) -> None:
        self._pool = datastore.pool
        self._name = f"{datastore.schema}:references:{kind}:{year}"
        self._held: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()  # acquire and release come from different threads

    def acquire(self, patience: float) -> bool:
        """Wait up to `patience` seconds for the lease; whether it is now held."""
        with self._lock:
            if self._held is not None:
                return True
            # Where and as whom the pool connects (psycopg_pool allows either as a callable).
            kwargs, conninfo = self._pool.kwargs, self._pool.conninfo
            kwargs = kwargs() if callable(kwargs) else kwargs or {}
            conninfo = conninfo() if callable(conninfo) else conninfo
            settings = {k: v for k, v in kwargs.items() if k != "row_factory"}
            settings.update(autocommit=True, connect_timeout=max(1, round(patience)))
            try:
                connection = psycopg.connect(conninfo, **settings)
            except psycopg.Error:
                return False
            try:
                connection.execute(
                    "SELECT set_config('lock_timeout', %s, false)",
                    (f"{max(1, round(patience * 1000))}ms",),
                )
                connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (self._name,))
            except psycopg.Error:
                connection.close()
                return False
            self._held = connection
            return True

    def release(self) -> None:
        """Let the other processes have it (nothing if not held); closing the connection ends
        the lock with the session."""
        with self._lock:
            connection, self._held = self._held, None
        if connection is not None:
            connection.close()
