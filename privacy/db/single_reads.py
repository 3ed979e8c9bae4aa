"""Reads without a transaction around them: each statement on its own, in autocommit.

On PostgreSQL one statement in autocommit reads one snapshot, so `BEGIN` and `ROLLBACK` are two
round trips for nothing, and the `ROLLBACK` costs more than its own trip: after one, psycopg
drops every statement the pooled connection had prepared (`DEALLOCATE ALL`), and the next
statement on that connection (the bearer token's, the operation log's append) must be prepared
again. Every read of the ledger's side tables and views goes through here; what must agree is
one statement (each statement of a READ COMMITTED transaction reads its own snapshot anyway).

Statements run here stay prepared on their connection (psycopg prepares one after its fifth run),
so they name their columns: a prepared `SELECT *` fails once a later version adds a column to
its table ("cached plan must not change result type") until the connection is replaced.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.postgres import PostgresDatastore


def select_rows(datastore: PostgresDatastore, statement: str, params: tuple[Any, ...]) -> list[Any]:
    """The rows of one SELECT, as the datastore's dict-like rows."""
    with datastore.get_connection() as connection:
        return connection.execute(statement, params, prepare=True).fetchall()


@contextmanager
def reading_cursor(datastore: PostgresDatastore) -> Iterator[Any]:
    """A cursor (dict-like rows) whose statements each read on their own, in autocommit."""
    with datastore.get_connection() as connection, connection.cursor() as cursor:
        yield cursor
