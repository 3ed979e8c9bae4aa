"""The DataSubject aggregate: the ledger's record that a person's data was erased, and why."""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import DomainError
from ledger.values import Actor


class DataSubject(Aggregate):
    """One person whose personal data the ledger holds under their own key."""

    @staticmethod
    def create_id(subject_id: UUID) -> UUID:
        return data_subject_id_for(subject_id)

    @classmethod
    def erase(
        cls, *, subject_id: UUID, legal_basis: str, actor: Actor, at: datetime
    ) -> "DataSubject":
        """Record the erasure; destroying the key follows it (see the application)."""
        if not legal_basis.strip():
            raise DomainError("an erasure needs its legal basis", field="legal_basis")
        return cls(subject_id=subject_id, legal_basis=legal_basis, actor=actor, timestamp=at)

    @event("Erased")
    def __init__(
        self, *, subject_id: UUID, legal_basis: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.subject_id = subject_id
        self.legal_basis = legal_basis
        self.erased_by = actor
        self.erased_at = timestamp


def data_subject_id_for(subject_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/subjects/{subject_id}")
