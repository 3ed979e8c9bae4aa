"""A request's views, pinned once: the same generations and positions the read side answers."""

from ledger.application.service import LedgerApplication
from projections.engine.read_side import ReadSide
from tests.projections.conftest import new_complaint


def test_pinned_views_name_the_live_generations_and_positions(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    read_side.catch_up(["case_status", "sla"])
    read_side.rebuild("sla")
    pinned = read_side.pinned(["case_status", "sla"])
    for name in ("case_status", "sla"):
        assert pinned.generation(name) == read_side.generation(name)
        assert pinned.position(name) == read_side.position(name) > 0
    assert pinned.generation("sla") == 2


def test_a_view_not_pinned_is_looked_up_when_asked_for(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    read_side.catch_up(["handoff_list"])
    pinned = read_side.pinned(["case_status"])
    assert pinned.generation("handoff_list") == read_side.generation("handoff_list")
    assert pinned.position("handoff_list") == read_side.position("handoff_list")
