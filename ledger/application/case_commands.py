"""The application's commands on a case of either kind, as a mixin of `LedgerApplication`.

What complaints and incidents share at this layer: a new case's reference, finding a case by
its id or reference, escalating it, and legal holds.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.numbering import NumberGate
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.references import References
from ledger.errors import ConcurrencyError, NotFoundError
from ledger.incidents.incident import Incident
from ledger.store.side_tables import NumberClaim, SideTables
from ledger.subjects.subject import DataSubject
from ledger.values import Actor

AnyCase = Complaint | Incident
C = TypeVar("C", bound=Aggregate)
_REFERENCE_ATTEMPTS = 1_000  # losses to concurrent registrations, each one stored


class CaseCommands:
    """Number, find, escalate and hold complaints and incidents."""

    if TYPE_CHECKING:  # provided by LedgerApplication
        repository: Any
        side_tables: SideTables
        number_gates: dict[tuple[str, int], NumberGate]
        _now: Callable[[], datetime]

        def _get(self, cls: type[C], aggregate_id: UUID, version: int | None = None) -> C: ...
        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...
        def save(self, *objs: Any, **kwargs: Any) -> Any: ...
        def _data_subject(self, subject_id: UUID, actor: Actor) -> DataSubject: ...

    def _create_numbered(self, references: References, year: int, create: Callable[[str], C]) -> C:
        """Create and save a case under the next reference of its year, with no gap.

        The number is read, not taken: the save claims it in the case's own transaction
        (`NumberClaim`), so a registration refused at any point (a domain error while building
        the case, a refused save, a process killed before the commit) leaves the counter where
        it was. A claim another registration beat is tried again with a fresh read; each such
        loss means another case was stored (`NumberGate` spares this process's registrations
        from losing to each other). The id follows from the reference, so the event
        store itself refuses a reused reference (say, after the counter table was restored
        from an older backup): the counter is moved past the stored ones and the read repeated.
        """
        prefix = references.prefix
        gate = self.number_gates.get((prefix, year))
        if gate is None:
            gate = self._new_gate(prefix, year)
        for _ in range(_REFERENCE_ATTEMPTS):
            number = 0
            try:
                with gate.turn(lambda: self.side_tables.current_number(prefix, year)) as turn:
                    number = turn.number
                    case = create(references.format(year, number))
                    self.save(case, claims=[NumberClaim(prefix, year, number)], queued=turn.queued)
            except ConcurrencyError:
                if number:
                    self._skip_stored(references, year, number)
                continue
            return case
        kind = references.collection.removesuffix("s")
        raise ConcurrencyError(f"could not allocate an unused {kind} reference; try again")

    def _new_gate(self, prefix: str, year: int) -> NumberGate:
        """The gate of a sequence's first registration here; a year's first also closes the
        earlier years' (their leases keep a connection each, and no number is taken there)."""
        for key in [k for k in list(self.number_gates) if k[0] == prefix and k[1] < year]:
            old = self.number_gates.pop(key, None)
            if old is not None:
                old.close()
        lease = self.side_tables.lease(prefix, year)  # turns among processes too
        return self.number_gates.setdefault((prefix, year), NumberGate(lease=lease))

    def _skip_stored(self, references: References, year: int, number: int) -> None:
        """Move a counter that is behind stored cases past them (the counter was restored)."""
        recorder = self.repository.event_store.recorder
        stored = number
        while recorder.select_events(references.id_for(references.format(year, stored)), limit=1):
            stored += 1
        if stored > number:
            self.side_tables.advance_past(references.prefix, year, stored - 1)

    def _find(self, cls: type[C], references: References, id_or_reference: str) -> C:
        """A case by its UUID or its reference; anything else names none."""
        case_id = references.id_of(id_or_reference)
        if case_id is None:
            raise NotFoundError(f"no {cls.__name__.lower()} with that id or reference")
        return self._get(cls, case_id)

    def _numbered_ids(self, references: References) -> list[UUID]:
        """The id of every case given a reference, in order of creation."""
        issued = self.side_tables.issued_numbers(references.prefix)
        return [references.id_for(references.format(year, number)) for year, number in issued]

    def escalate_case(
        self,
        case: AnyCase,
        *,
        level: str,
        reason: str,
        skip_reason: str | None = None,
        automatic: bool = False,
        rule: str | None = None,
        actor: Actor,
    ) -> Escalation:
        """Escalate a case up the ladder (past the next rung with a skip reason); both record it."""
        now = self._now()
        escalation = case.escalate(
            level=level,
            reason=reason,
            skip_reason=skip_reason,
            automatic=automatic,
            rule=rule,
            actor=actor,
            at=now,
        )
        self.save(escalation, case)
        return escalation

    def get_case(self, case_id: UUID) -> AnyCase:
        """A complaint or an incident by its id."""
        try:
            case = self._get(Aggregate, case_id)  # takes the record the access check loaded
        except NotFoundError:
            raise NotFoundError(f"no case with id {case_id}") from None
        if not isinstance(case, Complaint | Incident):
            raise NotFoundError(f"no case with id {case_id}")
        return case

    def place_case_hold(self, case_id: UUID, *, reason: str, actor: Actor) -> AnyCase:
        """Keep the case (and its people's keys) out of every retention run until lifted.

        Noted on each person's own record in the same save, so that a racing erasure of one
        of them and this hold write to one stream: the event store lets only one through.
        """
        case = self.get_case(case_id)
        people = self._people_of(case, actor)
        now = self._now()
        case.place_hold(reason=reason, actor=actor, at=now)
        for person in people:
            person.note_case_hold(
                case_id=str(case.id), reference=case.reference, reason=reason, at=now
            )
        self.save(case, *people)
        return case

    def lift_case_hold(self, case_id: UUID, *, reason: str, actor: Actor) -> AnyCase:
        case = self.get_case(case_id)
        people = self._people_of(case, actor)
        now = self._now()
        case.lift_hold(reason=reason, actor=actor, at=now)
        for person in people:
            person.clear_case_hold(case_id=str(case.id), at=now)
        self.save(case, *people)
        return case

    def _people_of(self, case: AnyCase, actor: Actor) -> list[DataSubject]:
        """The records of the people whose data the case holds (none for the erased)."""
        if isinstance(case, Complaint):
            subjects = [case.customer.subject_id]
        else:
            subjects = [customer.subject_id for customer in case.affected_customers]
        people = (self._data_subject(subject, actor) for subject in dict.fromkeys(subjects))
        return [person for person in people if person.erased_at is None]
