"""The audit log: who did or read what, when, with what result — append-only and hash-chained.

One log for operations and reveals of personal data alike. One row per request: time, staff id,
role, operation, target, result (allowed or refused) and HTTP status, request id, and the
persons' fields it revealed (`reveals`, the access log's facts: ledger/audit/access_log.py reads
them back from here). The database refuses UPDATE, DELETE (and TRUNCATE) of a row. Beyond
that, row `n` carries `hash = SHA-256(its content, hash of row n-1)`, so `verify()` finds a row
altered, removed or slipped in even by someone who can disable the triggers (a superuser);
`head()` — the count and the last hash — is what a signed checkpoint pins, so that truncating
the tail is caught too.

Rows are kept at least `RETENTION_FLOOR` (183 days), then the retention run purges the oldest
(`purge()`, ledger/audit/log_purge.py): in one transaction it appends a chained purge row — the
range, the cut-off, the rule, the run, and the last row removed, verbatim, whose hash is the
*anchor* — records the purge in the purge table (which the DELETE trigger reads) and deletes that
prefix. `verify()` (ledger/audit/log_verify.py) starts from the anchor, and checks the purge
against its chained row and the floor; `ledger verify` runs it against the heads signed into
every checkpoint.
"""

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Final

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore
from psycopg.types.json import Jsonb

from ledger.audit.log_rows import (
    _STORED,
    GENESIS,
    RETENTION_FLOOR,
    Head,
    LogEntry,
    LoggedOperation,
    Operation,
    OperationLogError,
    _logged,
    _text,
    reveals_text,
)
from ledger.audit.log_table import create_table
from ledger.audit.purges import OPERATION_LOG, Purge, PurgeTable
from ledger.audit.records import Access, Verification
from ledger.store.appending import AUDIT_APPEND_FUNCTION
from ledger.store.group_commit import GroupCommit
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor

# The log's public surface: the row types live in `log_rows`, the table in `log_table`.
__all__ = [
    "GENESIS",
    "RETENTION_FLOOR",
    "Head",
    "LoggedOperation",
    "Operation",
    "OperationLog",
    "OperationLogError",
]

_ATTEMPTS: Final = 20


class OperationLog:
    """The audit log table, in the ledger's own database."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        retention: timedelta = RETENTION_FLOOR,
        access_log: Any = None,  # kept for callers: reveals are rows of this log now
    ) -> None:
        if retention < RETENTION_FLOOR:
            raise OperationLogError(
                f"operation logs are kept at least {RETENTION_FLOOR.days} days, "
                f"not {retention.days}"
            )
        self.retention = retention
        self._datastore = datastore
        self._lock = threading.Lock()  # held by the one thread writing the chain's head
        # Appends arriving together are written together (`ledger.store.group_commit`).
        self._group: GroupCommit[LogEntry, LoggedOperation] = GroupCommit(self._write)
        with self._cursor() as c:
            serialise_schema_changes(c)
            self.purge_table = PurgeTable(c, schema=datastore.schema)
        self.table = create_table(self._datastore, self.purge_table)
        self.append_statement = (
            "SELECT row_seq, row_prev, row_hash "
            f'FROM "{datastore.schema}".{AUDIT_APPEND_FUNCTION}(%s)'
        )

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._datastore.transaction(commit=True) as cursor:
            yield cursor

    def append(self, operation: Operation, accesses: Sequence[Access] = ()) -> LoggedOperation:
        """Add a row at the head of the chain; return once it is committed.

        Appends arriving together are written together, through the same group commit as
        the ledger's saves (`ledger.store.group_commit`): one transaction and one table lock
        for the batch, each row chained by the table's trigger; each caller returns only after
        its own row is durable, in the order the batch chained them. `accesses` (the personal
        data the request revealed) are part of the row itself, under its hash.
        """
        return self._group.submit(LogEntry(operation, accesses))

    def _write(self, batch: Sequence[LogEntry]) -> list[LoggedOperation]:
        """One transaction for the whole batch, chained onto the stored head; its rows."""
        for _ in range(_ATTEMPTS):
            try:
                with self._lock, self._cursor() as c:
                    return self.chain(c, batch)
            except IntegrityError:
                continue  # a row written without the lock took the number: chain after it
        raise IntegrityError("could not append to the operation log")

    def chain(self, c: Any, batch: Sequence[LogEntry]) -> list[LoggedOperation]:
        """Lock the table and insert `batch` in `c`'s transaction, each row chained onto the
        head by the table's trigger (ledger/audit/log_table.py); the rows as logged."""
        c.execute(self.append_statement, (self.entries(batch),), prepare=True)
        stored = sorted(c.fetchall(), key=lambda row: int(row["row_seq"]))
        return [
            LoggedOperation(
                **entry.operation.__dict__,
                seq=int(row["row_seq"]),
                prev_hash=str(row["row_prev"]),
                hash=str(row["row_hash"]),
                reveals=reveals_text(entry.accesses),
            )
            for entry, row in zip(batch, stored, strict=True)
        ]

    @staticmethod
    def entries(batch: Sequence[LogEntry]) -> Jsonb:
        """`batch` as the append function takes it: one JSON array of values per entry."""
        return Jsonb(
            [
                [
                    _text(entry.operation.at),
                    entry.operation.request_id,
                    entry.operation.staff_id,
                    entry.operation.role,
                    entry.operation.operation,
                    entry.operation.target,
                    entry.operation.result,
                    entry.operation.status,
                    reveals_text(entry.accesses),
                    entry.operation.token_id,
                ]
                for entry in batch
            ]
        )

    def head(self) -> Head:
        with reading_cursor(self._datastore) as c:
            c.execute(f"SELECT seq, hash FROM {self.table} ORDER BY seq DESC LIMIT 1")
            last = c.fetchone()
        return Head(int(last["seq"]), str(last["hash"])) if last else Head(0, GENESIS)

    def anchor(self) -> Head | None:
        """The latest purge's last row number and hash (what `verify` starts from), if any."""
        with reading_cursor(self._datastore) as c:
            purge = self.purge_table.latest(c, OPERATION_LOG)
        return None if purge is None else Head(purge.up_to, purge.anchor_hash)

    def purges(self) -> list[Purge]:
        with reading_cursor(self._datastore) as c:
            return self.purge_table.all(c, OPERATION_LOG)

    def purge(self, *, cutoff: datetime, policy: str, run_id: str, at: datetime) -> Purge | None:
        """Delete the rows older than `cutoff` (never past the floor), as a chained purge row
        records; None when there is nothing to purge (ledger/audit/log_purge.py)."""
        from ledger.audit.log_purge import purge

        return purge(self, cutoff=cutoff, policy=policy, run_id=run_id, at=at)

    def query(
        self,
        *,
        staff_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        target: str | None = None,
        before: int | None = None,
        limit: int = 100,
        where: Sequence[tuple[str, Any]] = (),
    ) -> list[LoggedOperation]:
        """Newest first; `before` (a seq) pages back through older rows."""
        clauses, params = ["1 = 1"], []
        for clause, value in (
            ("staff_id = %s", staff_id),
            ("at >= %s", _text(since) if since else None),
            ("at < %s", _text(until) if until else None),
            ("target = %s", target),
            ("seq < %s", before),
            *where,
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT {_STORED} FROM {self.table} "
                f"WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT %s",
                (*params, limit),
            )
            return [_logged(r) for r in c.fetchall()]

    def stored_rows(self, after: int = 0, batch: int = 1000) -> Iterator[Mapping[str, Any]]:
        """Every stored row after `after` in chain order, as stored, read in batches."""
        while True:
            with reading_cursor(self._datastore) as c:
                c.execute(
                    f"SELECT {_STORED} FROM {self.table} WHERE seq > %s ORDER BY seq LIMIT %s",
                    (after, batch),
                )
                found = [dict(r) for r in c.fetchall()]
            yield from found
            if len(found) < batch:
                return
            after = int(found[-1]["seq"])

    def verify(
        self,
        *,
        expected: Head | Sequence[Head] | None = None,
        signed_at: Mapping[int, datetime] | None = None,
    ) -> Verification:
        """Recompute the chain from the latest anchor; check the purges and, with `expected`
        (heads signed into checkpoints), the heads (ledger/audit/log_verify.py); `signed_at`,
        the earliest time each head count was signed, bounds each purge's time."""
        from ledger.audit.log_verify import verify

        heads = [] if expected is None else [expected] if isinstance(expected, Head) else expected
        return verify(self, list(heads), signed_at or {})
