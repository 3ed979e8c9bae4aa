"""View tables on either store: declared columns, generations for rebuilds, batched row writes.

A projection's tables live in the same database as the events. Each projection has an *active
generation*: its tables are named `<table>_g<n>` and its position is the library's tracking
record `projection.<name>.g<n>`. A rebuild fills generation n+1 beside the live one and then
switches the active number in one statement, so readers never see a half-built view.

Positions advance by compare-and-set (`UPDATE ... WHERE notification_id = <expected>`) as the
first statement of the transaction that writes the batch's rows: two workers on the same
projection serialise on that row, and the one that finds the position moved rolls back.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.rows import tuple_row

from projections.engine.turns import Turns

POSTGRES_TRACKING_TABLE = "ledger_projection_tracking"
# View reads of one process at once (`ViewDatabase.select`): enough to keep its one GIL and the
# database busy while the others wait their turn in order (projections/engine/turns.py).
READERS = 8
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
_KINDS = {
    # kind: (SQLite type, PostgreSQL type)
    "text": ("TEXT", "text"),
    "int": ("INTEGER", "bigint"),
    "float": ("REAL", "double precision"),
    "bool": ("INTEGER", "boolean"),
    "time": ("TEXT", "timestamptz"),
}

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A view table: its columns and kinds, primary key, the column rows are loaded by, indexes."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    partition: str
    indexes: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @cached_property
    def select_list(self) -> str:
        """Every column, named in declared order: what `ViewDatabase.select` reads by default."""
        return ", ".join(self.column_names)

    @cached_property
    def kinds(self) -> dict[str, str]:
        return dict(self.columns)

    @cached_property
    def time_columns(self) -> tuple[str, ...]:
        return tuple(name for name, kind in self.columns if kind == "time")

    def kind(self, column: str) -> str:
        return self.kinds[column]


class PositionMovedError(Exception):
    """Another worker advanced the projection first; re-read the position and carry on."""


class ViewDatabase:
    """The SQL dialect, table names and tracking of the views beside one event store."""

    def __init__(
        self, datastore: SQLiteDatastore | PostgresDatastore, *, readers: int = READERS
    ) -> None:
        self.datastore = datastore
        self._readers = Turns(readers)
        self.tracking: TrackingRecorder
        if isinstance(datastore, PostgresDatastore):
            self.dialect = "postgres"
            self.p = "%s"
            self._schema: str | None = datastore.schema
            self.tracking = PostgresTrackingRecorder(
                datastore, tracking_table_name=POSTGRES_TRACKING_TABLE
            )
            self._tracking_table = self.qualified(POSTGRES_TRACKING_TABLE)
        else:
            self.dialect = "sqlite"
            self.p = "?"
            self._schema = None
            self.tracking = SQLiteTrackingRecorder(datastore)
            self._tracking_table = "tracking"
        self.tracking.create_table()
        self._generations = self.qualified("projection_generations")
        with self.transaction() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._generations} (name TEXT PRIMARY KEY, "
                "active INTEGER NOT NULL)"
            )

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgres"

    def qualified(self, name: str) -> str:
        return f'"{self._schema}"."{name}"' if self._schema else f'"{name}"'

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    @contextmanager
    def view_transaction(self) -> Iterator[Any]:
        """A transaction writing view rows with their tracking position.

        On PostgreSQL it commits without waiting for the WAL to reach disk: a server crash can
        lose the last batches, but rows and position go together, so the view resumes from its
        last durable position and applies those events again, exactly once. (The events
        themselves are written with durable commits.)
        """
        with self.transaction() as cursor:
            if self.postgres:
                cursor.execute("SET LOCAL synchronous_commit = off")
            yield cursor

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

    def select(
        self,
        table: Table,
        statement: str,
        params: Sequence[Any] = (),
        *,
        columns: Sequence[str] | None = None,
    ) -> list[Row]:
        """The rows of one read-only statement on `table`, as Python values.

        The statement selects `columns` in that order, named (all of the table's by default:
        `table.select_list`); never `*`, whose order is the physical table's.

        On PostgreSQL the statement runs on its own in autocommit mode (one statement reads one
        snapshot): no BEGIN and ROLLBACK round trips around it, each of which a busy server
        thread pays again in waiting for the GIL. At most `readers` threads read at once; the
        others wait their turn in arrival order.
        """
        names = table.column_names if columns is None else columns
        with self._readers:
            if not self.postgres:
                with self.reading() as cursor:
                    cursor.execute(statement, params)
                    return [self.row_from_db(table, row, names) for row in cursor.fetchall()]
            datastore: Any = self.datastore  # PostgreSQL's, here
            with datastore.get_connection() as connection:
                if connection.info.timezone is not UTC:
                    # Once per connection: timestamps then arrive in UTC, with nothing to
                    # convert. No statement of ours depends on the session's zone (none formats
                    # or truncates a timestamp in SQL), so the rest of the ledger reads the same
                    # instants.
                    connection.execute("SET TIME ZONE 'UTC'")
                # Tuples zipped with names the caller already knows: psycopg's dict rows read
                # every column's name back from the result and build each row in a Python call
                # of their own, which was the biggest CPU cost of a list page. Binary results
                # are the same values in fewer bytes, and a timestamp is not parsed from text.
                cursor = connection.cursor(row_factory=tuple_row)
                cursor.execute(statement, params, binary=True)
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rows_from_db(self, table: Table, cursor: Any) -> list[Row]:
        """Every row left in `cursor`, as Python values."""
        if not self.postgres:
            return [self.row_from_db(table, row) for row in cursor.fetchall()]
        # PostgreSQL hands back the view's own types (dict rows, bool, int, float, str); only
        # timestamps come in the session's time zone, and need moving to UTC when that is not.
        rows: list[Row] = cursor.fetchall()
        if cursor.connection.info.timezone is not UTC:
            times = table.time_columns
            for row in rows:
                for name in times:
                    value = row[name]
                    if value is not None:
                        row[name] = value.astimezone(UTC)
        return rows

    def placeholders(self, count: int) -> str:
        return ", ".join([self.p] * count)

    # -- values -------------------------------------------------------------------------------

    def to_db(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "time":
            value = value.astimezone(UTC)
            return value if self.postgres else value.strftime(_TIME_FORMAT)
        if kind == "bool":
            return bool(value) if self.postgres else int(bool(value))
        if kind == "text":
            return str(value)
        return value

    def from_db(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "time":
            return value.astimezone(UTC) if isinstance(value, datetime) else parse_time(value)
        if kind == "bool":
            return bool(value)
        return value

    def time_param(self, value: datetime) -> Any:
        return self.to_db("time", value)

    # -- generations and positions ------------------------------------------------------------

    def physical(self, table: Table, generation: int) -> str:
        return self.qualified(f"{table.name}_g{generation}")

    def active_generation(self, name: str) -> int | None:
        with self.reading() as c:
            c.execute(f"SELECT active FROM {self._generations} WHERE name = {self.p}", (name,))
            row = c.fetchone()
        return None if row is None else int(row["active"])

    def create_generation(
        self, name: str, tables: Sequence[Table], generation: int, *, indexes: bool = True
    ) -> None:
        """Create a generation's tables and its tracking record at position 0 (idempotent).

        Without `indexes`, only the primary keys (which the batches load rows by): a rebuild
        fills the tables first and builds the other indexes once, with `create_indexes`.
        """
        with self.transaction() as c:
            for table in tables:
                for statement in self._ddl(table, generation, indexes=indexes):
                    c.execute(statement)
        try:
            self.tracking.insert_tracking(Tracking(tracking_name(name, generation), 0))
        except IntegrityError:
            pass  # it exists already (another process created it first)

    def ensure(self, name: str, tables: Sequence[Table]) -> int:
        """The active generation, creating generation 1 on first use."""
        generation = self.active_generation(name)
        if generation is None:
            self.create_generation(name, tables, 1)
            with self.transaction() as c:
                c.execute(
                    f"INSERT INTO {self._generations} (name, active) VALUES ({self.p}, 1) "
                    "ON CONFLICT (name) DO NOTHING",
                    (name,),
                )
            generation = self.active_generation(name) or 1
        return generation

    def activate(self, name: str, generation: int) -> None:
        with self.transaction() as c:
            c.execute(
                f"UPDATE {self._generations} SET active = {self.p} WHERE name = {self.p}",
                (generation, name),
            )

    def drop_generation(self, tables: Sequence[Table], name: str, generation: int) -> None:
        with self.transaction() as c:
            for table in tables:
                c.execute(f"DROP TABLE IF EXISTS {self.physical(table, generation)}")
            c.execute(
                f"DELETE FROM {self._tracking_table} WHERE application_name = {self.p}",
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

    def position(self, name: str, generation: int) -> int:
        return self.tracking.max_tracking_id(tracking_name(name, generation)) or 0

    def advance(self, cursor: Any, name: str, generation: int, start: int, end: int) -> None:
        """Move the position from `start` to `end` in this transaction, or refuse."""
        cursor.execute(
            f"UPDATE {self._tracking_table} SET notification_id = {self.p} "
            f"WHERE application_name = {self.p} AND notification_id = {self.p} "
            "RETURNING notification_id",
            (end, tracking_name(name, generation), start),
        )
        if cursor.fetchone() is None:
            raise PositionMovedError(name)

    # -- rows ---------------------------------------------------------------------------------

    def create_indexes(self, tables: Sequence[Table], generation: int) -> None:
        """Build a generation's secondary indexes (those `create_generation` left out)."""
        with self.transaction() as c:
            for table in tables:
                for statement in self._ddl(table, generation)[1:]:
                    c.execute(statement)

    def _ddl(self, table: Table, generation: int, *, indexes: bool = True) -> list[str]:
        index = 1 if self.postgres else 0
        columns = ", ".join(f"{name} {_KINDS[kind][index]}" for name, kind in table.columns)
        physical = self.physical(table, generation)
        statements = [
            f"CREATE TABLE IF NOT EXISTS {physical} ({columns}, "
            f"PRIMARY KEY ({', '.join(table.key)}))"
        ]
        for columns_of_index in table.indexes if indexes else ():
            index_name = f'"{table.name}_g{generation}_by_{"_".join(columns_of_index)}"'
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {index_name} ON {physical} "
                f"({', '.join(columns_of_index)})"
            )
        return statements

    def load(
        self, cursor: Any, table: Table, generation: int, partitions: Iterable[str]
    ) -> list[Row]:
        """Every row whose partition column is one of `partitions`, in this transaction."""
        values = sorted(set(partitions))
        if not values:
            return []
        cursor.execute(*self._partitions_query(table, generation, values))
        return self.rows_from_db(table, cursor)

    def select_partitions(
        self, table: Table, generation: int, partitions: Iterable[str]
    ) -> list[Row]:
        """Every row whose partition column is one of `partitions`: one statement, on its own."""
        values = sorted(set(partitions))
        if not values:
            return []
        return self.select(table, *self._partitions_query(table, generation, values))

    def _partitions_query(
        self, table: Table, generation: int, values: list[str]
    ) -> tuple[str, Sequence[Any]]:
        select = f"SELECT {table.select_list} FROM {self.physical(table, generation)}"
        if self.postgres:
            return f"{select} WHERE {table.partition} = ANY(%s)", (values,)
        return (
            f"{select} WHERE {table.partition} IN ({self.placeholders(len(values))})",
            values,
        )

    def row_from_db(
        self, table: Table, row: Mapping[str, Any], columns: Sequence[str] | None = None
    ) -> Row:
        if columns is None:
            return {name: self.from_db(kind, row[name]) for name, kind in table.columns}
        kinds = table.kinds
        return {name: self.from_db(kinds[name], row[name]) for name in columns}

    def upsert(self, cursor: Any, table: Table, generation: int, rows: Sequence[Row]) -> None:
        if not rows:
            return
        names = table.column_names
        columns = ", ".join(names)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in table.key)
        conflict = f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
        physical = self.physical(table, generation)
        if not self.postgres:
            cursor.executemany(
                f"INSERT INTO {physical} ({columns}) VALUES ({self.placeholders(len(names))}) "
                f"{conflict}",
                self._values(table, rows),
            )
            return
        # One COPY into a session-local staging table and one INSERT ... SELECT: a batch's
        # rows cost one statement on the server and C-level formatting on the client, where
        # an INSERT per row cost a round of Python pipeline machinery each. The staging table
        # is created once per connection and emptied by every commit (never WAL-logged).
        stage = f'"stage_{table.name}_g{generation}"'
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} (LIKE {physical}) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for value in self._values(table, rows):
                copy.write_row(value)
        cursor.execute(
            f"INSERT INTO {physical} ({columns}) SELECT {columns} FROM {stage} {conflict}"
        )

    def _values(self, table: Table, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        """Each row's parameters in column order, converted where the store needs it."""
        kinds = table.columns
        if not self.postgres:
            return [tuple(self.to_db(kind, row.get(name)) for name, kind in kinds) for row in rows]
        # PostgreSQL takes datetimes, ints and floats as they are; only text and bool columns
        # may hold other Python types (a UUID, a counter used as a flag).
        convert = [
            (index, str if kind == "text" else bool)
            for index, (_, kind) in enumerate(kinds)
            if kind in ("text", "bool")
        ]
        names = table.column_names
        values = []
        for row in rows:
            value = [row.get(name) for name in names]
            for index, to in convert:
                item = value[index]
                if item is not None and item.__class__ is not to:
                    value[index] = to(item)
            values.append(tuple(value))
        return values

    def delete(
        self, cursor: Any, table: Table, generation: int, keys: Sequence[tuple[Any, ...]]
    ) -> None:
        if not keys:
            return
        where = " AND ".join(f"{k} = {self.p}" for k in table.key)
        cursor.executemany(f"DELETE FROM {self.physical(table, generation)} WHERE {where}", keys)


def tracking_name(name: str, generation: int) -> str:
    return f"projection.{name}.g{generation}"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
