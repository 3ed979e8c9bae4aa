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
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

POSTGRES_TRACKING_TABLE = "ledger_projection_tracking"
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

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def kind(self, column: str) -> str:
        return dict(self.columns)[column]


class PositionMovedError(Exception):
    """Another worker advanced the projection first; re-read the position and carry on."""


class ViewDatabase:
    """The SQL dialect, table names and tracking of the views beside one event store."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        self.datastore = datastore
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
    def reading(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

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

    def create_generation(self, name: str, tables: Sequence[Table], generation: int) -> None:
        """Create a generation's tables and its tracking record at position 0 (idempotent)."""
        with self.transaction() as c:
            for table in tables:
                for statement in self._ddl(table, generation):
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

    def _ddl(self, table: Table, generation: int) -> list[str]:
        index = 1 if self.postgres else 0
        columns = ", ".join(f"{name} {_KINDS[kind][index]}" for name, kind in table.columns)
        physical = self.physical(table, generation)
        statements = [
            f"CREATE TABLE IF NOT EXISTS {physical} ({columns}, "
            f"PRIMARY KEY ({', '.join(table.key)}))"
        ]
        for columns_of_index in table.indexes:
            index_name = f'"{table.name}_g{generation}_by_{"_".join(columns_of_index)}"'
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {index_name} ON {physical} "
                f"({', '.join(columns_of_index)})"
            )
        return statements

    def load(
        self, cursor: Any, table: Table, generation: int, partitions: Iterable[str]
    ) -> list[Row]:
        """Every row whose partition column is one of `partitions`."""
        values = sorted(set(partitions))
        if not values:
            return []
        physical = self.physical(table, generation)
        if self.postgres:
            cursor.execute(f"SELECT * FROM {physical} WHERE {table.partition} = ANY(%s)", (values,))
        else:
            cursor.execute(
                f"SELECT * FROM {physical} WHERE {table.partition} IN "
                f"({self.placeholders(len(values))})",
                values,
            )
        return [self.row_from_db(table, row) for row in cursor.fetchall()]

    def row_from_db(self, table: Table, row: Mapping[str, Any]) -> Row:
        return {name: self.from_db(kind, row[name]) for name, kind in table.columns}

    def upsert(self, cursor: Any, table: Table, generation: int, rows: Sequence[Row]) -> None:
        if not rows:
            return
        names = table.column_names
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in table.key)
        statement = (
            f"INSERT INTO {self.physical(table, generation)} ({', '.join(names)}) "
            f"VALUES ({self.placeholders(len(names))}) "
            f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
        )
        cursor.executemany(
            statement,
            [
                tuple(self.to_db(kind, row.get(name)) for name, kind in table.columns)
                for row in rows
            ],
        )

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
