"""Reads of one statement from the ledger's side tables, without a transaction around them.

On PostgreSQL one statement in autocommit reads one snapshot, so `BEGIN` and `ROLLBACK` are two
round trips for nothing, and the `ROLLBACK` costs more than its own trip: after one, psycopg
drops every statement the pooled connection had prepared (`DEALLOCATE ALL`), and the next event
read on that connection must prepare its own again. Reads that run on every request (the bearer
token, a data key) go through here.
"""

from typing import Any

from eventsourcing.postgres import PostgresDatastore


def select_rows(datastore: PostgresDatastore, statement: str, params: tuple[Any, ...]) -> list[Any]:
    """The rows of one SELECT, as the datastore's dict-like rows."""
    with datastore.get_connection() as connection:
        return connection.execute(statement, params, prepare=True).fetchall()
