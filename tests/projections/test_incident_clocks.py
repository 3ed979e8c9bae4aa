"""The incident clock view: each action item's clocks end with that item, and only it."""

from ledger.application.service import LedgerApplication
from ledger.incidents.incident import REVIEWED
from projections.engine.read_side import ReadSide
from projections.incidents.clocks import INCIDENT_CLOCKS
from tests.unit.test_incident import OWNER, add_item, at, incident_in


def test_completing_item_a1_leaves_the_clocks_of_a10_and_a11_running(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    incident = incident_in(REVIEWED)
    items = [add_item(incident) for _ in range(11)]
    assert items[0] == "A1" and items[9:] == ["A10", "A11"]
    incident.complete_action_item(item_id="A1", note="alert added", actor=OWNER, at=at(700))
    ledger.save(incident)
    read_side.catch_up()
    generation = read_side.generation("incident_clocks")
    rows = read_side.db.select(
        INCIDENT_CLOCKS,
        f"SELECT {INCIDENT_CLOCKS.select_list} "
        f"FROM {read_side.db.physical(INCIDENT_CLOCKS, generation)} WHERE incident_id = %s",
        (str(incident.id),),
    )
    met = {row["clock"] for row in rows if row["met_at"] is not None}
    assert {"action:A1", "assess", "activate", "review"} <= met
    assert not met & {"action:A10", "action:A11", "verify:A1"}
