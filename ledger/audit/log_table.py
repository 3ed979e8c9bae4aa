"""The audit log's table and the triggers that keep it append-only.

UPDATE, DELETE and TRUNCATE are refused, except DELETE of the rows a recorded purge covers
(ledger/audit/log_purge.py).
"""

from typing import Final

from eventsourcing.postgres import PostgresDatastore

from ledger.audit.purges import OPERATION_LOG, PurgeTable
from privacy.db.schema_in_place import apply_schema
from privacy.db.schema_lock import serialise_schema_changes

REFUSAL: Final = "the operation log is append-only"


def create_table(datastore: PostgresDatastore, purges: PurgeTable) -> str:
    """Create the audit log table and its triggers (DELETE only of what a purge covers)."""
    schema = datastore.schema
    table = f'"{schema}".ledger_operation_log'
    function = f'"{schema}".ledger_operation_log_refuse()'
    columns = (
        "seq BIGINT PRIMARY KEY, at TEXT NOT NULL, request_id TEXT NOT NULL, "
        "staff_id TEXT NOT NULL, role TEXT NOT NULL, operation TEXT NOT NULL, "
        "target TEXT NOT NULL, result TEXT NOT NULL, status INTEGER NOT NULL, "
        "prev_hash TEXT NOT NULL, hash TEXT NOT NULL, reveals TEXT NOT NULL DEFAULT '', "
        "token_id TEXT"
    )
    statements = [
        f"CREATE TABLE IF NOT EXISTS {table} ({columns})",
        f"CREATE OR REPLACE FUNCTION {function} RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF TG_OP = 'DELETE' THEN IF OLD.seq <= {purges.horizon(OPERATION_LOG)} "
        "THEN RETURN OLD; END IF; END IF; "
        f"RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; "
        "END $$",
        "CREATE OR REPLACE TRIGGER ledger_operation_log_refuse BEFORE UPDATE OR DELETE "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {function}",
        "CREATE OR REPLACE TRIGGER ledger_operation_log_refuse_truncate BEFORE TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {function}",
    ]
    with datastore.transaction(commit=True) as c:
        serialise_schema_changes(c)
        apply_schema(c, statements)
        # A table from before reveals and tokens were logged gains their columns. ALTER TABLE
        # takes the table's strongest lock even when the column exists, and a process starting
        # beside busy writers would deadlock with them: only alter what is missing.
        c.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            (table,),
        )
        present = {row["attname"] for row in c.fetchall()}
        for column, kind in _ADDED_COLUMNS:
            if column not in present:
                c.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    return table


_ADDED_COLUMNS: Final = (("reveals", "TEXT NOT NULL DEFAULT ''"), ("token_id", "TEXT"))
