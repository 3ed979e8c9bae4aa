"""The application's commands on a case of either kind: legal holds (issue 7).

A mixin that `LedgerApplication` inherits, like `IncidentCommands`.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.cases.complaint import Complaint
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident
from ledger.values import Actor

Case = Complaint | Incident


class CaseCommands:
    """Place and lift legal holds on complaints and incidents."""

    if TYPE_CHECKING:
        repository: Any
        _now: Callable[[], datetime]

        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...

    def get_case(self, case_id: UUID) -> Case:
        """A complaint or an incident by its id."""
        try:
            case = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"no case with id {case_id}") from None
        if not isinstance(case, Complaint | Incident):
            raise NotFoundError(f"no case with id {case_id}")
        return case

    def place_case_hold(self, case_id: UUID, *, reason: str, actor: Actor) -> Case:
        """Keep the case (and its people's keys) out of every retention run until lifted."""
        case = self.get_case(case_id)
        with self._saving(case):
            case.place_hold(reason=reason, actor=actor, at=self._now())
        return case

    def lift_case_hold(self, case_id: UUID, *, reason: str, actor: Actor) -> Case:
        case = self.get_case(case_id)
        with self._saving(case):
            case.lift_hold(reason=reason, actor=actor, at=self._now())
        return case
