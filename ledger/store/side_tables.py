"""Side tables beside the event store: case reference counters and idempotency records.

Neither holds personal data or history: the counters only ever grow, and an idempotency record
points at a version of a stored aggregate instead of copying the response it produced.

A counter moves only in the transaction of the events that use its number (`NumberClaim`,
written by the recorders like an idempotency record): a registration refused before or at its
save, or a process killed before the commit, takes no number, so the references of a year are
contiguous and a gap can only mean something was removed.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore
from psycopg.types.json import Jsonb

from ledger.errors import DuplicateRequestError
from ledger.store.idempotency import Completion
from ledger.store.number_lease import NumberLease
from privacy.db.schema_in_place import apply_schema
from privacy.db.schema_lock import serialise_schema_changes
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


# The side records' function, which the events' append function calls, and the SQLSTATEs by
# which it refuses a save (ledger/store/committing.py turns them back into errors).
RECORDS_FUNCTION: Final = "ledger_side_records"
TAKEN_KEY_STATE: Final = "LDG02"
TAKEN_NUMBER_STATE: Final = "LDG03"


def side_records(completions: Sequence[Completion], claims: Sequence[NumberClaim]) -> Any:
    """A save's idempotency records and claims as the function takes them (NULL for none)."""
    return (
        Jsonb([asdict(c) for c in completions]) if completions else None,
        Jsonb([asdict(c) for c in claims]) if claims else None,
    )


def refusal(sqlstate: str | None, detail: str) -> Exception | None:
    """The error a save refused by the side records' function raises; None for another."""
    if sqlstate == TAKEN_KEY_STATE:
        return DuplicateRequestError(
            "another request with this Idempotency-Key was stored first; nothing was stored",
            key=_taken_key(detail),
        )
    if sqlstate == TAKEN_NUMBER_STATE:
        kind, year, number = detail.rsplit(" ", 2)
        claim = NumberClaim(kind, int(year), int(number))
        return NumberTakenError(f"{kind}-{year} number {number} is no longer the next one", claim)
    return None


def _taken_key(detail: str) -> tuple[str, str] | None:
    """The (scope, key) a refusal names; None from a function of an older version (no detail)."""
    try:
        named = json.loads(detail)
    except ValueError:
        return None
    if isinstance(named, list) and len(named) == 2 and all(isinstance(n, str) for n in named):
        return named[0], named[1]
    return None


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
            serialise_schema_changes(c)
            apply_schema(
                c,
                [
                    f"CREATE TABLE IF NOT EXISTS {self._counters} ("
                    "kind TEXT NOT NULL, year INTEGER NOT NULL, last BIGINT NOT NULL, "
                    "PRIMARY KEY (kind, year))",
                    f"CREATE TABLE IF NOT EXISTS {self._idempotency} ("
                    "scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                    "status INTEGER, result TEXT, started_at TEXT NOT NULL, "
                    "PRIMARY KEY (scope, key))",
                    self._records_function(),
                ],
            )

    def _records_function(self) -> str:
        """CREATE FUNCTION: write a save's idempotency records, then advance the counters its
        claims name, refusing the save (`TAKEN_KEY_STATE`, `TAKEN_NUMBER_STATE`) if a key is
        taken or a number is no longer the next one.

        Called by the events' append function first, before any table lock (ledger/store/
        appending.py): a concurrent duplicate waits on the key's row, and a concurrent claim of
        the same number waits for the other transaction, then finds the counter moved (or, for
        a year's first number, the row inserted). Records and claims go in ascending order (of
        code points, whatever the database's collation): a batch claiming n and n + 1 advances
        the counter twice, and two transactions lock the same rows in one order, so they cannot
        deadlock.
        """
        return (
            f'CREATE OR REPLACE FUNCTION "{self._datastore.schema}".{RECORDS_FUNCTION}('
            "completions jsonb, claims jsonb) RETURNS void LANGUAGE plpgsql AS $$ "
            "DECLARE r record; BEGIN "
            "FOR r IN SELECT * FROM jsonb_to_recordset(coalesce(completions, '[]')) AS x("
            "scope text, key text, fingerprint text, status integer, result text, at text, "
            'first boolean) ORDER BY scope COLLATE "C", key COLLATE "C" LOOP '
            f"IF NOT r.first THEN UPDATE {self._idempotency} SET status = r.status, "
            "result = r.result WHERE scope = r.scope AND key = r.key; CONTINUE; END IF; "
            f"INSERT INTO {self._idempotency} (scope, key, fingerprint, status, result, "
            "started_at) VALUES (r.scope, r.key, r.fingerprint, r.status, r.result, r.at) "
            "ON CONFLICT (scope, key) DO NOTHING; "
            "IF NOT FOUND THEN RAISE EXCEPTION 'the idempotency key is taken' "
            f"USING ERRCODE = '{TAKEN_KEY_STATE}', "
            "DETAIL = json_build_array(r.scope, r.key)::text; END IF; END LOOP; "
            "FOR r IN SELECT * FROM jsonb_to_recordset(coalesce(claims, '[]')) AS x("
            "kind text, year integer, number bigint) "
            'ORDER BY kind COLLATE "C", year, number LOOP '
            f"IF r.number = 1 THEN INSERT INTO {self._counters} (kind, year, last) "
            "VALUES (r.kind, r.year, 1) ON CONFLICT (kind, year) DO NOTHING; "
            f"ELSE UPDATE {self._counters} SET last = r.number "
            "WHERE kind = r.kind AND year = r.year AND last = r.number - 1; END IF; "
            "IF NOT FOUND THEN RAISE EXCEPTION 'the reference number is taken' "
            f"USING ERRCODE = '{TAKEN_NUMBER_STATE}', "
            "DETAIL = concat_ws(' ', r.kind, r.year, r.number); END IF; END LOOP; "
            "END $$"
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
        rows = select_rows(
            self._datastore,
            f"SELECT year, last FROM {self._counters} WHERE kind = %s ORDER BY year",
            (kind,),
        )
        return [(int(r["year"]), n) for r in rows for n in range(1, int(r["last"]) + 1)]

    def find_idempotency_record(self, *, scope: str, key: str) -> IdempotencyRecord | None:
        """What the first request with `key` recorded, if one did."""
        rows = select_rows(
            self._datastore,
            f"SELECT fingerprint, status, result, started_at FROM {self._idempotency} "
            f"WHERE scope = %s AND key = %s",
            (scope, key),
        )
        if not rows:
            return None
        row = rows[0]
        return IdempotencyRecord(
            row["fingerprint"],
            row["status"],
            row["result"],
            datetime.fromisoformat(row["started_at"]),
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
