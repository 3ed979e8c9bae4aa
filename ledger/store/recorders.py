"""Application recorders whose event tables the database itself keeps append-only and chained.

The library's recorder is used for reading and writing; this subclass adds triggers to the table
definition, so that an UPDATE, DELETE or TRUNCATE of a stored event is refused by the database,
whoever sends it, and a `chain_hash` column filled inside the write transaction by a BEFORE
INSERT row trigger (the hash `ledger.integrity.chain` defines, written in plpgsql). The table
lock the append function takes (`ledger.store.appending`, as the library's insert does)
serialises writers, and the primary key (stream, version) refuses a stale write, so a chain
cannot fork. Concurrent saves can share one transaction through a group commit
(`ledger.store.group_commit`), which goes through the same append function.

One recorder, its table and its two statements (the append and the read of events with their
keys): a single cohesive thing.
"""

from collections.abc import Sequence
from operator import attrgetter
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier, Literal

from ledger.store.appending import append_function, append_statement
from ledger.store.committing import GroupCommitting
from privacy.db.schema_in_place import CreatedInPlace
from privacy.db.schema_lock import serialise_schema_changes
from privacy.keys.key_rows import KEY_COLUMN_TYPES, KEY_COLUMNS
from privacy.keys.keystore import KeyMemo, SubjectKeyStore

APPEND_ONLY_MESSAGE = "the event log is append-only"


class AppendOnlyPostgresApplicationRecorder(
    GroupCommitting, PostgresApplicationRecorder, CreatedInPlace
):
    """PostgreSQL event table refusing UPDATE/DELETE/TRUNCATE, chained by a row trigger.

    A stream read for a response comes back with the data-key rows the response will reveal it
    with, when the application's key store predicts them (`SubjectKeyStore.key_rows_for`): one
    statement instead of one for the events and another (with its own connection checkout) per
    person.
    """

    subject_keys: SubjectKeyStore | None = None

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
        keys: KeyMemo | None = None,
    ) -> Sequence[StoredEvent]:
        """The stream's events; with `keys` (one response's memo of data keys), the rows of the
        data keys its people's values need come in the same statement and go into the memo."""
        key_rows = None
        if keys is not None and self.subject_keys is not None:
            key_rows = self.subject_keys.key_rows_for(originator_id, keys)
        params: list[Any] = [originator_id]
        params.extend(p for p in (gt, lte, limit) if p is not None)
        statement = self._events_statement(
            gt is not None,
            lte is not None,
            desc,
            limit is not None,
            key_rows.sql if key_rows is not None else None,
        )
        if key_rows is not None:
            params.extend(key_rows.params)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            # Binary results: the state comes as its bytes, not as hex text to unescape.
            curs.execute(statement, params, prepare=True, binary=True)
            rows = curs.fetchall()
        if key_rows is None:
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in rows
            ]
        events, key_found = [], []
        for row in rows:
            if row["originator_version"] is None:
                key_found.append(row)
            else:
                events.append(
                    StoredEvent(
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                )
        key_rows.take(key_found)
        # PostgreSQL returns UNION ALL branch by branch, each in its order; sorting the
        # (already sorted) events costs one pass and leaves no plan to rely on.
        events.sort(key=attrgetter("originator_version"), reverse=desc)
        return events

    def _events_statement(
        self, gt: bool, lte: bool, desc: bool, limit: bool, keys_sql: str | None = None
    ) -> bytes:
        shape = (gt, lte, desc, limit, keys_sql)
        if (found := self._statements.get(shape)) is not None:
            return found
        # Only the four columns the library reads, where its `SELECT *` also brings each
        # event's notification id and chain hash.
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state{padding} FROM {schema}.{table} "
            "WHERE originator_id = %s"
        ).format(
            padding=SQL(
                "".join(
                    f", NULL::{kind} AS {name}"
                    for name, kind in zip(KEY_COLUMNS, KEY_COLUMN_TYPES, strict=True)
                )
                if keys_sql
                else ""
            ),
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )
        if gt:
            statement += SQL(" AND originator_version > %s")
        if lte:
            statement += SQL(" AND originator_version <= %s")
        statement += SQL(
            " ORDER BY originator_version DESC" if desc else " ORDER BY originator_version"
        )
        if limit:
            statement += SQL(" LIMIT %s")
        if keys_sql:
            # Key rows are told apart by their empty event columns.
            statement = SQL(
                "({events}) UNION ALL (SELECT NULL, NULL, NULL, NULL, {columns} FROM ({keys}) AS k)"
            ).format(
                events=statement,
                columns=SQL(", ".join(f"k.{name}" for name in KEY_COLUMNS)),
                keys=SQL(keys_sql),
            )
        # As bytes, composed once: psycopg would compose the parts again on every execute.
        self._statements[shape] = found = statement.as_bytes(None)
        return found

    def _create_table(self, curs: Any) -> None:
        serialise_schema_changes(curs)
        super()._create_table(curs)  # each statement only if its object is not in place

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._statements: dict[tuple[bool, bool, bool, bool, str | None], bytes] = {}
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.events_table_name)
        function = Identifier(f"{self.events_table_name}_refuse_change")
        chain_function = Identifier(f"{self.events_table_name}_chain_hash")
        self.sql_create_statements.extend(
            [
                SQL(
                    "CREATE OR REPLACE FUNCTION {schema}.{function}() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN "
                    "RAISE EXCEPTION '{message}: % refused on %', TG_OP, TG_TABLE_NAME "
                    "USING ERRCODE = 'insufficient_privilege'; "
                    "END $$"
                ).format(schema=schema, function=function, message=SQL(APPEND_ONLY_MESSAGE)),
                SQL(
                    "CREATE OR REPLACE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON "
                    "{schema}.{table} FOR EACH ROW EXECUTE FUNCTION {schema}.{function}()"
                ).format(
                    trigger=Identifier(f"{self.events_table_name}_refuse_row_change"),
                    schema=schema,
                    table=table,
                    function=function,
                ),
                SQL(
                    "CREATE OR REPLACE TRIGGER {trigger} BEFORE TRUNCATE ON "
                    "{schema}.{table} FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{function}()"
                ).format(
                    trigger=Identifier(f"{self.events_table_name}_refuse_truncate"),
                    schema=schema,
                    table=table,
                    function=function,
                ),
                # Only a table from before chains lacks the column. ALTER TABLE takes the table's
                # strongest lock even when the column exists, and a process starting beside
                # writers (which read the table before they lock it) would deadlock with them.
                SQL(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute "
                    "WHERE attrelid = {qualified}::regclass "
                    "AND attname = 'chain_hash' AND NOT attisdropped) THEN "
                    "ALTER TABLE {schema}.{table} ADD COLUMN chain_hash bytea; END IF; END $$"
                ).format(
                    schema=schema,
                    table=table,
                    qualified=Literal(f'"{self.datastore.schema}"."{self.events_table_name}"'),
                ),
                SQL(
                    "CREATE OR REPLACE FUNCTION {schema}.{function}() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ DECLARE previous bytea; BEGIN "
                    "IF NEW.originator_version > 1 THEN "
                    "SELECT chain_hash INTO previous FROM {schema}.{table} "
                    "WHERE originator_id = NEW.originator_id "
                    "AND originator_version = NEW.originator_version - 1; "
                    "END IF; "
                    "NEW.chain_hash := sha256(uuid_send(NEW.originator_id) "
                    "|| int8send(NEW.originator_version::bigint) "
                    "|| int4send(octet_length(convert_to(NEW.topic, 'UTF8'))) "
                    "|| convert_to(NEW.topic, 'UTF8') "
                    "|| int4send(octet_length(NEW.state)) || NEW.state "
                    "|| coalesce(previous, decode(repeat('00', 32), 'hex'))); "
                    "RETURN NEW; END $$"
                ).format(schema=schema, table=table, function=chain_function),
                SQL(
                    "CREATE OR REPLACE TRIGGER {trigger} BEFORE INSERT ON {schema}.{table} "
                    "FOR EACH ROW EXECUTE FUNCTION {schema}.{function}()"
                ).format(
                    trigger=Identifier(f"{self.events_table_name}_chain"),
                    schema=schema,
                    table=table,
                    function=chain_function,
                ),
                append_function(
                    schema,
                    self.events_table_name,
                    Identifier(self.stored_event_type_name),
                    Identifier(self.channel_name),
                    self.datastore.lock_timeout,
                ),
            ]
        )
        self.append_statement = append_statement(schema, self.events_table_name)
