"""SQL for tamper evidence: the Merkle tree and the checkpoints, beside the chained events.

The tree is a projection of the event log with tracking (`ledger.merkle_tree`): each batch of
leaves and the complete-subtree nodes it completes commit together with the tracking record, so
two processes extending the tree at once cannot both succeed. `ledger_merkle_nodes` holds the
hash of every complete subtree (level, index) = leaves [index * 2^level, (index + 1) * 2^level),
so any proof needs only O(log² n) indexed lookups. Checkpoints are append-only like the events.
The reads of the event table itself are `ledger.integrity.event_table`'s.
"""

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from ledger.integrity.checkpoint_tables import (
    CheckpointTables,
    StoredCheckpoint,
    StoredCosignature,
    checkpoint_statements,
)
from ledger.integrity.event_table import MAX_PARAMETERS, EventRow, EventTableReads
from privacy.db.schema_in_place import CreatedInPlace
from privacy.db.schema_lock import serialise_schema_changes

__all__ = [
    "EventRow",
    "IntegrityTables",
    "LeafRow",
    "LeafTuple",
    "StoredCheckpoint",
    "StoredCosignature",
]

TRACKING_NAME = "ledger.merkle_tree"


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

_LEAF_COLUMNS = (
    "position, notification_id, uuid_send(originator_id), originator_version, chain_hash"
)


class IntegrityTables(PostgresTrackingRecorder, CreatedInPlace, EventTableReads, CheckpointTables):
    """The tree, the checkpoints and raw reads of the event table, in the ledger's schema."""

    def __init__(self, datastore: PostgresDatastore, events_table_name: str) -> None:
        super().__init__(datastore, tracking_table_name="ledger_projection_tracking")
        schema = datastore.schema
        self.events = f'"{schema}".{events_table_name}'
        self.leaves_table = f'"{schema}".ledger_merkle_leaves'
        self.nodes_table = f'"{schema}".ledger_merkle_nodes'
        self.sql_create_statements.extend(
            SQL(statement)  # type: ignore[misc]  # built from constants and a checked schema
            for statement in [
                f"CREATE TABLE IF NOT EXISTS {self.leaves_table} (position BIGINT PRIMARY KEY, "
                "notification_id BIGINT NOT NULL UNIQUE, originator_id uuid NOT NULL, "
                "originator_version BIGINT NOT NULL, chain_hash bytea NOT NULL)",
                "CREATE INDEX IF NOT EXISTS ledger_merkle_leaves_by_event "
                f"ON {self.leaves_table} (originator_id, originator_version)",
                f"CREATE TABLE IF NOT EXISTS {self.nodes_table} (level INTEGER NOT NULL, "
                "idx BIGINT NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))",
                *checkpoint_statements(schema),
            ]
        )

    def _create_table(self, curs: Any) -> None:
        serialise_schema_changes(curs)
        super()._create_table(curs)  # the tracking table's, then ours (`CreatedInPlace`)

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
        # Binary results: bytea arrives as raw bytes rather than hex text to decode. No
        # transaction around the reads (the library's connections are in autocommit): each
        # statement reads a snapshot of its own, and everything read here is append-only, so
        # a proof's few statements agree without BEGIN and ROLLBACK round trips around them.
        with self.datastore.get_connection() as conn:
            with conn.cursor(row_factory=tuple_row, binary=True) as c:
                yield c

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = getattr(self._local, "cursor", None)
        if cursor is not None:
            cursor.execute(statement, params)
            return list(cursor.fetchall())
        with self._cursor() as c:
            c.execute(statement, params)
            return list(c.fetchall())

    def read_together(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """The rows of each statement, all sent in one round trip (a pipeline)."""
        cursor = getattr(self._local, "cursor", None)
        with nullcontext(cursor) if cursor is not None else self._cursor() as c:
            connection = c.connection
            cursors = [connection.cursor(row_factory=tuple_row, binary=True) for _ in statements]
            with connection.pipeline():
                for each, (statement, params) in zip(cursors, statements, strict=True):
                    each.execute(statement, params)
            return [list(each.fetchall()) for each in cursors]

    # -- the tree -------------------------------------------------------------------------

    def tree_size(self) -> int:
        rows = self._read(f"SELECT MAX(position) FROM {self.leaves_table}")
        return 0 if rows[0][0] is None else int(rows[0][0]) + 1

    def last_notification_id(self) -> int:
        return self.max_tracking_id(TRACKING_NAME) or 0

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of these complete subtrees (missing ones are left out)."""
        wanted = set(keys)
        if not wanted:
            return {}
        levels, indexes = zip(*wanted, strict=True)
        # The keys as two arrays: one statement text whatever their number, so it stays
        # prepared (planning a list of values each time cost as much as running it).
        rows = self._read(
            "SELECT n.level, n.idx, n.hash FROM unnest(%s::integer[], %s::bigint[]) "
            f"AS w(level, idx) JOIN {self.nodes_table} n ON n.level = w.level AND n.idx = w.idx",
            [list(levels), list(indexes)],
        )
        return {(int(level), int(idx)): bytes(digest) for level, idx, digest in rows}

    def append(
        self,
        leaves: Sequence[LeafRow],
        nodes: Sequence[tuple[int, int, bytes]],
        tracking: Tracking,
    ) -> None:
        """Store leaves and the nodes they complete with the tracking record, all or nothing;
        with COPY, so that the tree keeps up with the fastest writers."""
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

    def _leaf(self, where: str, params: Sequence[Any]) -> LeafRow | None:
        rows = self._read(f"SELECT {_LEAF_COLUMNS} FROM {self.leaves_table} WHERE {where}", params)
        return LeafRow._make(rows[0]) if rows else None

    def leaf_for_event(self, stream: UUID, version: int) -> LeafRow | None:
        return self._leaf("originator_id = %s AND originator_version = %s", (stream, version))

    def leaf_for_notification(self, notification_id: int) -> LeafRow | None:
        return self._leaf("notification_id = %s", (notification_id,))

    def leaves_for_notifications(self, notification_ids: Sequence[int]) -> list[LeafRow]:
        """The leaves of these events (those in the tree), a query per MAX_PARAMETERS ids."""
        found: list[LeafRow] = []
        for start in range(0, len(notification_ids), MAX_PARAMETERS):
            chunk = list(notification_ids[start : start + MAX_PARAMETERS])
            rows = self._read(
                f"SELECT {_LEAF_COLUMNS} FROM {self.leaves_table} "
                f"WHERE notification_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            found += map(LeafRow._make, rows)
        return found

    def leaves(
        self, *, after: int, limit: int, below: int, stream: UUID | None = None
    ) -> list[LeafTuple]:
        """Leaves at positions in (after, below), in order; one stream's only, if given.

        Page the whole tree with narrow ranges (below = after + limit + 1): the planner then
        reads an index range, whatever its statistics say about the table.
        """
        where = "position > %s AND position < %s"
        params: list[Any] = [after, below]
        if stream is not None:
            where += " AND originator_id = %s"
            params.append(stream)
        return self._read(
            f"SELECT {_LEAF_COLUMNS} FROM {self.leaves_table} WHERE {where} "
            "ORDER BY position LIMIT %s",
            [*params, limit],
        )


def integrity_tables_for(datastore: PostgresDatastore, events_table_name: str) -> IntegrityTables:
    """The integrity tables in the same database as the events, creating them if needed."""
    tables = IntegrityTables(datastore, events_table_name)
    tables.create_table()
    return tables
