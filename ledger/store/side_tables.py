"""Side tables beside the event store: complaint reference counters and idempotency records.

Neither holds personal data or history: the counters only ever grow, and an idempotency record
points at a version of a stored aggregate instead of copying the response it produced.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a first request with an idempotency key produced, or that it is still running."""

    fingerprint: str
    status: int | None  # None while the first request is still in progress
    result: str | None  # "kind:id:version" of the rendered resource, or a problem document


class SideTables:
    """SQL for the side tables, in the dialect of the event store's own datastore."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        self._datastore = datastore
        if isinstance(datastore, PostgresDatastore):
            self._p = "%s"
            schema = datastore.schema
            self._counters = f'"{schema}".ledger_reference_counters'
            self._idempotency = f'"{schema}".ledger_idempotency'
        else:
            self._p = "?"
            self._counters = "ledger_reference_counters"
            self._idempotency = "ledger_idempotency"

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
                "status INTEGER, result TEXT, started_at TEXT NOT NULL, "
                "PRIMARY KEY (scope, key))"
            )

    def next_number(self, kind: str, year: int) -> int:
        """The next number of a per-year sequence; numbers are never handed out twice."""
        p = self._p
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._counters} AS t (kind, year, last) VALUES ({p}, {p}, 1) "
                "ON CONFLICT (kind, year) DO UPDATE SET last = t.last + 1 RETURNING last",
                (kind, year),
            )
            row = c.fetchone()
        return int(row["last"])

    def issued_numbers(self, kind: str) -> list[tuple[int, int]]:
        """Every (year, number) handed out for `kind`, in order; a number may have no record."""
        p = self._p
        with self._cursor() as c:
            c.execute(
                f"SELECT year, last FROM {self._counters} WHERE kind = {p} ORDER BY year", (kind,)
            )
            rows = c.fetchall()
        return [(int(r["year"]), n) for r in rows for n in range(1, int(r["last"]) + 1)]

    def reserve_idempotency_key(
        self, *, scope: str, key: str, fingerprint: str, now: datetime, stale_after: timedelta
    ) -> IdempotencyRecord | None:
        """Claim `key` for a new request (None), or return what holds it already.

        A claim left in progress longer than `stale_after` (its process died) is taken over.
        """
        p = self._p
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._idempotency} (scope, key, fingerprint, started_at) "
                f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (scope, key) DO NOTHING RETURNING key",
                (scope, key, fingerprint, now.isoformat()),
            )
            if c.fetchone() is not None:
                return None
            c.execute(
                f"SELECT fingerprint, status, result, started_at FROM {self._idempotency} "
                f"WHERE scope = {p} AND key = {p}",
                (scope, key),
            )
            row = c.fetchone()
            record = IdempotencyRecord(row["fingerprint"], row["status"], row["result"])
            started = datetime.fromisoformat(row["started_at"])
            if record.status is None and now - started > stale_after:
                c.execute(
                    f"UPDATE {self._idempotency} SET started_at = {p}, fingerprint = {p} "
                    f"WHERE scope = {p} AND key = {p} AND status IS NULL AND started_at = {p} "
                    "RETURNING key",
                    (now.isoformat(), fingerprint, scope, key, row["started_at"]),
                )
                if c.fetchone() is not None:
                    return None
            return record

    def complete_idempotency_key(self, *, scope: str, key: str, status: int, result: str) -> None:
        p = self._p
        with self._cursor() as c:
            c.execute(
                f"UPDATE {self._idempotency} SET status = {p}, result = {p} "
                f"WHERE scope = {p} AND key = {p}",
                (status, result, scope, key),
            )

    def release_idempotency_key(self, *, scope: str, key: str) -> None:
        """Forget a claim whose request failed on our side, so that a retry can run."""
        p = self._p
        with self._cursor() as c:
            c.execute(
                f"DELETE FROM {self._idempotency} WHERE scope = {p} AND key = {p} "
                "AND status IS NULL",
                (scope, key),
            )
