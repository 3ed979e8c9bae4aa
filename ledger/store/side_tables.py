"""Side tables beside the event store: complaint reference counters and idempotency records.

Neither holds personal data or history: the counters only ever grow, and an idempotency record
points at a version of a stored aggregate instead of copying the response it produced.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.errors import ClaimLostError
from ledger.store.claims import Completion


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a first request with an idempotency key produced, or that it is still running."""

    fingerprint: str
    status: int | None  # None while the first request is still in progress
    result: str | None  # "kind:id:version" of the rendered resource, or a problem document
    lease_ends: datetime | None = None  # when a claim in progress may be taken over


class SideTables:
    """SQL for the side tables, in the event store's own schema."""

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
                "status INTEGER, result TEXT, started_at TEXT NOT NULL, "
                "token TEXT, owner TEXT, PRIMARY KEY (scope, key))"
            )
            # Tables made before claims carried a fencing token and a holder.
            for column in ("token", "owner"):
                c.execute(f"ALTER TABLE {self._idempotency} ADD COLUMN IF NOT EXISTS {column} TEXT")

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

    def reserve_idempotency_key(
        self,
        *,
        scope: str,
        key: str,
        fingerprint: str,
        now: datetime,
        lease: timedelta,
        token: str,
        owner: str,
        holder_is_dead: Callable[[str, str], bool],
    ) -> IdempotencyRecord | None:
        """Claim `key` for a new request under `token` (None), or return what holds it already.

        A claim still in progress is taken over when its holder is dead or its lease ran out;
        the takeover changes the token, which fences the old holder out (`ledger.store.claims`).
        """
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._idempotency} "
                "(scope, key, fingerprint, started_at, token, owner) "
                f"VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (scope, key) DO NOTHING RETURNING key",
                (scope, key, fingerprint, now.isoformat(), token, owner),
            )
            if c.fetchone() is not None:
                return None
            c.execute(
                f"SELECT fingerprint, status, result, started_at, token, owner "
                f"FROM {self._idempotency} WHERE scope = %s AND key = %s",
                (scope, key),
            )
            row = c.fetchone()
            started = datetime.fromisoformat(row["started_at"])
            record = IdempotencyRecord(
                row["fingerprint"], row["status"], row["result"], started + lease
            )
            if record.status is not None or record.fingerprint != fingerprint:
                return record
            expired = now - started > lease
            if expired or holder_is_dead(row["owner"] or "", row["token"] or ""):
                c.execute(
                    f"UPDATE {self._idempotency} SET started_at = %s, token = %s, owner = %s "
                    f"WHERE scope = %s AND key = %s AND status IS NULL "
                    # A claim made before tokens existed has none; NULL never equals.
                    "AND coalesce(token, '') = coalesce(%s, '') RETURNING key",
                    (now.isoformat(), token, owner, scope, key, row["token"]),
                )
                if c.fetchone() is not None:
                    return None
            return record

    def complete_in(self, cursor: Any, completion: Completion) -> None:
        """Complete a claim inside the caller's transaction; ClaimLostError if it is not ours.

        Called by the recorders in the events' own transaction, before the events are inserted:
        raising here rolls the whole transaction back. A second save of the same request
        overwrites the first one's answer; only a takeover (a new token) makes the claim lost.
        """
        cursor.execute(
            f"UPDATE {self._idempotency} SET status = %s, result = %s "
            f"WHERE scope = %s AND key = %s AND token = %s RETURNING key",
            (
                completion.status,
                completion.result,
                completion.scope,
                completion.key,
                completion.token,
            ),
        )
        if cursor.fetchone() is None:
            raise ClaimLostError(
                "this Idempotency-Key was taken over by a retry; nothing was stored"
            )

    def complete_idempotency_key(
        self, *, scope: str, key: str, token: str, status: int, result: str
    ) -> None:
        """Record the answer the request gave (it holds the claim, or its save completed it)."""
        with self._cursor() as c:
            c.execute(
                f"UPDATE {self._idempotency} SET status = %s, result = %s "
                f"WHERE scope = %s AND key = %s AND token = %s",
                (status, result, scope, key, token),
            )

    def release_idempotency_key(self, *, scope: str, key: str, token: str) -> None:
        """Forget a claim whose request failed on our side before any save completed it."""
        with self._cursor() as c:
            c.execute(
                f"DELETE FROM {self._idempotency} WHERE scope = %s AND key = %s "
                f"AND token = %s AND status IS NULL",
                (scope, key, token),
            )
