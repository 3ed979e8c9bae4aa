"""The audit log's table, the triggers that keep it append-only and the one that chains it.

UPDATE, DELETE and TRUNCATE are refused, except DELETE of the rows a recorded purge covers
(ledger/audit/log_purge.py).

A row inserted without a hash is numbered and chained by the table itself: a BEFORE INSERT
trigger reads the head, sets `seq`, `prev_hash` and `hash` exactly as `log_rows.row_hash`
computes it (SHA-256 over the compact JSON array of the row's values). Writers lock the table
first, as before; what the trigger saves them is the round trip to read the head, which they
used to make while holding that lock and the events' (ADR 0030). `ledger verify` recomputes
every hash in Python, so a trigger that hashed differently would be caught at once.
"""

from typing import Final

from eventsourcing.postgres import PostgresDatastore

from ledger.audit.log_rows import GENESIS
from ledger.audit.purges import OPERATION_LOG, PurgeTable
from ledger.store.appending import AUDIT_APPEND_FUNCTION
from privacy.db.schema_in_place import apply_schema
from privacy.db.schema_lock import serialise_schema_changes

REFUSAL: Final = "the operation log is append-only"
# The columns of an appended entry, in the order of its JSON array; the trigger fills the rest.
_APPENDED: Final = (
    "at, request_id, staff_id, role, operation, target, result, status, reveals, token_id"
)


def create_table(datastore: PostgresDatastore, purges: PurgeTable) -> str:
    """Create the audit log table and its triggers (DELETE only of what a purge covers)."""
    schema = datastore.schema
    table = f'"{schema}".ledger_operation_log'
    function = f'"{schema}".ledger_operation_log_refuse()'
    chain = f'"{schema}".ledger_operation_log_chain()'
    append = f'"{schema}".{AUDIT_APPEND_FUNCTION}(entries jsonb)'
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
        f"CREATE OR REPLACE FUNCTION {chain} RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
        "DECLARE last_seq bigint; last_hash text; BEGIN "
        "IF NEW.hash IS NOT NULL THEN RETURN NEW; END IF; "
        f"SELECT seq, hash INTO last_seq, last_hash FROM {table} ORDER BY seq DESC LIMIT 1; "
        "NEW.seq := coalesce(last_seq, 0) + 1; "
        f"NEW.prev_hash := coalesce(last_hash, '{GENESIS}'); "
        f"NEW.hash := {_ROW_HASH}; "
        "RETURN NEW; END $$",
        "CREATE OR REPLACE TRIGGER ledger_operation_log_chain BEFORE INSERT "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {chain}",
        # Lock, insert and chain a batch in one call, so that an events' write can do it in
        # the statement that inserts the events (ledger/store/committing.py).
        f"CREATE OR REPLACE FUNCTION {append} RETURNS TABLE (row_seq bigint, row_prev text, "  # noqa: S608
        "row_hash text) LANGUAGE plpgsql AS $$ BEGIN "
        f"LOCK TABLE {table} IN EXCLUSIVE MODE; "
        f"RETURN QUERY INSERT INTO {table} AS t ({_APPENDED}) "
        "SELECT e.r->>0, e.r->>1, e.r->>2, e.r->>3, e.r->>4, e.r->>5, e.r->>6, "
        "(e.r->>7)::integer, e.r->>8, e.r->>9 "
        "FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(r, n) ORDER BY e.n "
        "RETURNING t.seq, t.prev_hash, t.hash; "
        "END $$",
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


def _json(column: str) -> str:
    # to_json escapes a text as Python's json.dumps(ensure_ascii=False) does: \\ \" \b \f \n
    # \r \t, other controls as \\u00xx, everything else as it is.
    return f"to_json(NEW.{column})::text"


# log_rows.row_hash in SQL: [seq, at, ..., status, prev_hash(, reveals)(, token_id)], compact.
_ROW_HASH: Final = (
    "encode(sha256(convert_to('[' || NEW.seq || ',' || "
    + " || ',' || ".join(
        _json(c) for c in ("at", "request_id", "staff_id", "role", "operation", "target", "result")
    )
    + " || ',' || NEW.status || ',' || "
    + _json("prev_hash")
    + " || CASE WHEN NEW.reveals <> '' THEN ',' || "
    + _json("reveals")
    + " ELSE '' END || CASE WHEN NEW.token_id IS NOT NULL THEN ',' || "
    + _json("token_id")
    + " ELSE '' END || ']', 'UTF8')), 'hex')"
)

_ADDED_COLUMNS: Final = (("reveals", "TEXT NOT NULL DEFAULT ''"), ("token_id", "TEXT"))
