"""Application recorders whose event tables the database itself keeps append-only.

The library's recorders are used unchanged for reading and writing; these subclasses add
triggers to the table definitions, so that an UPDATE or DELETE (and on PostgreSQL a TRUNCATE)
of a stored event is refused by the database, whoever sends it, and can send concurrent saves
through one group commit (`ledger.store.group_commit`).
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.store.group_commit import GroupCommit

APPEND_ONLY_MESSAGE = "the event log is append-only"


class GroupCommitting:
    """Routes plain saves through a `GroupCommit` once the application attaches one."""

    group_commit: GroupCommit | None = None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        # Saves carrying tracking records (process applications) keep their own transaction;
        # an application's plain save() passes tracking=None.
        extra = any(value is not None for value in kwargs.values())
        if self.group_commit is None or extra or not stored_events:
            return self.insert_events_now(stored_events, **kwargs)
        return self.group_commit.insert_events(stored_events)

    def insert_events_now(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        """The library's own insert: one transaction (and one table lock) for these events."""
        return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]

    def enable_group_commit(self) -> GroupCommit:
        self.group_commit = GroupCommit(self.insert_events_now)
        return self.group_commit


class AppendOnlySQLiteApplicationRecorder(GroupCommitting, SQLiteApplicationRecorder):
    """SQLite event table with triggers that abort any UPDATE or DELETE."""

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        table = self.events_table_name
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: {operation} refused'); END"
            )
        # INSERT OR REPLACE deletes the old row without firing DELETE triggers (recursive
        # triggers are off), so an insert over an existing (stream, version) is refused too.
        # The table name is the library's constant, not input.
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_replace BEFORE INSERT ON {table} "  # noqa: S608
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE originator_id = NEW.originator_id "
            "AND originator_version = NEW.originator_version) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: REPLACE refused'); END"
        )
        return statements


class AppendOnlyPostgresApplicationRecorder(GroupCommitting, PostgresApplicationRecorder):
    """PostgreSQL event table with row triggers refusing UPDATE/DELETE and a TRUNCATE trigger."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.events_table_name)
        function = Identifier(f"{self.events_table_name}_refuse_change")
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
            ]
        )
