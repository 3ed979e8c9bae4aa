"""The rows one batch of events changes: loaded once, changed in memory, written back once."""

from collections.abc import Callable, Collection, Iterator, Sequence
from functools import partial
from operator import itemgetter
from typing import Any

from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase


class RowSet:
    """The rows one batch reads and writes, keyed per table; written back once."""

    def __init__(self, tables: Sequence[Table], partitions: Collection[str] = ()) -> None:
        self._tables = {t.name: t for t in tables}
        self._partitions = partitions  # every row of these partitions is loaded
        self._stored: dict[str, set[tuple[Any, ...]]] = {t.name: set() for t in tables}
        self._rows: dict[str, dict[tuple[Any, ...], Row]] = {t.name: {} for t in tables}
        self._changed: dict[str, set[tuple[Any, ...]]] = {t.name: set() for t in tables}
        self._deleted: dict[str, set[tuple[Any, ...]]] = {t.name: set() for t in tables}
        # A row's key, read without a generator per call (a rebuild reads one or two an event).
        self._keys = {t.name: _key_reader(t.key) for t in tables}

    def _key(self, table: str, row: Row) -> tuple[Any, ...]:
        return self._keys[table](row)

    def loaded(self, table: str, rows: Sequence[Row]) -> None:
        for row in rows:
            key = self._key(table, row)
            self._rows[table][key] = row
            self._stored[table].add(key)

    def get(self, table: str, *key: Any) -> Row | None:
        return self._rows[table].get(tuple(key))

    def where(self, table: str, **match: Any) -> Iterator[Row]:
        for row in list(self._rows[table].values()):
            if all(row.get(k) == v for k, v in match.items()):
                yield row

    def put(self, table: str, row: Row) -> Row:
        key = self._key(table, row)
        self._rows[table][key] = row
        self._changed[table].add(key)
        self._deleted[table].discard(key)
        return row

    def touch(self, table: str, row: Row) -> None:
        """Mark a row returned by `get`/`where` as changed in place."""
        self._changed[table].add(self._key(table, row))

    def delete(self, table: str, *key: Any) -> None:
        self._rows[table].pop(tuple(key), None)
        self._changed[table].discard(tuple(key))
        self._deleted[table].add(tuple(key))

    def flush(self, cursor: Any, db: ViewDatabase, generation: int) -> None:
        """Write the changes back: deletes, then new rows (inserted), then changed ones (upserts).

        A row is new when no stored row has its key: its key holds the partition column and
        its partition's rows were all loaded, none with its key. Those rows are copied straight
        into the table, with no staging and no conflict check; in a rebuild, nearly all are.
        """
        for name, table in self._tables.items():
            db.delete(cursor, table, generation, sorted(self._deleted[name]))
            rows = [self._rows[name][key] for key in sorted(self._changed[name], key=str)]
            new: list[Row] = []
            if table.partition in table.key and self._partitions:
                stored, partitions, partition = (
                    self._stored[name],
                    self._partitions,
                    table.partition,
                )
                changed = []
                for row, key in zip(rows, map(partial(self._key, name), rows), strict=True):
                    value = row[partition]
                    if (
                        key not in stored
                        and (value if value.__class__ is str else str(value)) in partitions
                    ):
                        new.append(row)
                    else:
                        changed.append(row)
                rows = changed
            db.insert(cursor, table, generation, new)
            db.upsert(cursor, table, generation, rows)


def _key_reader(columns: Sequence[str]) -> Callable[[Row], tuple[Any, ...]]:
    """A function of a row returning the tuple of its `columns`' values (a key has one or more)."""
    if len(columns) == 1:
        [column] = columns
        return lambda row: (row[column],)
    read: Callable[[Row], tuple[Any, ...]] = itemgetter(*columns)
    return read
