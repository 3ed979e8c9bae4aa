"""View tables as declared by the read models: columns and their PostgreSQL types, keys, indexes.

A table's physical name carries its generation (`<table>_g<n>`): a rebuild fills generation n+1
beside the live one (see projections/engine/viewdb.py).
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

# A column's kind, as the read models declare it: its PostgreSQL type.
KINDS = {
    "text": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
    "time": "timestamptz",
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
    # (name, SQL of its columns) for indexes on expressions, e.g. a due time sorted empty-last
    expression_indexes: tuple[tuple[str, str], ...] = ()

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

    def create_statement(self, physical: str) -> str:
        columns = ", ".join(f"{name} {KINDS[kind]}" for name, kind in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS {physical} ({columns}, "
            f"PRIMARY KEY ({', '.join(self.key)}))"
        )

    def load_index_statements(self, physical: str, generation: int) -> list[str]:
        """The index batches load rows by, where the primary key does not lead with the partition
        column: made with the table, also by a rebuild (which leaves the others to the end),
        since without it every batch reads the whole table (quadratic in a rebuild)."""
        if self.key[0] == self.partition:
            return []
        return [
            f'CREATE INDEX IF NOT EXISTS "{self.name}_g{generation}_by_{self.partition}" '
            f"ON {physical} ({self.partition})"
        ]

    def index_statements(self, physical: str, generation: int) -> list[str]:
        return [
            f'CREATE INDEX IF NOT EXISTS "{self.name}_g{generation}_by_{"_".join(columns)}" '
            f"ON {physical} ({', '.join(columns)})"
            for columns in self.indexes
        ] + [
            f'CREATE INDEX IF NOT EXISTS "{self.name}_g{generation}_by_{name}" '
            f"ON {physical} ({expression})"
            for name, expression in self.expression_indexes
        ]


def tracking_name(name: str, generation: int) -> str:
    """The application name a projection's generation tracks its position under."""
    return f"projection.{name}.g{generation}"


def tracking_name_sql(name: str, generation: str) -> str:
    """`tracking_name` as an SQL expression over a name and a generation column."""
    return f"'projection.' || {name} || '.g' || {generation}"
