"""A save's write as one statement: its events, side records and audit-log rows, in a function.

Writers serialise on the events table's lock (the library takes it so that notification ids
commit in the order they were issued) and the audit log's lock (its chain). Whatever a writer
does between taking a lock and committing, every other writer of every process waits for. Sent
as the library sends it — the lock, the insert, a sync, the audit log's lock and rows, the
commit, each its own message — the lock spans several round trips, and in a busy server each
return to Python can wait milliseconds for the GIL. As one call of this function, the client
has prepared everything before PostgreSQL takes the first lock, and the locks are held for the
function's own work and the commit (ADR 0030).

`{events}_append(events, audit, subjects, records, completions, claims)` first writes the
save's idempotency records and reference-number claims (`ledger.store.side_tables`, which may
refuse the save), then has the key store check that none of the persons whose values the
events seal is erased (`privacy.keys.key_rows.writable_function`, which holds their key rows
until the commit), then locks the events table, notifies the projections' channel, inserts
the events (their chain hashes set by the table's trigger) and returns their notification ids;
with audit-log entries, it then appends them through the log's own function
(ledger/audit/log_table.py), second as in every transaction that takes both locks.
"""

from typing import Final

from psycopg.sql import SQL, Composed, Identifier

from ledger.store.side_tables import RECORDS_FUNCTION
from privacy.keys.key_rows import WRITABLE_FUNCTION

# The audit log's append, which the log defines beside its table (ledger/audit/log_table.py):
# lock the log, insert the entries (a JSON array of value arrays), return each row's number and
# hashes. Named here because the store calls it and the log depends on the store, not back.
AUDIT_APPEND_FUNCTION: Final = "ledger_operation_log_append"


def _name(table: str) -> Identifier:
    return Identifier(f"{table}_append")


def append_function(
    schema: Identifier, table: str, event_type: Identifier, channel: Identifier, timeout: int
) -> Composed:
    """CREATE OR REPLACE FUNCTION for the append to `table` (the events table's name; kept in
    place by `apply_schema`)."""
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event_type}[], "
        "audit jsonb, subjects text[], records uuid[], completions jsonb, claims jsonb) "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $$ BEGIN "
        "SET LOCAL lock_timeout = '{timeout}s'; "
        "IF completions IS NOT NULL OR claims IS NOT NULL THEN "
        "PERFORM {schema}.{records}(completions, claims); END IF; "
        "IF subjects IS NOT NULL THEN PERFORM {schema}.{writable}(subjects, records); END IF; "
        "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "NOTIFY {channel}; "
        "RETURN QUERY INSERT INTO {schema}.{table} "
        "(originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
        "RETURNING notification_id; "
        "IF audit IS NOT NULL THEN PERFORM {schema}.{log_append}(audit); END IF; "
        "END $$"
    ).format(
        schema=schema,
        function=_name(table),
        event_type=event_type,
        timeout=SQL(str(int(timeout))),
        table=Identifier(table),
        channel=channel,
        log_append=Identifier(AUDIT_APPEND_FUNCTION),
        writable=Identifier(WRITABLE_FUNCTION),
        records=Identifier(RECORDS_FUNCTION),
    )


def append_statement(schema: Identifier, table: str) -> bytes:
    """The call: events (the table's composite type), audit entries (JSON, or NULL), the
    persons whose values the events seal and the streams recording their erasures (or NULLs),
    the idempotency records and reference claims (JSON, or NULLs: `side_tables.side_records`)."""
    return (
        SQL("SELECT {schema}.{function}(%s, %s, %s, %s, %s, %s) AS notification_id")
        .format(schema=schema, function=_name(table))
        .as_bytes(None)
    )
