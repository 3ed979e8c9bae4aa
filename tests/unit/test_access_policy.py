"""The policy table's own rules, without storage."""

from dataclasses import dataclass

import pytest

from ledger.access.conditions import department_scope
from ledger.access.policy import ROLES, decide, visibility_for
from ledger.values import Actor


@dataclass
class NoRecord:
    """A request that names no record."""

    complaint: None = None
    handoff: None = None
    department: str | None = None

    def handed_to(self, department: str) -> bool:
        return False


def test_an_unknown_endpoint_is_forbidden_to_every_role() -> None:
    for role in ROLES:
        verdict = decide(
            "nowhere.unlisted", staff_id="x", roles=(role,), department=None, facts=NoRecord()
        )
        assert verdict.outcome == "forbidden"


def test_the_first_role_the_table_allows_is_the_acting_role() -> None:
    verdict = decide(
        "subjects.erase",
        staff_id="x",
        roles=("agent", "privacy_officer"),
        department=None,
        facts=NoRecord(),
    )
    assert (verdict.outcome, verdict.role) == ("allowed", "privacy_officer")


def test_department_staff_asking_for_another_departments_queue_are_told_it_does_not_exist() -> None:
    verdict = decide(
        "handoffs.department_queue",
        staff_id="t",
        roles=("department_staff",),
        department="technical",
        facts=NoRecord(department="quality"),
    )
    assert verdict.outcome == "hidden"


@pytest.mark.parametrize(
    ("role", "department", "scope"),
    [
        ("department_staff", "technical", "technical"),
        ("department_staff", None, ""),
        ("agent", "service", None),
        ("executive", None, None),
    ],
)
def test_lists_are_confined_to_the_department_of_scoped_roles(
    role: str, department: str | None, scope: str | None
) -> None:
    assert department_scope(Actor("s", role, department)) == scope


def test_every_role_has_a_personal_data_visibility() -> None:
    assert {visibility_for(role) for role in ROLES} <= {"full", "masked", "none"}
    assert visibility_for("someone-else") == "none"
