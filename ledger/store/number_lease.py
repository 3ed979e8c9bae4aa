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
from typing import Any, Final

import psycopg
from eventsourcing.postgres import PostgresDatastore

# The first of the two keys of every reference lease (the second is the sequence's name,
# hashed). Two-key advisory locks are a space apart from the one-key schema lock
# (privacy/db/schema_lock.py); the background jobs' lock (api/background.py) has its own key.
LEASE_LOCK_KEY: Final = 0x1ED9E7

# A connection kept idle between turns can be dropped silently on the way (a firewall, a
# failover); without these a lock or unlock sent on it would wait for TCP to give up, some
# fifteen minutes, holding up the registrations behind it. (Ignored over a Unix socket.)
_ALIVE: Final = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


class NumberLease:
    """One sequence's advisory lock, on a connection of its own.

    Not a pooled connection: a registration holding the lease still needs one for its save,
    and a pool of one would then wait on itself. The connection stays open between turns (a
    turn comes with nearly every registration under load, and a new connection costs
    PostgreSQL a process); a lost one is opened again at the next turn. One per sequence and
    year: the application closes last year's when this year's first registration comes.
    """

    def __init__(self, datastore: PostgresDatastore, kind: str, year: int) -> None:
        self._pool = datastore.pool
        self._name = f"{datastore.schema}:references:{kind}:{year}"
        self._connection: psycopg.Connection[Any] | None = None
        self._held = False
        self._closed = False
        self._lock = threading.Lock()  # acquire and release come from different threads

    def acquire(self, patience: float) -> bool:
        """Wait up to `patience` seconds for the lease; whether it is now held."""
        with self._lock:
            if self._held or self._closed:
                return self._held
            # A kept connection may have been ended while idle (a restart, a terminated
            # backend): that shows only when it is used, so once more on a new one.
            for _ in range(2):
                kept = self._connection is not None
                try:
                    self._connect(patience).execute(
                        "SELECT set_config('lock_timeout', %s, false), "
                        "pg_advisory_lock(%s, hashtext(%s))",
                        (f"{max(1, round(patience * 1000))}ms", LEASE_LOCK_KEY, self._name),
                    )
                except psycopg.errors.LockNotAvailable:
                    return False  # another process's turn; the connection stays for the next
                except psycopg.Error:
                    self._close()
                    if kept:
                        continue
                    return False
                self._held = True
                return True
            return False

    def release(self) -> None:
        """Let the other processes have it (nothing if not held)."""
        with self._lock:
            self._unlock()

    def close(self) -> None:
        """Give the lease up (at once: a closed session's locks go only once its server
        process has seen it end) and close its connection; it is not had again."""
        with self._lock:
            self._closed = True
            self._unlock()
            self._close()

    def _unlock(self) -> None:
        if not self._held or self._connection is None:
            return
        self._held = False
        try:
            self._connection.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(%s))", (LEASE_LOCK_KEY, self._name)
            )
        except psycopg.Error:
            self._close()  # the lock ends with the session

    def _connect(self, patience: float) -> psycopg.Connection[Any]:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        # Where and as whom the pool connects (psycopg_pool allows either as a callable).
        kwargs, conninfo = self._pool.kwargs, self._pool.conninfo
        kwargs = kwargs() if callable(kwargs) else kwargs or {}
        conninfo = conninfo() if callable(conninfo) else conninfo
        settings = {k: v for k, v in kwargs.items() if k != "row_factory"}
        settings.update(autocommit=True, connect_timeout=max(1, round(patience)), **_ALIVE)
        self._connection = psycopg.connect(conninfo, **settings)
        return self._connection

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
