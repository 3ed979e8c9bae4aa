"""Saves routed through the group commit, each carrying what its transaction also writes.

A save's events go with its idempotency record (`ledger.store.idempotency`), the reference
numbers it claims (`ledger.store.side_tables`) and the audit-log rows of the request that made
it (`ledger.audit.operation_log`); `GroupCommitting` is the recorder mix-in that queues plain
saves on one `GroupCommit`, writes the records first in the transaction and chains the audit
rows after the events.
"""

from collections.abc import Callable, Hashable, Sequence
from contextlib import suppress
from typing import Any, NamedTuple, Protocol

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg.pq import TransactionStatus

from ledger.store.group_commit import GroupCommit, Refused
from ledger.store.idempotency import Completion
from ledger.store.side_tables import NumberClaim, NumberTakenError, SideTables
from privacy.keys.key_rows import ERASED_STATE


class AuditChain(Protocol):
    """The audit log as a save's transaction extends it: `entries(batch)` is the batch as the
    append function takes it (ledger/store/appending.py)."""

    def entries(self, batch: Sequence[Any]) -> Any: ...


class _Save(NamedTuple):
    """One save's events, and the idempotency record, reference numbers and audit-log rows
    written with them."""

    events: Sequence[StoredEvent]
    completions: Sequence[Completion]
    claims: Sequence[NumberClaim] = ()
    audit: Sequence[Any] = ()


def _save_keys(save: _Save) -> set[Hashable]:
    keys: set[Hashable] = {(e.originator_id, e.originator_version) for e in save.events}
    keys.update((c.scope, c.key) for c in save.completions)
    keys.update(save.claims)
    return keys


class GroupCommitting:
    """Routes plain saves through a `GroupCommit` once the application attaches one.

    A save may carry `completions`: idempotency records written in the events' transaction
    (`ledger.store.idempotency`), and `claims`: the reference numbers its new cases use, which
    advance their counters in the same transaction (`ledger.store.side_tables.NumberClaim`);
    both go through the side tables the application attaches; and `audit`: the audit-log
    entries of the request that made the save, chained onto the log after the events, through
    the log the application attaches (`audit_log`).
    """

    datastore: Any  # the recorder's PostgresDatastore, and its append call
    append_statement: bytes
    subject_keys: Any = None  # the key store, when personal values are sealed
    group_commit: "GroupCommit[_Save, Sequence[int] | None] | None" = None
    idempotency: SideTables | None = None
    audit_log: AuditChain | None = None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        completions: Sequence[Completion] = kwargs.pop("completions", None) or ()
        claims: Sequence[NumberClaim] = kwargs.pop("claims", None) or ()
        audit: Sequence[Any] = kwargs.pop("audit", None) or ()
        # Told once the save is in the queue (ledger.application.numbering); without a queue
        # the caller's own `finally` tells it after the commit.
        queued: Callable[[], None] | None = kwargs.pop("queued", None)
        # Saves carrying tracking records (process applications) keep their own transaction;
        # an application's plain save() passes tracking=None.
        extra = any(value is not None for value in kwargs.values())
        if self.group_commit is None or extra or not stored_events:
            return self.insert_events_now(stored_events, completions, claims, audit, **kwargs)
        return self.group_commit.submit(_Save(stored_events, completions, claims, audit), queued)

    def insert_events_now(
        self,
        stored_events: Sequence[StoredEvent],
        completions: Sequence[Completion] = (),
        claims: Sequence[NumberClaim] = (),
        audit: Sequence[Any] = (),
        **kwargs: Any,
    ) -> Any:
        """These events and what they carry, in one transaction; their notification ids.

        The events and the audit-log rows are written by one call of the table's append
        function (ledger/store/appending.py), so the tables stay locked for PostgreSQL's own
        work and the commit only; the function itself refuses a write for an erased person. A
        save with no Idempotency-Key and no reference number is that one statement, in its own
        transaction: one round trip. The others are checked first in the same transaction (a
        key taken or a number gone refuses the save), before the call takes a lock.
        """
        if any(value is not None for value in kwargs.values()):
            # A save with tracking records (a process application) takes the library's path; it
            # writes nothing personal, no request's rows and no numbers.
            if completions or claims or audit or self._writable(stored_events) != (None, None):
                raise RuntimeError("a save with tracking records carries only its events")
            return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        params = (
            [
                self.construct_pg_stored_event(  # type: ignore[attr-defined]
                    e.originator_id, e.originator_version, e.topic, e.state
                )
                for e in stored_events
            ],
            self._audit_entries(audit),
            *self._writable(stored_events),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            try:
                if not (completions or claims):
                    cursor.execute(self.append_statement, params, prepare=True)
                else:
                    self._checked_append(conn, cursor, completions, claims, params)
            except psycopg.Error as error:
                if error.sqlstate == ERASED_STATE and self.subject_keys is not None:
                    raise self.subject_keys.refused_write(error.diag.message_detail or "") from None
                raise
            return [row["notification_id"] for row in cursor.fetchall()]

    def _checked_append(
        self,
        conn: Any,
        cursor: Any,
        completions: Sequence[Completion],
        claims: Sequence[NumberClaim],
        params: tuple[Any, ...],
    ) -> None:
        # The checks wait for their answers (each may refuse the save); the call and the commit
        # then go together. Errors are raised once out of the pipeline, as psycopg wants.
        failed: Exception | None = None
        checks = conn.cursor()
        with conn.pipeline() as pipeline:
            try:
                checks.execute("BEGIN")
                self._complete_idempotency(checks, completions)
                self._claim_numbers(checks, claims)
                cursor.execute(self.append_statement, params, prepare=True)
                checks.execute("COMMIT")
                pipeline.sync()
            except Exception as error:
                failed = error
                with suppress(psycopg.Error):
                    pipeline.sync()  # an aborted pipeline ends here, not in its exit
        if failed is not None:
            if conn.info.transaction_status != TransactionStatus.IDLE:
                with suppress(psycopg.Error):
                    conn.rollback()
            raise failed

    def _audit_entries(self, audit: Sequence[Any]) -> Any:
        if not audit:
            return None
        if self.audit_log is None:
            raise RuntimeError("a save carries audit-log rows but no log for them")
        return self.audit_log.entries(audit)

    def _writable(self, stored_events: Sequence[StoredEvent]) -> tuple[Any, Any]:
        # The persons whose values the events seal, checked by the append function.
        if self.subject_keys is None:
            return None, None
        return self.subject_keys.writable([e.state for e in stored_events]) or (None, None)

    def _commit_saves(self, saves: Sequence[_Save]) -> list[Sequence[int] | Refused | None]:
        """Several saves in one transaction; each one's notification ids.

        A reference number another registration took first refuses only the save that claimed
        it: the batch is tried again without it (each such loss is a case stored meanwhile),
        rather than every member being committed on its own.
        """
        refused: dict[int, Refused] = {}
        while True:
            kept = [n for n in range(len(saves)) if n not in refused]
            if not kept:
                return [refused[n] for n in range(len(saves))]
            try:
                ids = self.insert_events_now(
                    [e for n in kept for e in saves[n].events],
                    [c for n in kept for c in saves[n].completions],
                    [claim for n in kept for claim in saves[n].claims],
                    [entry for n in kept for entry in saves[n].audit],
                )
            except NumberTakenError as error:
                losers = [n for n in kept if error.claim in saves[n].claims]
                if not losers:
                    raise
                refused.update((n, Refused(error)) for n in losers)
                continue
            break
        results: list[Sequence[int] | Refused | None] = []
        start = 0
        for n, save in enumerate(saves):
            if n in refused:
                results.append(refused[n])
                continue
            end = start + len(save.events)
            results.append(None if ids is None else list(ids[start:end]))
            start = end
        return results

    def enable_group_commit(self) -> "GroupCommit[_Save, Sequence[int] | None]":
        self.group_commit = GroupCommit(
            self._commit_saves, keys=_save_keys, size=lambda save: len(save.events)
        )
        return self.group_commit

    def _complete_idempotency(self, cursor: Any, completions: Sequence[Completion]) -> None:
        # First in the transaction, so a key another request took rolls the events back with it,
        # and a concurrent duplicate waits on the key's row before the events' table lock.
        if not completions:
            return
        if self.idempotency is None:
            raise RuntimeError("a save carries idempotency records but no table for them")
        for completion in completions:
            self.idempotency.complete_in(cursor, completion)

    def _claim_numbers(self, cursor: Any, claims: Sequence[NumberClaim]) -> None:
        # In ascending order: a batch claiming n and n + 1 advances the counter twice, and two
        # processes' batches lock counter rows in one order, so they cannot deadlock.
        if not claims:
            return
        if self.idempotency is None:
            raise RuntimeError("a save claims reference numbers but no table for them")
        for claim in sorted(claims):
            self.idempotency.claim_in(cursor, claim)
