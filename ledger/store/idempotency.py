"""Idempotency keys: the record of a request's answer, written in its events' transaction.

A request sent with an `Idempotency-Key` carries an `IdempotencyKey` into the application
(`ledger.application.scope.RequestScope`). Its first save writes the key's record in the same
transaction as its events (`Completion`, inserted before the events by the append function's
call of `ledger_side_records`, ledger/store/side_tables.py): the
endpoint's status and, when the save holds the record the endpoint answers with, its
`kind:id:version`. The record's primary key (scope, key) makes a concurrent duplicate's save
fail as a whole (`DuplicateRequestError`), so two requests can never both store events for one
key; a crash leaves either the events and the record, or neither. No claim, lease or process
identity is needed.
"""

from dataclasses import dataclass

from eventsourcing.domain import Aggregate


@dataclass(frozen=True)
class Completion:
    """The idempotency record a save writes with its events.

    `first` inserts the record (and fails if another request holds the key); a later save of
    the same request only sets the answer it now holds.
    """

    scope: str
    key: str
    fingerprint: str
    status: int
    result: str | None
    at: str
    first: bool = True


@dataclass
class IdempotencyKey:
    """A request's key, and what a save under it records.

    `presents` is the aggregate class the endpoint answers with and `kind` its resource name; a
    save of an instance of that class records `kind:id:version` as the answer.
    """

    scope: str
    key: str
    fingerprint: str
    status: int
    at: str
    kind: str | None = None
    presents: type[Aggregate] | None = None
    recorded: bool = False  # a save of this request has committed the record

    def completion_for(self, *objs: object) -> Completion | None:
        """What a save of `objs` records for this key, if anything."""
        result = None
        if self.presents is not None and self.kind is not None:
            for obj in objs:
                if isinstance(obj, self.presents):
                    result = f"{self.kind}:{obj.id}:{obj.version}"
                    break
        if self.recorded and result is None:
            return None
        first = not self.recorded
        return Completion(
            self.scope, self.key, self.fingerprint, self.status, result, self.at, first
        )
