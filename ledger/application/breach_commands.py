"""The application's commands on clocks near and past their deadlines, of complaints and
incidents alike.

A mixin that `LedgerApplication` inherits. The escalation process (projections/engine/read_side)
is the caller: it finds a clock past its warning mark, or past its deadline, and asks for the
warning (`DeadlineWarned`) or the breach (`DeadlineBreached`, and an escalation) to be recorded.
Both are events of the case, which the notification rules read. The case's own stream says
which warnings and breaches it has recorded, so a repeat (another worker, a retry after a
crash) changes nothing and returns False or None.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.application.case_commands import CaseCommands
from ledger.cases.case import Case
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.errors import ConcurrencyError
from ledger.incidents.incident import Incident
from ledger.values import ESCALATION_LEVELS, Actor

# Who records breaches and raises automatic escalations.
SLA_MONITOR = Actor(staff_id="sla-monitor", role="system")


class BreachCommands(CaseCommands):
    """Record a clock's warning, or its missed deadline and an escalation one level up,
    automatically and only once."""

    if TYPE_CHECKING:  # provided by LedgerApplication

        def get_complaint(self, complaint_id: UUID, *, version: int | None = None) -> Complaint: ...
        def get_incident(self, incident_id: UUID, *, version: int | None = None) -> Incident: ...

    def record_deadline_warning(self, complaint_id: UUID, *, clock: str, due: datetime) -> bool:
        """A complaint's clock passed the policy's warning share of its time."""
        return self._record_warning(lambda: self.get_complaint(complaint_id), clock, due)

    def record_incident_warning(self, incident_id: UUID, *, clock: str, due: datetime) -> bool:
        """An incident's clock passed the policy's warning share of its time."""
        return self._record_warning(lambda: self.get_incident(incident_id), clock, due)

    def _record_warning(
        self, load: Callable[[], Complaint | Incident], clock: str, due: datetime
    ) -> bool:
        for _ in range(3):
            case = load()
            if not case.check_warning(clock):
                return False
            case.record_warning(clock=clock, due=due, actor=SLA_MONITOR, at=self._now())
            try:
                self.save(case)
            except ConcurrencyError:
                continue  # the case moved on meanwhile: decide again on its new state
            return True
        return False

    def record_deadline_breach(
        self, complaint_id: UUID, *, clock: str, due: datetime
    ) -> Escalation | None:
        """A complaint's clock passed its deadline unmet (rule `sla.<clock>.breached`)."""
        return self._record_breach(lambda: self.get_complaint(complaint_id), "sla", clock, due)

    def record_incident_breach(
        self, incident_id: UUID, *, clock: str, due: datetime
    ) -> Escalation | None:
        """An incident's clock passed its deadline unmet (rule `incident.<clock>.breached`)."""
        return self._record_breach(lambda: self.get_incident(incident_id), "incident", clock, due)

    def _record_breach(
        self, load: Callable[[], Complaint | Incident], rules: str, clock: str, due: datetime
    ) -> Escalation | None:
        for _ in range(3):
            case = load()
            if not case.check_breach(clock):
                return None
            now = self._now()
            case.record_breach(clock=clock, due=due, actor=SLA_MONITOR, at=now)
            escalation = self._escalate_breach(case, rules, clock, due, now)
            try:
                self.save(case, *([escalation] if escalation else []))
            except ConcurrencyError:
                continue  # the case moved on meanwhile: decide again on its new state
            return escalation
        return None

    @staticmethod
    def _escalate_breach(
        case: Case, rules: str, clock: str, due: datetime, now: datetime
    ) -> Escalation | None:
        if case.escalation_level >= len(ESCALATION_LEVELS):
            return None  # already at the top of the ladder
        return case.escalate(
            level=ESCALATION_LEVELS[case.escalation_level],
            reason=f"the {clock.replace('_', ' ')} deadline passed at {due.isoformat()}",
            skip_reason=None,
            automatic=True,
            rule=f"{rules}.{clock}.breached",
            actor=SLA_MONITOR,
            at=now,
        )
