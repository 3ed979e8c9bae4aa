"""Saves routed through the group commit, each carrying what its transaction also writes.

A save's events go with its idempotency record (`ledger.store.idempotency`), the reference
numbers it claims (`ledger.store.side_tables`) and the audit-log rows of the request that made
it (`ledger.audit.operation_log`); `GroupCommitting` is the recorder mix-in that queues plain
saves on one `GroupCommit` and writes a batch, all it carries, in one call of the events
table's append function.
"""

from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple, Protocol

import psycopg
from eventsourcing.persistence import StoredEvent

from ledger.errors import DuplicateRequestError
from ledger.store.group_commit import GroupCommit, Refused
from ledger.store.idempotency import Completion
from ledger.store.side_tables import NumberClaim, NumberTakenError, refusal, side_records
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


def _carries(save: _Save, error: NumberTakenError | DuplicateRequestError) -> bool:
    """Whether `save` holds the number or the key a refusal names (a key it only answers for
    again, `first` false, was never refused)."""
    if isinstance(error, NumberTakenError):
        return error.claim in save.claims
    return any(c.first and (c.scope, c.key) == error.key for c in save.completions)


class GroupCommitting:
    """Routes plain saves through a `GroupCommit` once the application attaches one.

    A save may carry `completions`: idempotency records written in the events' transaction
    (`ledger.store.idempotency`), and `claims`: the reference numbers its new cases use, which
    advance their counters in the same transaction (`ledger.store.side_tables.NumberClaim`);
    and `audit`: the audit-log entries of the request that made the save, chained onto the log
    after the events, through the log the application attaches (`audit_log`).
    """

    datastore: Any  # the recorder's PostgresDatastore, and its append call
    append_statement: bytes
    subject_keys: Any = None  # the key store, when personal values are sealed
    group_commit: "GroupCommit[_Save, Sequence[int] | None] | None" = None
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
        """These events and what they carry, in one statement; their notification ids.

        The events, the idempotency records, the reference claims and the audit-log rows are
        written by one call of the table's append function (ledger/store/appending.py), in its
        own transaction: one round trip, and the tables stay locked for PostgreSQL's own work
        and the commit only. The function refuses the save for a key taken, a number gone or an
        erased person; the refusal comes back here as the error the caller expects.
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
            *side_records(completions, claims),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            try:
                cursor.execute(self.append_statement, params, prepare=True)
            except psycopg.Error as error:
                detail = error.diag.message_detail or ""
                if error.sqlstate == ERASED_STATE and self.subject_keys is not None:
                    raise self.subject_keys.refused_write(detail) from None
                refused = refusal(error.sqlstate, detail)
                if refused is not None:
                    raise refused from None
                raise
            return [row["notification_id"] for row in cursor.fetchall()]

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

        A reference number another registration took first, or an Idempotency-Key another
        request recorded first, refuses only the save that carries it: the batch is tried again
        without it, rather than every member being committed on its own.
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
            except (NumberTakenError, DuplicateRequestError) as error:
                losers = [n for n in kept if _carries(saves[n], error)]
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
