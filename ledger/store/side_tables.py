"""Side tables beside the event store: case reference counters and idempotency records.

Neither holds personal data or history: the counters only ever grow, and an idempotency record
points at a version of a stored aggregate instead of copying the response it produced.

A counter moves only in the transaction of the events that use its number (`NumberClaim`,
written by the recorders like an idempotency record): a registration refused before or at its
save, or a process killed before the commit, takes no number, so the references of a year are
contiguous and a gap can only mean something was removed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore

from ledger.errors import DuplicateRequestError
from ledger.store.idempotency import Completion
from ledger.store.number_lease import NumberLease
from privacy.db.single_reads import select_rows


@dataclass(frozen=True, order=True)
class NumberClaim:
    """A save's claim on the next number of a per-year sequence: `number` must follow the last."""

    kind: str
    year: int
    number: int


class NumberTakenError(IntegrityError):
    """Another save took the number first (or the counter is not where the claim read it)."""

    def __init__(self, message: str, claim: NumberClaim) -> None:
        super().__init__(message)
        self.claim = claim


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

    def lease(self, kind: str, year: int) -> NumberLease:
        """The sequence's turn among processes (ledger/store/number_lease.py)."""
        return NumberLease(self._datastore, kind, year)

    def current_number(self, kind: str, year: int) -> int:
        """The last number of a per-year sequence a committed save claimed; 0 before the first.
        One statement on its own (`select_rows`): no BEGIN and COMMIT round trips around it on
        every registration."""
        rows = select_rows(
            self._datastore,
            f"SELECT last FROM {self._counters} WHERE kind = %s AND year = %s",
            (kind, year),
        )
        return 0 if not rows else int(rows[0]["last"])

    def claim_in(self, cursor: Any, claim: NumberClaim) -> None:
        """Advance the counter to `claim.number` inside the caller's transaction, if it is the
        next one; `NumberTakenError` otherwise, which rolls the whole save back.

        A compare-and-set: a concurrent claim of the same number waits for the other
        transaction and then finds the counter moved (or, for a year's first number, the row
        inserted).
        """
        if claim.number == 1:
            cursor.execute(
                f"INSERT INTO {self._counters} (kind, year, last) VALUES (%s, %s, 1) "
                "ON CONFLICT (kind, year) DO NOTHING RETURNING last",
                (claim.kind, claim.year),
            )
        else:
            cursor.execute(
                f"UPDATE {self._counters} SET last = %s "
                "WHERE kind = %s AND year = %s AND last = %s RETURNING last",
                (claim.number, claim.kind, claim.year, claim.number - 1),
            )
        if cursor.fetchone() is None:
            raise NumberTakenError(
                f"{claim.kind}-{claim.year} number {claim.number} is no longer the next one", claim
            )

    def advance_past(self, kind: str, year: int, number: int) -> None:
        """Move a counter that is behind a stored record (say, restored from an older backup)
        up to that record's number; never backwards."""
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._counters} AS t (kind, year, last) VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, year) DO UPDATE SET last = GREATEST(t.last, EXCLUDED.last)",
                (kind, year, number),
            )

    def issued_numbers(self, kind: str) -> list[tuple[int, int]]:
        """Every (year, number) a save of `kind` claimed, in order.

        Every such number has its record, except numbers skipped by versions that took a number
        before saving (and so lost it when the save was refused)."""
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
