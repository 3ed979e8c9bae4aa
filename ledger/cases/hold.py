"""Legal hold on one case (a complaint or an incident): the guards both aggregates share.

A held case is never archived or destroyed by the retention run, whatever its age. The events
(`LegalHoldPlaced`, `LegalHoldLifted`) live on each case's own stream, so the hold's history is
part of the case's history; holds on a person are `DataSubject` events (ledger/subjects/subject.py).
"""

from ledger.errors import DomainError


def check_can_place(current: str | None, reason: str) -> None:
    if current is not None:
        raise DomainError("the case is already under legal hold", field="legal_hold")
    if not reason.strip():
        raise DomainError("a legal hold needs a reason", field="reason")


def check_can_lift(current: str | None, reason: str) -> None:
    if current is None:
        raise DomainError("the case is not under legal hold", field="legal_hold")
    if not reason.strip():
        raise DomainError("lifting a legal hold needs a reason", field="reason")
