"""The views beside the event store: generations for rebuilds and positions in the log.

A projection's tables live in the same PostgreSQL schema as the events. Each projection has an
*active generation*: its tables are named `<table>_g<n>` and its position is the library's
tracking record `projection.<name>.g<n>` (`PostgresTrackingRecorder`, one row per name). A
rebuild fills generation n+1 beside the live one and then switches the active number in one
statement, so readers never see a half-built view.

Positions advance by compare-and-set (`UPDATE ... WHERE notification_id = <expected>`) as the
first statement of the transaction that writes the batch's rows: two workers on the same
projection serialise on that row, and the one that finds the position moved rolls back. (The
library's own tracking insert only refuses to move a position backwards, which would let a
second worker re-apply a batch the first one committed.)

Generations, positions and the batch transaction are one thing (each step reads what the others
wrote), so the module stays whole at some 270 lines.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

from privacy.db.single_reads import reading_cursor
from projections.engine.index_builds import build_indexes
from projections.engine.rows import READERS, ViewRows
from projections.engine.tables import KINDS, Row, Table, tracking_name, tracking_name_sql
from projections.engine.turns import Turns

TRACKING_TABLE = "ledger_projection_tracking"


class PositionMovedError(Exception):
    """Another worker advanced the projection first; re-read the position and carry on."""


class ViewDatabase(ViewRows):
    """The view tables, their generations and the tracking of their positions."""

    def __init__(self, datastore: PostgresDatastore, *, readers: int = READERS) -> None:
        self.datastore = datastore
        self._readers = Turns(readers)
        self.tracking = PostgresTrackingRecorder(datastore, tracking_table_name=TRACKING_TABLE)
        self.tracking.create_table()
        self._tracking_table = self.qualified(TRACKING_TABLE)
        self._generations = self.qualified("projection_generations")
        with self.transaction() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._generations} (name TEXT PRIMARY KEY, "
                "active INTEGER NOT NULL)"
            )

    def qualified(self, name: str) -> str:
        return f'"{self.datastore.schema}"."{name}"'

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    @contextmanager
    def view_transaction(self) -> Iterator[Any]:
        """A transaction writing view rows with their tracking position.

        It commits without waiting for the WAL to reach disk: a server crash can lose the last
        batches, but rows and position go together, so the view resumes from its last durable
        position and applies those events again, exactly once. (The events themselves are
        written with durable commits.)
        """
        with self.transaction() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            yield cursor

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A cursor whose statements each read on their own (privacy/db/single_reads.py)."""
        with reading_cursor(self.datastore) as cursor:
            yield cursor

    # -- generations --------------------------------------------------------------------------

    def active_generation(self, name: str) -> int | None:
        with self.reading() as c:
            c.execute(f"SELECT active FROM {self._generations} WHERE name = %s", (name,))
            row = c.fetchone()
        return None if row is None else int(row["active"])

    def create_generation(
        self,
        name: str,
        tables: Sequence[Table],
        generation: int,
        *,
        indexes: bool = True,
    ) -> None:
        """Create a generation's tables and its tracking record at position 0 (idempotent).

        Without `indexes`, only what the batches load rows by (the primary keys, or an index on
        the partition column where a key does not lead with it): a rebuild
        fills the tables first and builds the other indexes once, with `create_indexes`.
        """
        with self.transaction() as c:
            self._make_sure(c, [(table, generation) for table in tables], indexes=indexes)
        try:
            self.tracking.insert_tracking(Tracking(tracking_name(name, generation), 0))
        except IntegrityError:
            pass  # it exists already (another process created it first)

    def ensure_all(self, views: Sequence[tuple[str, Sequence[Table]]]) -> dict[str, int]:
        """Each view's active generation (generation 1 made on first use), with its tables, the
        columns and indexes a later release declared, made sure of in one transaction: what every
        process does at start, in three round trips however many views there are."""
        active = self.generations()
        for name, tables in views:
            if name not in active:
                active[name] = self.ensure(name, tables)
        with self.transaction() as c:
            wanted = [(table, active[name]) for name, tables in views for table in tables]
            self._make_sure(c, wanted, indexes=True)
        return active

    def _make_sure(
        self, cursor: Any, tables: Sequence[tuple[Table, int]], *, indexes: bool
    ) -> None:
        """Create the missing tables of these generations and add the missing columns (ALTER
        TABLE locks the table even for nothing, so only what is missing), then their indexes
        if asked (IF NOT EXISTS): one catalog read and one script."""
        physical = [self.physical(table, generation) for table, generation in tables]
        cursor.execute(
            "SELECT name, array(SELECT attname::text FROM pg_attribute WHERE attrelid = "
            "to_regclass(name) AND attnum > 0 AND NOT attisdropped) AS columns "
            "FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NOT NULL",
            (physical,),
        )
        existing = {row["name"]: set(row["columns"]) for row in cursor.fetchall()}
        statements: list[str] = []
        for (table, generation), name in zip(tables, physical, strict=True):
            if name not in existing:
                statements.append(table.create_statement(name))
            else:
                statements += [
                    f"ALTER TABLE {name} ADD COLUMN {column} {KINDS[kind]}"
                    for column, kind in table.columns
                    if column not in existing[name]
                ]
            statements += table.load_index_statements(name, generation)
            if indexes:
                statements += table.index_statements(name, generation)
        if statements:
            # No parameters, so PostgreSQL takes them as one script: one round trip.
            cursor.execute(";\n".join(statements))

    def create_indexes(self, tables: Sequence[Table], generation: int) -> None:
        """Build a generation's secondary indexes (those `create_generation` left out)."""
        build_indexes(
            self.transaction,
            [
                statement
                for table in tables
                for statement in table.index_statements(
                    self.physical(table, generation), generation
                )
            ],
        )

    def ensure(self, name: str, tables: Sequence[Table]) -> int:
        """The active generation, creating generation 1 on first use."""
        generation = self.active_generation(name)
        if generation is None:
            self.create_generation(name, tables, 1)
            with self.transaction() as c:
                c.execute(
                    f"INSERT INTO {self._generations} (name, active) VALUES (%s, 1) "
                    "ON CONFLICT (name) DO NOTHING",
                    (name,),
                )
            generation = self.active_generation(name) or 1
        return generation

    def activate(self, name: str, generation: int) -> None:
        with self.transaction() as c:
            c.execute(
                f"UPDATE {self._generations} SET active = %s WHERE name = %s", (generation, name)
            )

    def drop_generation(self, tables: Sequence[Table], name: str, generation: int) -> None:
        with self.transaction() as c:
            for table in tables:
                c.execute(f"DROP TABLE IF EXISTS {self.physical(table, generation)}")
            c.execute(
                f"DELETE FROM {self._tracking_table} WHERE application_name = %s",
                (tracking_name(name, generation),),
            )

    def analyze(self, tables: Sequence[Table], generation: int) -> None:
        """Refresh the planner's statistics of freshly filled tables."""
        with self.transaction() as c:
            for table in tables:
                c.execute(f"ANALYZE {self.physical(table, generation)}")

    def generations(self) -> dict[str, int]:
        with self.reading() as c:
            c.execute(f"SELECT name, active FROM {self._generations}")
            return {row["name"]: int(row["active"]) for row in c.fetchall()}

    # -- positions ----------------------------------------------------------------------------

    def standing(
        self, names: Sequence[str], events_table: str
    ) -> tuple[dict[str, tuple[int, int]], int]:
        """Each named projection's active generation and position (those with a generation),
        and the head of the log: one statement."""
        with self.reading() as c:
            c.execute(
                f"SELECT h.head, g.name, g.active, (SELECT max(t.notification_id) "
                f"FROM {self._tracking_table} t "
                f"WHERE t.application_name = {tracking_name_sql('g.name', 'g.active')}) AS at "
                f"FROM (SELECT max(notification_id) AS head FROM {events_table}) h "
                f"LEFT JOIN {self._generations} g ON g.name = ANY(%s)",
                (list(names),),
            )
            rows = c.fetchall()
        standing = {
            str(r["name"]): (int(r["active"]), int(r["at"] or 0)) for r in rows if r["name"]
        }
        return standing, int(rows[0]["head"] or 0) if rows else 0

    def position(self, name: str, generation: int) -> int:
        return self.tracking.max_tracking_id(tracking_name(name, generation)) or 0

    def start_batch(
        self,
        cursor: Any,
        name: str,
        generation: int,
        span: tuple[int, int],
        tables: Sequence[Table],
        partitions: Iterable[str],
    ) -> list[list[Row]]:
        """Move the position span[0] -> span[1] in this transaction (or refuse), and load every
        row of `partitions` from each table: all in one round trip (a pipeline), with the
        commit made asynchronous as in `view_transaction`."""
        values = sorted(set(partitions))
        connection = cursor.connection
        loads = [connection.cursor() for _ in tables] if values else []
        with connection.pipeline():
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                f"UPDATE {self._tracking_table} SET notification_id = %s "
                "WHERE application_name = %s AND notification_id = %s "
                "RETURNING notification_id",
                (span[1], tracking_name(name, generation), span[0]),
            )
            for load, table in zip(loads, tables, strict=False):  # none when nothing loads
                load.execute(self._partitions_query(table, generation), (values,))
        if cursor.fetchone() is None:
            raise PositionMovedError(name)
        if not loads:
            return [[] for _ in tables]
        return [self.loaded_rows(load, table) for load, table in zip(loads, tables, strict=True)]

    def advance(self, cursor: Any, name: str, generation: int, start: int, end: int) -> None:
        """Move the position from `start` to `end` in this transaction, or refuse."""
        cursor.execute(
            f"UPDATE {self._tracking_table} SET notification_id = %s "
            "WHERE application_name = %s AND notification_id = %s "
            "RETURNING notification_id",
            (end, tracking_name(name, generation), start),
        )
        if cursor.fetchone() is None:
            raise PositionMovedError(name)
