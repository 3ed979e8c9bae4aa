"""Side tables beside the event store: complaint reference counters and idempotency records.

Neither holds personal data or history: the counters only ever grow, and an idempotency record
points at a version of a stored aggregate instead of copying the response it produced.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.errors import DuplicateRequestError
from ledger.store.idempotency import Completion


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a first request with an idempotency key produced, or that it is still running."""

    fingerprint: str
    status: int | None  # None only in a record left by an older version in progress
    result: str | None  # "kind:id:version", a problem or a body; None until it is known
    recorded_at: datetime | None = None


class SideTables:
    """SQL for the side tables, in the dialect of the event store's own datastore."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        schema = datastore.schema
        self._counters = f'"{schema}".ledger_reference_counters'
        self._idempotency = f'"{schema}".ledger_idempotency'

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._datastore.transaction(commit=True) as cursor:
            yield cursor

    def create(self) -> None:
        with self._cursor() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._counters} ("
                "kind TEXT NOT NULL, year INTEGER NOT NULL, last BIGINT NOT NULL, "
                "PRIMARY KEY (kind, year))"
            )
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._idempotency} ("
                "scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                "status INTEGER, result TEXT, started_at TEXT NOT NULL, PRIMARY KEY (scope, key))"
            )

    def next_number(self, kind: str, year: int) -> int:
        """The next number of a per-year sequence; numbers are never handed out twice."""
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._counters} AS t (kind, year, last) VALUES (%s, %s, 1) "
                "ON CONFLICT (kind, year) DO UPDATE SET last = t.last + 1 RETURNING last",
                (kind, year),
            )
            row = c.fetchone()
        return int(row["last"])

    def issued_numbers(self, kind: str) -> list[tuple[int, int]]:
        """Every (year, number) handed out for `kind`, in order; a number may have no record."""
        with self._cursor() as c:
            c.execute(
                f"SELECT year, last FROM {self._counters} WHERE kind = %s ORDER BY year", (kind,)
            )
            rows = c.fetchall()
        return [(int(r["year"]), n) for r in rows for n in range(1, int(r["last"]) + 1)]

    def find_idempotency_record(self, *, scope: str, key: str) -> IdempotencyRecord | None:
        """What the first request with `key` recorded, if one did."""
        with self._cursor() as c:
            c.execute(
                f"SELECT fingerprint, status, result, started_at FROM {self._idempotency} "
                f"WHERE scope = %s AND key = %s",
                (scope, key),
            )
            row = c.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(
            row["fingerprint"],
            row["status"],
            row["result"],
            datetime.fromisoformat(row["started_at"]),
        )

    def complete_in(self, cursor: Any, completion: Completion) -> None:
        """Record a key inside the caller's transaction; DuplicateRequestError if it is taken.

        Called by the recorders in the events' own transaction, before the events are inserted:
        raising here rolls the whole transaction back. A concurrent insert of the same key
        waits for the other transaction and then finds the key taken.
        """
        c = completion
        if not c.first:
            cursor.execute(
                f"UPDATE {self._idempotency} SET status = %s, result = %s "
                f"WHERE scope = %s AND key = %s",
                (c.status, c.result, c.scope, c.key),
            )
            return
        cursor.execute(
            f"INSERT INTO {self._idempotency} "
            "(scope, key, fingerprint, status, result, started_at) "
            f"VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (scope, key) DO NOTHING RETURNING key",
            (c.scope, c.key, c.fingerprint, c.status, c.result, c.at),
        )
        if cursor.fetchone() is None:
            raise DuplicateRequestError(
                "another request with this Idempotency-Key was stored first; nothing was stored"
            )

    def record_answer(self, completion: Completion) -> None:
        """Record the answer a request gave: set it on the record its save wrote (`first` is
        False), or write the record of a request that saved nothing, unless one exists."""
        c = completion
        with self._cursor() as cursor:
            if not c.first:
                cursor.execute(
                    f"UPDATE {self._idempotency} SET status = %s, result = %s "
                    f"WHERE scope = %s AND key = %s",
                    (c.status, c.result, c.scope, c.key),
                )
                return
            cursor.execute(
                f"INSERT INTO {self._idempotency} "
                "(scope, key, fingerprint, status, result, started_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (scope, key) DO NOTHING",
                (c.scope, c.key, c.fingerprint, c.status, c.result, c.at),
            )
