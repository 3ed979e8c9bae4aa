"""The application's commands on data subjects, as a mixin of `LedgerApplication`.

A person's legal holds, and their erasure: recorded in the ledger first, then their data key
destroyed. The record is what makes the erasure hold: the key store asks the ledger about it on
every read and write of the person's key (`privacy.keys.key_rows`), so a key row restored from
an older backup opens nothing and is destroyed again.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.case_holds import CaseHolds
from ledger.application.subject_access import HeldValue, held_values
from ledger.cases.complaint import Complaint
from ledger.errors import DomainError, NotFoundError
from ledger.incidents.incident import Incident
from ledger.subjects.subject import DataSubject, data_subject_id_for
from ledger.topics import topics_of
from ledger.values import Actor
from privacy.keys.key_rows import ErasureRecords
from privacy.keys.keystore import SubjectErasedError, SubjectKeyStore

A = TypeVar("A", bound=Aggregate)


def erasure_records(events_table: str) -> ErasureRecords:
    """Where the ledger records a person's erasure, for the key store to ask on every read."""
    topics = (
        *topics_of(DataSubject.Erased),  # type: ignore[attr-defined]  # made by @event
        *topics_of(DataSubject.DestroyedUnderRetention),  # type: ignore[attr-defined]
    )
    return ErasureRecords(events_table, data_subject_id_for, tuple(topics))


class SubjectCommands:
    """Hold, release and erase a data subject."""

    if TYPE_CHECKING:  # provided by LedgerApplication
        keys: SubjectKeyStore
        case_holds: CaseHolds
        repository: Any
        _now: Callable[[], datetime]

        def _get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A: ...
        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...

    def _data_subject(self, subject_id: UUID, actor: Actor) -> DataSubject:
        try:
            return self._get(DataSubject, data_subject_id_for(subject_id))
        except NotFoundError:
            return DataSubject(subject_id=subject_id, actor=actor, timestamp=self._now())

    def get_data_subject(self, subject_id: UUID) -> DataSubject:
        return self._get(DataSubject, data_subject_id_for(subject_id))

    def place_legal_hold(self, subject_id: UUID, *, reason: str, actor: Actor) -> DataSubject:
        subject = self._data_subject(subject_id, actor)
        with self._saving(subject):
            subject.place_hold(reason=reason, actor=actor, at=self._now())
        return subject

    def lift_legal_hold(self, subject_id: UUID, *, reason: str, actor: Actor) -> DataSubject:
        subject = self._data_subject(subject_id, actor)
        with self._saving(subject):
            subject.lift_hold(reason=reason, actor=actor, at=self._now())
        return subject

    def erase_subject(self, subject_id: UUID, *, legal_basis: str, actor: Actor) -> DataSubject:
        """Record the erasure in the ledger, then destroy the subject's data key.

        Idempotent: a repeated erasure returns the first record. The record comes first, so no
        key is ever destroyed without the ledger saying why. Refused while the person, or any
        complaint or incident holding their data, is under legal hold: destroying the key
        would destroy the evidence the hold keeps.
        """
        subject = self._data_subject(subject_id, actor)
        if subject.erased_at is None:
            self._check_no_case_hold(subject_id)
            with self._saving(subject):
                subject.erase(legal_basis=legal_basis, actor=actor, at=self._now())
        self.keys.erase(subject_id, at=subject.erased_at or self._now())
        return subject

    def subject_access(self, subject_id: UUID) -> list[HeldValue]:
        """Every personal value held about the person, with its source (the right of access).

        Refused once the person is erased: nothing of theirs can be read any more.
        """
        if self.keys.is_erased(subject_id):
            raise SubjectErasedError("the data subject was erased")
        return held_values(self, subject_id, self._cases_holding(subject_id))

    def find_subjects(self, kind: str, value: str) -> list[tuple[UUID, list[str]]]:
        """The people with exactly this phone number or e-mail, and their records' references."""
        index = self.keys.blind_index
        if index is None:
            return []
        return [
            (subject, sorted(case.reference for case in self._cases_holding(subject)))
            for subject in index.find(kind, value)
        ]

    def data_subjects_recording(self, *events: str, limit: int) -> list[DataSubject]:
        """The data subjects whose streams recorded one of `events` (class names, such as
        "Erased" or "HoldPlaced"), the most recent first: a privacy officer's worklist."""
        topics = [t for name in events for t in topics_of(getattr(DataSubject, name))]
        app: Any = self
        datastore = app.recorder.datastore
        table = f'"{datastore.schema}"."{app.recorder.events_table_name}"'
        with datastore.get_connection() as connection:
            rows = connection.execute(
                f"SELECT originator_id, MAX(notification_id) AS latest FROM {table} "  # noqa: S608
                "WHERE topic = ANY(%s) GROUP BY originator_id ORDER BY latest DESC LIMIT %s",
                (topics, limit),
            ).fetchall()
        return [self._get(DataSubject, row["originator_id"]) for row in rows]

    def cases_holding(self, subject_id: UUID) -> list[Complaint | Incident]:
        """The complaints and incidents that hold the person's data (sealed under their key)."""
        return self._cases_holding(subject_id)

    def _check_no_case_hold(self, subject_id: UUID) -> None:
        for case_id in self.case_holds.held_naming(subject_id):
            case = self.repository.get(case_id)  # only to name it in the refusal
            if isinstance(case, Complaint | Incident) and case.legal_hold is not None:
                kind = "complaint" if isinstance(case, Complaint) else "incident"
                raise DomainError(
                    f"the data subject's data is held in {kind} {case.reference}, which is "
                    f"under legal hold ({case.legal_hold}); lift that hold first"
                )

    def _cases_holding(self, subject_id: UUID) -> list[Complaint | Incident]:
        """The complaints and incidents whose events name the person (their data, sealed).

        Read from the events themselves, the one record no projection can lag behind, by a
        scan of the events table: the price of a rare access request. An erasure asks only
        about the cases under legal hold (`CaseHolds`).
        """
        app: Any = self  # the application's recorder is PostgreSQL's
        datastore = app.recorder.datastore
        table = f'"{datastore.schema}"."{app.recorder.events_table_name}"'
        with datastore.get_connection() as connection:
            rows = connection.execute(
                f"SELECT DISTINCT originator_id FROM {table} WHERE position(%s in state) > 0",  # noqa: S608
                (str(subject_id).encode(),),
            ).fetchall()
        cases = []
        for row in rows:
            found = self.repository.get(row["originator_id"])
            if isinstance(found, Complaint | Incident):
                cases.append(found)
        return cases
