"""The operation log: who did or read what, when, with what result — append-only and hash-chained.

One row per request: time, staff id, role, operation, target, result (allowed or refused) and
HTTP status, request id. The database refuses UPDATE, DELETE (and TRUNCATE) of a row. Beyond
that, row `n` carries `hash = SHA-256(its content, hash of row n-1)`, so `verify()` finds a row
altered, removed or slipped in even by someone who can disable the triggers (a superuser);
`head()` — the count and the last hash — is what a signed checkpoint pins, so that truncating
the tail is caught too.

Rows are kept at least `RETENTION_FLOOR` (six months), then the retention run purges the oldest
(`purge()`): it records the purge — the range, the rule, the run, and the hash of the last row
removed, the *anchor* — and deletes that prefix in one transaction; the triggers refuse any
DELETE no purge covers. `verify()` starts from the latest anchor instead of the genesis hash, so
the rest of the chain stays checkable and a row removed or altered after the anchor is still
found; `anchor()` is signed into checkpoints beside the head.
"""

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, NamedTuple

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore

from ledger.audit.access_log import Access, AccessLog
from ledger.audit.purges import OPERATION_LOG, Purge, PurgeTable
from ledger.store.group_commit import GroupCommit
from privacy.db.schema_lock import serialise_schema_changes

REFUSAL: Final = "the operation log is append-only"
GENESIS: Final = "0" * 64
RETENTION_FLOOR: Final = timedelta(days=183)
_COLUMNS: Final = "seq, at, request_id, staff_id, role, operation, target, result, status"
_SELECTED: Final = f"{_COLUMNS}, token_id"
_ATTEMPTS: Final = 20
_HASHED: Final = (*(c.strip() for c in _COLUMNS.split(",")), "prev_hash")


class OperationLogError(ValueError):
    """A setting of the operation log that is not allowed (a retention below the floor)."""


@dataclass(frozen=True)
class Operation:
    """One request as the log records it."""

    at: datetime
    request_id: str
    staff_id: str
    role: str
    operation: str
    target: str
    result: str  # "allowed" or "refused"
    status: int
    token_id: str | None = None  # the token the caller presented (None: none was valid)


@dataclass(frozen=True)
class LoggedOperation(Operation):
    seq: int = 0
    prev_hash: str = GENESIS
    hash: str = ""


@dataclass(frozen=True)
class Head:
    """How many rows the chain has and the hash of its last row: what a checkpoint signs."""

    count: int
    hash: str


@dataclass(frozen=True)
class Verification:
    count: int  # the chain's length (its last row's number), purged rows included
    head: str
    problems: list[str] = field(default_factory=list)
    purged: int = 0  # rows before the anchor, removed under retention

    @property
    def intact(self) -> bool:
        return not self.problems


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over a stored row's content and the previous row's hash."""
    content = [row[name] for name in _HASHED]
    if row.get("token_id") is not None:  # rows from before tokens were named hash as they did
        content.append(row["token_id"])
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


class _Entry(NamedTuple):
    """One caller's append: its operation and the reveals recorded with it."""

    operation: Operation
    accesses: Sequence[Access]


class OperationLog:
    """The operation log table, in the ledger's own database."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        retention: timedelta = RETENTION_FLOOR,
        access_log: AccessLog | None = None,
    ) -> None:
        if retention < RETENTION_FLOOR:
            raise OperationLogError(
                f"operation logs are kept at least {RETENTION_FLOOR.days} days, "
                f"not {retention.days}"
            )
        self.retention = retention
        self._datastore = datastore
        self._access_log = access_log
        self._lock = threading.Lock()  # held by the one thread writing the chain's head
        # Appends arriving together are written together (`ledger.store.group_commit`).
        self._group: GroupCommit[_Entry, LoggedOperation] = GroupCommit(self._write)
        columns = (
            "seq BIGINT PRIMARY KEY, at TEXT NOT NULL, request_id TEXT NOT NULL, "
            "staff_id TEXT NOT NULL, role TEXT NOT NULL, operation TEXT NOT NULL, "
            "target TEXT NOT NULL, result TEXT NOT NULL, status INTEGER NOT NULL, "
            "prev_hash TEXT NOT NULL, hash TEXT NOT NULL"
        )
        with self._cursor() as c:
            serialise_schema_changes(c)
            schema = datastore.schema
            self._purges = PurgeTable(c, schema=schema)
        horizon = self._purges.horizon(OPERATION_LOG)
        schema = datastore.schema
        self._table = f'"{schema}".ledger_operation_log'
        function = f'"{schema}".ledger_operation_log_refuse()'
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self._table} ({columns})",
            f"ALTER TABLE {self._table} ADD COLUMN IF NOT EXISTS token_id TEXT",
            f"CREATE OR REPLACE FUNCTION {function} RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'DELETE' THEN IF OLD.seq <= {horizon} THEN RETURN OLD; "
            "END IF; END IF; "
            f"RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; "
            "END $$",
            "CREATE OR REPLACE TRIGGER ledger_operation_log_refuse BEFORE UPDATE OR DELETE "
            f"ON {self._table} FOR EACH ROW EXECUTE FUNCTION {function}",
            "CREATE OR REPLACE TRIGGER ledger_operation_log_refuse_truncate BEFORE TRUNCATE "
            f"ON {self._table} FOR EACH STATEMENT EXECUTE FUNCTION {function}",
        ]
        with self._cursor() as c:
            serialise_schema_changes(c)
            for statement in statements:
                c.execute(statement)

    @contextmanager
    def _cursor(self, *, commit: bool = True) -> Iterator[Any]:
        with self._datastore.transaction(commit=commit) as cursor:
            yield cursor

    def append(self, operation: Operation, accesses: Sequence[Access] = ()) -> LoggedOperation:
        """Add a row at the head of the chain; return once it is committed.

        Appends arriving together are written together, through the same group commit as
        the ledger's saves (`ledger.store.group_commit`): one transaction, one table lock and
        one read of the head for the batch; each caller returns only after its own row is
        durable, in the order the batch chained them. `accesses` (the personal data the
        request revealed) go into the access log in the same transaction, so a request's
        reveals cost no commit of their own and are never recorded without its operation,
        nor it without them.
        """
        if accesses and self._access_log is None:
            raise ValueError("this operation log was built without the access log")
        return self._group.submit(_Entry(operation, accesses))

    def _write(self, batch: Sequence[_Entry]) -> list[LoggedOperation]:
        """One transaction for the whole batch, chained onto the stored head; its rows."""
        statement = (
            f"INSERT INTO {self._table} ({_COLUMNS}, prev_hash, hash, token_id) "
            f"VALUES ({', '.join(['%s'] * 12)})"
        )
        for _ in range(_ATTEMPTS):
            logged: list[LoggedOperation] = []
            try:
                with self._lock, self._cursor() as c:
                    c.execute(f"LOCK TABLE {self._table} IN EXCLUSIVE MODE")
                    c.execute(f"SELECT seq, hash FROM {self._table} ORDER BY seq DESC LIMIT 1")
                    last = c.fetchone()
                    seq = int(last["seq"]) if last else 0
                    prev = str(last["hash"]) if last else GENESIS
                    rows = []
                    for entry in batch:
                        operation = entry.operation
                        seq += 1
                        row = {
                            "seq": seq,
                            "at": _text(operation.at),
                            "request_id": operation.request_id,
                            "staff_id": operation.staff_id,
                            "role": operation.role,
                            "operation": operation.operation,
                            "target": operation.target,
                            "result": operation.result,
                            "status": operation.status,
                            "prev_hash": prev,
                        }
                        digest = row_hash(row | {"token_id": operation.token_id})
                        rows.append((*row.values(), digest, operation.token_id))
                        logged.append(
                            LoggedOperation(
                                **operation.__dict__, seq=seq, prev_hash=prev, hash=digest
                            )
                        )
                        prev = digest
                    c.executemany(statement, rows)
                    if self._access_log is not None:
                        self._access_log.insert(
                            c, [access for entry in batch for access in entry.accesses]
                        )
            except IntegrityError:
                continue  # another process extended the chain first: build on its row
            return logged
        raise IntegrityError("could not append to the operation log")

    def head(self) -> Head:
        with self._cursor(commit=False) as c:
            c.execute(f"SELECT seq, hash FROM {self._table} ORDER BY seq DESC LIMIT 1")
            last = c.fetchone()
        return Head(int(last["seq"]), str(last["hash"])) if last else Head(0, GENESIS)

    def anchor(self) -> Head | None:
        """The latest purge's last row number and hash (what `verify` starts from), if any."""
        with self._cursor(commit=False) as c:
            purge = self._purges.latest(c, OPERATION_LOG)
        return None if purge is None else Head(purge.up_to, purge.anchor_hash)

    def purges(self) -> list[Purge]:
        with self._cursor(commit=False) as c:
            return self._purges.all(c, OPERATION_LOG)

    def purge(self, *, cutoff: datetime, policy: str, run_id: str, at: datetime) -> Purge | None:
        """Delete the oldest rows, those before the first one at or after `cutoff` (never the
        last row: the next append chains onto it), recording the purge and its anchor in the
        same transaction; None when there is nothing to purge."""
        with self._lock, self._cursor() as c:
            # as a writer does: no append interleaves with the purge
            c.execute(f"LOCK TABLE {self._table} IN EXCLUSIVE MODE")
            previous = self._purges.latest(c, OPERATION_LOG)
            after = previous.up_to if previous else 0
            c.execute(f"SELECT MAX(seq) AS seq FROM {self._table}")
            last = int(c.fetchone()["seq"] or 0)
            c.execute(
                f"SELECT seq FROM {self._table} WHERE seq > %s AND at >= %s ORDER BY seq LIMIT 1",
                (after, _text(cutoff)),
            )
            first_kept = c.fetchone()
            up_to = min(last - 1, int(first_kept["seq"]) - 1 if first_kept else last)
            if up_to <= after:
                return None
            c.execute(f"SELECT hash FROM {self._table} WHERE seq = %s", (up_to,))
            anchor = c.fetchone()
            if anchor is None:
                raise OperationLogError(f"row {up_to} of the operation log is missing")
            purge = Purge(
                OPERATION_LOG,
                after,
                up_to,
                up_to - after,
                str(anchor["hash"]),
                _text(cutoff),
                policy,
                run_id,
                _text(at),
            )
            self._purges.record(c, purge)
            c.execute(f"DELETE FROM {self._table} WHERE seq > %s AND seq <= %s", (after, up_to))
        return purge

    def query(
        self,
        *,
        staff_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        target: str | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[LoggedOperation]:
        """Newest first; `before` (a seq) pages back through older rows."""
        where, params = ["1 = 1"], []
        for clause, value in (
            ("staff_id = %s", staff_id),
            ("at >= %s", _text(since) if since else None),
            ("at < %s", _text(until) if until else None),
            ("target = %s", target),
            ("seq < %s", before),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT {_SELECTED}, prev_hash, hash FROM {self._table} "
                f"WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT %s",
                (*params, limit),
            )
            return [_logged(r) for r in c.fetchall()]

    def _stored_rows(self, after: int = 0, batch: int = 1000) -> Iterator[Mapping[str, Any]]:
        """Every stored row after `after` in chain order, as stored, read in batches."""
        while True:
            with self._cursor(commit=False) as c:
                c.execute(
                    f"SELECT {_SELECTED}, prev_hash, hash FROM {self._table} "
                    f"WHERE seq > %s ORDER BY seq LIMIT %s",
                    (after, batch),
                )
                found = [dict(r) for r in c.fetchall()]
            yield from found
            if len(found) < batch:
                return
            after = int(found[-1]["seq"])

    def verify(self, *, expected: Head | None = None) -> Verification:
        """Recompute the chain from the latest anchor (the genesis hash before any purge);
        report every row altered, missing or out of place.

        With `expected` (a head from an earlier checkpoint) a chain cut short is caught too; a
        head the retention has since purged past can only be checked if it is the anchor.
        """
        problems: list[str] = []
        anchor = self.anchor()
        previous_seq, previous_hash = (anchor.count, anchor.hash) if anchor else (0, GENESIS)
        pinned = previous_hash if expected is not None and expected.count == previous_seq else None
        for row in self._stored_rows(after=previous_seq):
            seq = int(row["seq"])
            if seq != previous_seq + 1:
                problems.append(f"rows {previous_seq + 1}..{seq - 1} are missing")
            if row["prev_hash"] != previous_hash:
                problems.append(f"row {seq} does not follow the row before it")
            if row_hash(row) != row["hash"]:
                problems.append(f"row {seq} was altered")
            if expected is not None and seq == expected.count:
                pinned = row["hash"]
            previous_seq, previous_hash = seq, str(row["hash"])
        checkable = expected is not None and expected.count >= (anchor.count if anchor else 0)
        if expected is not None and expected.count and checkable and pinned != expected.hash:
            problems.append(f"row {expected.count} no longer has the hash the checkpoint recorded")
        return Verification(
            count=previous_seq,
            head=previous_hash,
            problems=problems,
            purged=anchor.count if anchor else 0,
        )


def _logged(r: Any) -> LoggedOperation:
    return LoggedOperation(
        at=datetime.fromisoformat(r["at"]),
        request_id=r["request_id"],
        staff_id=r["staff_id"],
        role=r["role"],
        operation=r["operation"],
        target=r["target"],
        result=r["result"],
        status=int(r["status"]),
        token_id=r["token_id"],
        seq=int(r["seq"]),
        prev_hash=r["prev_hash"],
        hash=r["hash"],
    )
