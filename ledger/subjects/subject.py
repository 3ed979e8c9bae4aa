"""The DataSubject aggregate: legal holds on a person's data, and the record of its erasure."""

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.cases.hold import HeldByLaw
from ledger.errors import DomainError
from ledger.values import Actor


class DataSubject(HeldByLaw):
    """One person whose personal data the ledger holds under their own key."""

    HELD = "data subject"
    HOLD_EVENTS = ("HoldPlaced", "HoldLifted")

    class HoldPlaced(HeldByLaw.LegalHoldPlaced):
        """A hold on the person's data (whatever erasure or retention asks)."""

    class HoldLifted(HeldByLaw.LegalHoldLifted):
        """The person's data is no longer held."""

    @staticmethod
    def create_id(subject_id: UUID) -> UUID:
        return data_subject_id_for(subject_id)

    @event("Recorded")
    def __init__(self, *, subject_id: UUID, actor: Actor, timestamp: datetime) -> None:
        self.subject_id = subject_id
        self.legal_basis: str | None = None
        self.erased_by: Actor | None = None
        self.erased_at: datetime | None = None

    def check_can_place_hold(self) -> None:
        if self.erased_at is not None:
            raise DomainError("the data subject is already erased")

    @property
    def hold_reason(self) -> str | None:
        """The legal hold's reason (`legal_hold`), by the name the retention run reads."""
        return self.legal_hold

    def erase(self, *, legal_basis: str, actor: Actor, at: datetime) -> None:
        """Record the erasure; destroying the key follows it (see the application)."""
        if self.legal_hold is not None:
            raise DomainError(
                f"the data subject is under legal hold ({self.legal_hold}); lift it first"
            )
        if not legal_basis.strip():
            raise DomainError("an erasure needs its legal basis", field="legal_basis")
        self._erased(legal_basis=legal_basis, actor=actor, timestamp=at)

    @event("Erased")
    def _erased(self, *, legal_basis: str, actor: Actor, timestamp: datetime) -> None:
        self.legal_basis = legal_basis
        self.erased_by = actor
        self.erased_at = timestamp

    # -- destruction by the retention run (projections/retention/run.py) ---------------------------

    retention_run: str | None = None

    def confirm_destruction(
        self,
        *,
        run_id: str,
        rules: list[str],
        cases: list[str],
        checkpoint_before: dict[str, Any],
        checkpoint_after: dict[str, Any],
        actor: Actor,
        at: datetime,
    ) -> None:
        """Record that retention destroyed this person's key, between two signed checkpoints."""
        if self.legal_hold is not None:
            raise DomainError("the data subject is under legal hold")
        if self.retention_run is not None:
            raise DomainError("the data subject's destruction is already confirmed")
        self._destroyed_under_retention(
            run_id=run_id,
            rules=rules,
            cases=cases,
            checkpoint_before=checkpoint_before,
            checkpoint_after=checkpoint_after,
            actor=actor,
            timestamp=at,
        )

    @event("DestroyedUnderRetention")
    def _destroyed_under_retention(
        self,
        *,
        run_id: str,
        rules: list[str],
        cases: list[str],
        checkpoint_before: dict[str, Any],
        checkpoint_after: dict[str, Any],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.retention_run = run_id
        self.legal_basis = f"retention: {', '.join(rules)}"
        self.erased_by = actor
        self.erased_at = timestamp


def data_subject_id_for(subject_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/subjects/{subject_id}")
