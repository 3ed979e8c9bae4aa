"""The cells of the access-control table (`ledger.access.policy`) and the department scope.

A cell is a `Condition`: a short name and the check it makes against the `Facts` of the record a
request names. Department staff are scoped (`SCOPED_ROLES`): `in_scope`, `read_scope` and
`department_scope` say what they may see.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from ledger.application.records import EVERYTHING, ReadScope
from ledger.cases.complaint import Complaint
from ledger.cases.handoff import Handoff
from ledger.values import ROLES, Actor

SCOPED_ROLES: Final = frozenset({"department_staff"})


class Facts(Protocol):
    """What a condition may ask about the record a request names (loaded on first use)."""

    @property
    def complaint(self) -> Complaint | None: ...

    @property
    def handoff(self) -> Handoff | None: ...

    @property
    def department(self) -> str | None: ...

    def within(self, scope: ReadScope) -> bool:
        """Is the record the request names (none: True) readable within `scope`?"""
        ...


@dataclass(frozen=True)
class Condition:
    """A cell of the table: its short name and the check it makes."""

    name: str
    check: Callable[[Actor, Facts], bool]

    def __repr__(self) -> str:
        return self.name


def _owner_or_unassigned(actor: Actor, facts: Facts) -> bool:
    complaint = facts.complaint
    return complaint is None or complaint.owner in (None, actor.staff_id)


def _supervisor_chain(actor: Actor, facts: Facts) -> bool:
    complaint = facts.complaint
    return complaint is None or actor.department in (None, complaint.department)


def _receiving(actor: Actor, facts: Facts) -> bool:
    handoff = facts.handoff
    return handoff is None or handoff.to_department == actor.department


def in_scope(actor: Actor, facts: Facts) -> bool:
    """Is the record within the caller's department (the rules: `ledger.application.records`)?"""
    department = actor.department
    if department is None:
        return False
    if facts.department is not None:
        return facts.department == department
    return facts.within(read_scope(actor))


def read_scope(actor: Actor) -> ReadScope:
    """Which records `actor`, in the role they act in, may read by id."""
    if actor.role in SCOPED_ROLES:
        return ReadScope(confined=True, department=actor.department, staff_id=actor.staff_id)
    return EVERYTHING


def department_scope(actor: Actor) -> str | None:
    """For views that list records: the one department the caller is confined to, or None.

    The table judges a request for one named record; a list (a queue, a search) must itself
    leave out what a scoped caller may not see. A scoped caller without a department sees none:
    filter by the empty string then.
    """
    if actor.role in SCOPED_ROLES:
        return actor.department or ""
    return None


ALL: Final = Condition("ALL", lambda actor, facts: True)
OWN: Final = Condition("OWN", _owner_or_unassigned)
CHAIN: Final = Condition("CHAIN", _supervisor_chain)
RECV: Final = Condition("RECV", _receiving)
DEPT: Final = Condition("DEPT", in_scope)
__: Final = None

Rule = Mapping[str, Condition]


def row(*cells: Condition | None) -> Rule:
    """One row of the table: a cell per role, in the order of ROLES."""
    if len(cells) != len(ROLES):
        raise ValueError(f"a row has {len(ROLES)} cells, one per role; got {len(cells)}")
    return {role: cell for role, cell in zip(ROLES, cells, strict=True) if cell is not None}
