"""Keyset pages of a view: each page is the rows after the last one shown, in one total order.

An order is a sort key and the row's unique id, ascending or descending. The page after a row is
`WHERE (key, id) > (its key, its id)`: with an index on (key, id) PostgreSQL reads the page and
nothing before it, at any depth, and rows arriving meanwhile never shift a page (as OFFSET would).
A key that may be empty (a due time, once every deadline is met) sorts after every time, as
`COALESCE(column, 'infinity')`: the very expression its index is built on
(`Table.expression_indexes`), or the planner would not use it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

# The largest page any list serves (docs/api.md, "Pages"): a page is read and rendered in one
# request; the next link fetches more.
MAX_PAGE_SIZE = 200

Key = list[Any]  # the sort key's value and the id of the last row of a page


def due_order(column: str) -> str:
    """The sort expression of a due time: empty sorts last (the expression indexes use it)."""
    return f"COALESCE({column}, 'infinity'::timestamptz)"


def overdue_filter(overdue: bool, column: str = "next_due") -> str:
    """A list's `overdue` filter on a due time (one parameter: now); no due time is not due."""
    clause = f"({column} IS NOT NULL AND {column} <= %s)"
    return clause if overdue else f"NOT {clause}"


@dataclass(frozen=True)
class Order:
    """A list's order: the column its key is read from, the unique id that ends ties."""

    column: str
    id: str
    descending: bool = False
    empty_last: bool = False  # the key may be NULL (a due time): sorted after every value

    def key_sql(self, prefix: str = "") -> str:
        column = f"{prefix}{self.column}"
        return due_order(column) if self.empty_last else column

    def after(self, key: Key, prefix: str = "") -> tuple[str, list[Any]]:
        """The condition for the rows after `key`, and its parameters."""
        op = "<" if self.descending else ">"
        value = due_order("%s::timestamptz") if self.empty_last else "%s"
        return f"({self.key_sql(prefix)}, {prefix}{self.id}) {op} ({value}, %s)", list(key)

    def sql(self, prefix: str = "") -> str:
        way = " DESC" if self.descending else ""
        return f"ORDER BY {self.key_sql(prefix)}{way}, {prefix}{self.id}{way}"

    def key_of(self, row: Row) -> Key:
        return [row[self.column], row[self.id]]


def page(
    db: ViewDatabase,
    table: Table,
    generation: int,
    *,
    columns: Sequence[str],
    where: Sequence[str],
    params: Sequence[Any],
    order: Order,
    after: Key | None,
    limit: int,
) -> tuple[list[Row], Key | None]:
    """Up to `limit` rows after `after` in `order`, and the key of the last one if more follow."""
    clauses, values = list(where), list(params)
    if after is not None:
        clause, more_values = order.after(after)
        clauses.append(clause)
        values.extend(more_values)
    statement = f"SELECT {', '.join(columns)} FROM {db.physical(table, generation)}"
    if clauses:
        statement += " WHERE " + " AND ".join(clauses)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    statement += f" {order.sql()} LIMIT %s"
    values.append(limit + 1)  # one more than the page says whether a next page exists
    rows = db.select(table, statement, values, columns=columns)
    return rows[:limit], order.key_of(rows[limit - 1]) if len(rows) > limit else None
