"""Check a pooled PostgreSQL connection before use without a round trip when it is healthy.

The library's pre-ping (`POSTGRES_PRE_PING`) sends an empty query on every checkout: one round
trip, and a GIL handover for the thread, several times per request. A connection that sat idle
in the pool has nothing to say; when its server goes away (a restart, a terminated backend, a
crash) the server's last message or the kernel's end-of-stream makes its socket readable. So the
check polls the socket without waiting, and only when something arrived does it ping for real,
letting the pool replace the connection if the ping fails. A connection whose server vanished
without a word (a cut network) fails on its first statement instead, and the store gate turns
that into a 503 with `Retry-After`, as it would a failure just after a ping.
"""

import select
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg_pool import ConnectionPool


def check_idle_connection(connection: psycopg.Connection[Any]) -> None:
    """Raise `psycopg.OperationalError` if `connection` is known or found to be unusable."""
    if connection.closed or connection.broken:
        raise psycopg.OperationalError("the connection is closed")
    poller = select.poll()  # not select.select: a busy process may hold descriptors past 1024
    poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        ConnectionPool.check_connection(connection)


def install_idle_check(datastore: PostgresDatastore) -> None:
    """Use `check_idle_connection` instead of the pre-ping on a PostgreSQL datastore's pool."""
    if datastore.pre_ping:
        # psycopg_pool keeps the `check` callback it was built with here; the library builds the
        # pool itself and offers no other way to pass one.
        datastore.pool._check = check_idle_connection
