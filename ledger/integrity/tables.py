"""SQL for tamper evidence: reading the chained event table, the Merkle tree, the checkpoints.

The tree is a projection of the event log with tracking (`ledger.merkle_tree`): each batch of
leaves and the complete-subtree nodes it completes commit together with the tracking record, so
two processes extending the tree at once cannot both succeed. `ledger_merkle_nodes` holds the
hash of every complete subtree (level, index) = leaves [index * 2^level, (index + 1) * 2^level),
so any proof needs only O(log² n) indexed lookups. Checkpoints are append-only like the events.
"""

import threading
from abc import ABC
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from ledger.store.recorders import APPEND_ONLY_MESSAGE
from privacy.db.schema_lock import serialise_schema_changes

TRACKING_NAME = "ledger.merkle_tree"
MAX_PARAMETERS = 900  # below SQLite's default limit of bound parameters per statement


class LeafRow(NamedTuple):
    """One event as the tree recorded it: its place in the tree and in the log."""

    position: int
    notification_id: int
    stream: bytes  # the stream id's 16 bytes
    version: int
    chain_hash: bytes


LeafTuple = tuple[int, int, bytes, int, bytes]
"""A `LeafRow`'s fields as a plain tuple: `ledger verify` reads one per event of the ledger, and
building a named tuple of each cost it a microsecond an event."""


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed tree head as stored."""

    number: int
    tree_size: int
    root_hash: bytes
    signed_at: str
    key_id: str
    signature: bytes
    heads: str  # JSON object of extra heads, "{}" when none


EventRow = tuple[int, bytes, int, str, bytes, bytes | None]
"""(notification id, stream id bytes, version, topic, state, chain hash) as stored."""

PreviousEvent = tuple[int | None, bytes | None]
"""(version, chain hash) of the event below another in its stream; (None, None) when none is."""


class IntegrityTables(TrackingRecorder, ABC):
    """The tree, the checkpoints and raw reads of the event table, in one store's dialect."""

    p = "?"
    events = "stored_events"
    leaves_table = "ledger_merkle_leaves"
    nodes_table = "ledger_merkle_nodes"
    checkpoints_table = "ledger_checkpoints"
    stream_column = "originator_id"  # as bytes: overridden per dialect
    blob = "BLOB"
    stream_type = "TEXT"

    def _stream_param(self, stream: UUID) -> Any:
        return stream.hex

    def _stream_bytes(self, value: Any) -> bytes:
        return bytes.fromhex(value)

    def _leaf_stream_param(self, stream: bytes) -> Any:
        return stream.hex()

    @property
    def _local(self) -> threading.local:
        local: threading.local = self.__dict__.setdefault("_thread_local", threading.local())
        return local

    @contextmanager
    def session(self) -> Iterator[None]:
        """Run this thread's reads inside on one connection (a proof's few statements)."""
        with self._cursor() as cursor:
            self._local.cursor = cursor
            try:
                yield
            finally:
                self._local.cursor = None

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
            yield c

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = getattr(self._local, "cursor", None)
        if cursor is not None:
            cursor.execute(statement, params)
            return self._rows(cursor)
        with self._cursor() as c:
            c.execute(statement, params)
            return self._rows(c)

    def _rows(self, cursor: Any) -> list[Any]:
        return [tuple(row) for row in cursor.fetchall()]

    def _table_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.leaves_table} (position BIGINT PRIMARY KEY, "
            f"notification_id BIGINT NOT NULL UNIQUE, originator_id {self.stream_type} NOT NULL, "
            f"originator_version BIGINT NOT NULL, chain_hash {self.blob} NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS ledger_merkle_leaves_by_event "
            f"ON {self.leaves_table} (originator_id, originator_version)",
            f"CREATE TABLE IF NOT EXISTS {self.nodes_table} (level INTEGER NOT NULL, "
            f"idx BIGINT NOT NULL, hash {self.blob} NOT NULL, PRIMARY KEY (level, idx))",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoints_table} (number BIGINT PRIMARY KEY, "
            f"tree_size BIGINT NOT NULL, root_hash {self.blob} NOT NULL, "
            f"signed_at TEXT NOT NULL, key_id TEXT NOT NULL, signature {self.blob} NOT NULL, "
            "heads TEXT NOT NULL)",
        ]

    # -- the tree -------------------------------------------------------------------------

    def tree_size(self) -> int:
        rows = self._read(f"SELECT MAX(position) FROM {self.leaves_table}")
        return 0 if rows[0][0] is None else int(rows[0][0]) + 1

    def last_notification_id(self) -> int:
        return self.max_tracking_id(TRACKING_NAME) or 0

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of these complete subtrees (missing ones are left out)."""
        wanted = sorted(set(keys))
        found: dict[tuple[int, int], bytes] = {}
        step = MAX_PARAMETERS // 2
        for start in range(0, len(wanted), step):
            chunk = wanted[start : start + step]
            pairs = ", ".join(f"({self.p}, {self.p})" for _ in chunk)
            params = [value for key in chunk for value in key]
            for level, idx, digest in self._read(
                f"SELECT level, idx, hash FROM {self.nodes_table} "
                f"WHERE (level, idx) IN (VALUES {pairs})",
                params,
            ):
                found[(int(level), int(idx))] = bytes(digest)
        return found

    def append(
        self,
        leaves: Sequence[LeafRow],
        nodes: Sequence[tuple[int, int, bytes]],
        tracking: Tracking,
    ) -> None:
        """Store leaves and the nodes they complete with the tracking record, all or nothing."""
        p = self.p
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.executemany(
                f"INSERT INTO {self.leaves_table} (position, notification_id, originator_id, "
                f"originator_version, chain_hash) VALUES ({p}, {p}, {p}, {p}, {p})",
                [
                    (
                        leaf.position,
                        leaf.notification_id,
                        self._leaf_stream_param(leaf.stream),
                        leaf.version,
                        leaf.chain_hash,
                    )
                    for leaf in leaves
                ],
            )
            c.executemany(
                f"INSERT INTO {self.nodes_table} (level, idx, hash) VALUES ({p}, {p}, {p})",
                list(nodes),
            )
            self._insert_tracking(c, tracking)  # type: ignore[attr-defined]

    def _leaf(self, where: str, params: Sequence[Any]) -> LeafRow | None:
        rows = self._read(
            f"SELECT {self._leaf_columns()} FROM {self.leaves_table} WHERE {where}",
            params,
        )
        return self._leaf_rows(rows)[0] if rows else None

    def _leaf_columns(self) -> str:
        return "position, notification_id, originator_id, originator_version, chain_hash"

    def _leaf_rows(self, rows: list[Any]) -> list[LeafRow]:
        return list(map(LeafRow._make, self._leaf_tuples(rows)))

    def _leaf_tuples(self, rows: list[Any]) -> list[LeafTuple]:
        return [
            (int(r[0]), int(r[1]), self._stream_bytes(r[2]), int(r[3]), bytes(r[4])) for r in rows
        ]

    def leaf_for_event(self, stream: UUID, version: int) -> LeafRow | None:
        p = self.p
        return self._leaf(
            f"originator_id = {p} AND originator_version = {p}",
            (self._stream_param(stream), version),
        )

    def leaf_for_notification(self, notification_id: int) -> LeafRow | None:
        return self._leaf(f"notification_id = {self.p}", (notification_id,))

    def leaves_for_notifications(self, notification_ids: Sequence[int]) -> list[LeafRow]:
        """The leaves of these events (those in the tree), a query per MAX_PARAMETERS ids."""
        found: list[LeafRow] = []
        for start in range(0, len(notification_ids), MAX_PARAMETERS):
            chunk = list(notification_ids[start : start + MAX_PARAMETERS])
            found += self._leaf_rows(
                self._read(
                    f"SELECT {self._leaf_columns()} FROM {self.leaves_table} "
                    f"WHERE notification_id IN ({', '.join([self.p] * len(chunk))})",
                    chunk,
                )
            )
        return found

    def leaves(
        self, *, after: int, limit: int, below: int, stream: UUID | None = None
    ) -> list[LeafTuple]:
        """Leaves at positions in (after, below), in order; one stream's only, if given.

        Page the whole tree with narrow ranges (below = after + limit + 1): the planner then
        reads an index range, whatever its statistics say about the table.
        """
        p = self.p
        where = f"position > {p} AND position < {p}"
        params: list[Any] = [after, below]
        if stream is not None:
            where += f" AND originator_id = {p}"
            params.append(self._stream_param(stream))
        rows = self._read(
            f"SELECT {self._leaf_columns()} FROM {self.leaves_table} WHERE {where} "
            f"ORDER BY position LIMIT {p}",
            [*params, limit],
        )
        return self._leaf_tuples(rows)

    # -- the event table ------------------------------------------------------------------

    def _event_columns(self) -> str:
        return "originator_id, originator_version, topic, state, chain_hash"

    def _event_rows(self, rows: list[Any]) -> list[EventRow]:
        return [
            (
                int(r[0]),
                self._stream_bytes(r[1]),
                int(r[2]),
                r[3],
                bytes(r[4]) if r[4] else b"",
                None if r[5] is None else bytes(r[5]),
            )
            for r in rows
        ]

    def events_after(
        self,
        notification_id: int,
        *,
        limit: int,
        up_to: int | None = None,
        stream: UUID | None = None,
        with_state: bool = True,
    ) -> list[EventRow]:
        """Stored events after a notification id (up to another), in log order.

        Without state, the topic and state of each row are empty: the fast path for the log.
        """
        p = self.p
        where, params = f"{self.nid} > {p}", [notification_id]
        if up_to is not None:
            where += f" AND {self.nid} <= {p}"
            params.append(up_to)
        if stream is not None:
            where += f" AND originator_id = {p}"
            params.append(self._stream_param(stream))
        columns = self._event_columns()
        if not with_state:
            columns = columns.replace("topic, state", "'', ''")
        rows = self._read(
            f"SELECT {self.nid}, {columns} FROM {self.events} WHERE {where} "
            f"ORDER BY {self.nid} LIMIT {p}",
            [*params, limit],
        )
        return self._event_rows(rows)

    def next_notification_id(self, after: int | None = None) -> int | None:
        """The lowest notification id in the event table (above `after`); None if there is none."""
        where, params = ("", []) if after is None else (f" WHERE {self.nid} > {self.p}", [after])
        rows = self._read(f"SELECT MIN({self.nid}) FROM {self.events}{where}", params)
        return None if rows[0][0] is None else int(rows[0][0])

    def max_notification_id(self) -> int | None:
        """The highest notification id in the event table; None when it is empty."""
        rows = self._read(f"SELECT MAX({self.nid}) FROM {self.events}")
        return None if rows[0][0] is None else int(rows[0][0])

    def previous_events(
        self, streams: Sequence[bytes], versions: Sequence[int], *, up_to: int | None = None
    ) -> list[PreviousEvent]:
        """For each stream and version, the stream's event just below that version: the highest
        version under it (logged at or before `up_to`, if given), in the order asked.

        One index probe per event: `ledger verify` asks only for the events whose predecessor
        it has not just read itself.
        """
        p = self.p
        below = "" if up_to is None else f" AND q.{self.nid} <= {p}"
        step = (MAX_PARAMETERS - 1) // 3
        found: list[PreviousEvent] = []
        for start in range(0, len(streams), step):
            chunk = range(start, min(start + step, len(streams)))
            params: list[Any] = [
                v for i in chunk for v in (i, self._leaf_stream_param(streams[i]), versions[i])
            ]
            rows = self._read(
                f"WITH wanted (i, stream, version) AS "
                f"(VALUES {', '.join([f'({p}, {p}, {p})'] * len(chunk))}) "
                "SELECT e.originator_version, e.chain_hash "
                f"FROM wanted LEFT JOIN {self.events} e ON e.originator_id = wanted.stream "
                "AND e.originator_version = (SELECT q.originator_version "
                f"FROM {self.events} q WHERE q.originator_id = wanted.stream "
                f"AND q.originator_version < wanted.version{below} "
                "ORDER BY q.originator_version DESC LIMIT 1) ORDER BY wanted.i",
                params if up_to is None else [*params, up_to],
            )
            found += [
                (None, None) if r[0] is None else (int(r[0]), None if r[1] is None else bytes(r[1]))
                for r in rows
            ]
        return found

    def events_in_stream_order(
        self,
        *,
        after: tuple[UUID, int] | None,
        limit: int,
        stream: UUID | None = None,
        up_to: int | None = None,
    ) -> list[EventRow]:
        """Stored events ordered by (stream, version), after a key: keyset pagination."""
        p = self.p
        clauses: list[str] = []
        params: list[Any] = []
        if stream is not None:
            clauses.append(f"originator_id = {p}")
            params.append(self._stream_param(stream))
        if after is not None:
            clauses.append(f"(originator_id, originator_version) > ({p}, {p})")
            params.extend([self._stream_param(after[0]), after[1]])
        if up_to is not None:
            clauses.append(f"{self.nid} <= {p}")
            params.append(up_to)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        rows = self._read(
            f"SELECT {self.nid}, {self._event_columns()} FROM {self.events} {where}"
            f"ORDER BY originator_id, originator_version LIMIT {p}",
            [*params, limit],
        )
        return self._event_rows(rows)

    def events_of_streams(self, streams: Sequence[UUID]) -> list[EventRow]:
        """Every stored event of these streams, ordered by (stream, version): one query per
        MAX_PARAMETERS streams, where `events_in_stream_order` takes one per stream."""
        found: list[EventRow] = []
        for start in range(0, len(streams), MAX_PARAMETERS):
            chunk = [self._stream_param(s) for s in streams[start : start + MAX_PARAMETERS]]
            found += self._event_rows(
                self._read(
                    f"SELECT {self.nid}, {self._event_columns()} FROM {self.events} "
                    f"WHERE originator_id IN ({', '.join([self.p] * len(chunk))}) "
                    "ORDER BY originator_id, originator_version",
                    chunk,
                )
            )
        return found

    nid = "rowid"

    # -- checkpoints ----------------------------------------------------------------------

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        p = self.p
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(
                f"INSERT INTO {self.checkpoints_table} (number, tree_size, root_hash, signed_at, "
                f"key_id, signature, heads) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})",
                (
                    checkpoint.number,
                    checkpoint.tree_size,
                    checkpoint.root_hash,
                    checkpoint.signed_at,
                    checkpoint.key_id,
                    checkpoint.signature,
                    checkpoint.heads,
                ),
            )

    def checkpoints(
        self, *, number: int | None = None, latest: bool = False
    ) -> list[StoredCheckpoint]:
        """Every stored checkpoint in order (or the one with this number, or the latest)."""
        where, params = ("", []) if number is None else (f"WHERE number = {self.p}", [number])
        order = "ORDER BY number DESC LIMIT 1" if latest else "ORDER BY number"
        rows = self._read(
            f"SELECT number, tree_size, root_hash, signed_at, key_id, signature, heads "
            f"FROM {self.checkpoints_table} {where} {order}",
            params,
        )
        return [
            StoredCheckpoint(int(r[0]), int(r[1]), bytes(r[2]), r[3], r[4], bytes(r[5]), r[6])
            for r in rows
        ]


class SQLiteIntegrityTables(SQLiteTrackingRecorder, IntegrityTables):
    """The integrity tables in the embedded SQLite file, beside the events."""

    def construct_create_table_statements(self) -> list[str]:
        statements = [*super().construct_create_table_statements(), *self._table_statements()]
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {self.checkpoints_table}_refuse_"
                f"{operation.lower()} BEFORE {operation} ON {self.checkpoints_table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: {operation} refused'); END"
            )
        return statements


class PostgresIntegrityTables(PostgresTrackingRecorder, IntegrityTables):
    """The integrity tables in PostgreSQL, in the ledger's schema."""

    p = "%s"
    blob = "bytea"
    stream_type = "uuid"
    nid = "notification_id"

    def __init__(self, datastore: PostgresDatastore, events_table_name: str) -> None:
        super().__init__(datastore, tracking_table_name="ledger_projection_tracking")
        schema = datastore.schema
        self.events = f'"{schema}".{events_table_name}'
        self.leaves_table = f'"{schema}".ledger_merkle_leaves'
        self.nodes_table = f'"{schema}".ledger_merkle_nodes'
        self.checkpoints_table = f'"{schema}".ledger_checkpoints'
        function = f'"{schema}".ledger_checkpoints_refuse_change'
        self.sql_create_statements.extend(
            SQL(statement)  # type: ignore[misc]  # built from constants and a checked schema
            for statement in [
                *self._table_statements(),
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused on %', TG_OP, "
                "TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$",
                f"CREATE OR REPLACE TRIGGER ledger_checkpoints_refuse_change BEFORE UPDATE OR "
                f"DELETE ON {self.checkpoints_table} FOR EACH ROW EXECUTE FUNCTION {function}()",
            ]
        )

    def _create_table(self, curs: Any) -> None:
        serialise_schema_changes(curs)
        super()._create_table(curs)

    def _stream_param(self, stream: UUID) -> Any:
        return stream

    def _stream_bytes(self, value: Any) -> bytes:
        return value.bytes if isinstance(value, UUID) else bytes(value)

    def _leaf_stream_param(self, stream: bytes) -> Any:
        return UUID(bytes=stream)

    def _event_columns(self) -> str:
        return "uuid_send(originator_id), originator_version, topic, state, chain_hash"

    def append(
        self,
        leaves: Sequence[LeafRow],
        nodes: Sequence[tuple[int, int, bytes]],
        tracking: Tracking,
    ) -> None:
        """As for SQLite, but with COPY: the tree keeps up with the fastest writers."""
        with self.datastore.transaction(commit=True) as c:
            with c.copy(
                f"COPY {self.leaves_table} (position, notification_id, originator_id, "
                "originator_version, chain_hash) FROM STDIN"
            ) as copy:
                for leaf in leaves:
                    copy.write_row(
                        (
                            leaf.position,
                            leaf.notification_id,
                            UUID(bytes=leaf.stream),
                            leaf.version,
                            leaf.chain_hash,
                        )
                    )
            with c.copy(f"COPY {self.nodes_table} (level, idx, hash) FROM STDIN") as copy:
                for node in nodes:
                    copy.write_row(node)
            self._insert_tracking(c, tracking)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        # Binary results: bytea arrives as raw bytes rather than hex text to decode. No
        # transaction around the reads (the library's connections are in autocommit): each
        # statement reads a snapshot of its own, and everything read here is append-only, so
        # a proof's few statements agree without BEGIN and ROLLBACK round trips around them.
        with self.datastore.get_connection() as conn:
            with conn.cursor(row_factory=tuple_row, binary=True) as c:
                yield c

    def _rows(self, cursor: Any) -> list[Any]:
        rows: list[Any] = cursor.fetchall()
        return rows

    def _leaf_columns(self) -> str:
        return "position, notification_id, uuid_send(originator_id), originator_version, chain_hash"

    def _leaf_tuples(self, rows: list[Any]) -> list[LeafTuple]:
        return rows  # binary results already have the right types

    def _event_rows(self, rows: list[Any]) -> list[EventRow]:
        return rows  # binary results already have the right types

    def previous_events(
        self, streams: Sequence[bytes], versions: Sequence[int], *, up_to: int | None = None
    ) -> list[PreviousEvent]:
        # One statement whatever the number of events. The stream ids go as one blob of 16
        # bytes each and the versions as text: psycopg dumps arrays element by element, which
        # cost 4 µs a stream id as a bytea[] (measured), more than the lookup saves.
        below = "" if up_to is None else " AND q.notification_id <= %s"
        params: list[Any] = [",".join(map(str, versions)), b"".join(streams)]
        return self._read(
            "SELECT e.originator_version, e.chain_hash FROM "
            "unnest(string_to_array(%s, ',')::bigint[]) WITH ORDINALITY AS wanted (version, i) "
            "LEFT JOIN LATERAL (SELECT q.originator_version, q.chain_hash "
            f"FROM {self.events} q WHERE q.originator_id = "
            "encode(substring(%s::bytea FROM wanted.i::int * 16 - 15 FOR 16), 'hex')::uuid "
            f"AND q.originator_version < wanted.version{below} "
            "ORDER BY q.originator_version DESC LIMIT 1) e ON true ORDER BY wanted.i",
            params if up_to is None else [*params, up_to],
        )


def integrity_tables_for(
    datastore: SQLiteDatastore | PostgresDatastore, events_table_name: str
) -> IntegrityTables:
    """The integrity tables in the same database as the events, creating them if needed."""
    tables: IntegrityTables
    if isinstance(datastore, PostgresDatastore):
        tables = PostgresIntegrityTables(datastore, events_table_name)
    else:
        tables = SQLiteIntegrityTables(datastore)
    tables.create_table()
    return tables
