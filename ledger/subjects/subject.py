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

    # -- holds on cases holding the person's data -------------------------------------------------
    # A hold placed on a complaint or incident is noted here too, in the same transaction: the
    # hold and an erasure of the person then write to one stream, so when they race the event
    # store refuses one of them, and an erasure can never complete after the hold was placed.

    @property
    def held_cases(self) -> dict[str, str]:
        """The cases under legal hold that hold this person's data: id → `reference (reason)`."""
        return dict(self.__dict__.get("_held_cases", {}))  # none on streams from before

    def note_case_hold(self, *, case_id: str, reference: str, reason: str, at: datetime) -> None:
        self._case_hold_noted(case_id=case_id, held=f"{reference} ({reason})", timestamp=at)

    @event("CaseHoldNoted")
    def _case_hold_noted(self, *, case_id: str, held: str, timestamp: datetime) -> None:
        self._held_cases = {**self.held_cases, case_id: held}

    def clear_case_hold(self, *, case_id: str, at: datetime) -> None:
        if case_id in self.held_cases:
            self._case_hold_cleared(case_id=case_id, timestamp=at)

    @event("CaseHoldCleared")
    def _case_hold_cleared(self, *, case_id: str, timestamp: datetime) -> None:
        self._held_cases = {k: v for k, v in self.held_cases.items() if k != case_id}

    def erase(self, *, legal_basis: str, actor: Actor, at: datetime) -> None:
        """Record the erasure; destroying the key follows it (see the application)."""
        if self.legal_hold is not None:
            raise DomainError(
                f"the data subject is under legal hold ({self.legal_hold}); lift it first"
            )
        if held := self.held_cases:
            raise DomainError(
                "the data subject's data is held in a case under legal hold: "
                f"{', '.join(sorted(held.values()))}; lift that hold first"
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
