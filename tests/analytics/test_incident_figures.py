"""Incident figures from the analytics view match a hand count."""

from uuid import UUID

from ledger.clock import ManualClock
from projections.analytics.incidents import OwnerActionItems, incident_analytics
from projections.engine.read_side import ReadSide

MINUTE = 60.0


def test_phase_times_by_level_and_week_match_the_hand_count(
    incident: UUID, read_side: ReadSide, clock: ManualClock
) -> None:
    read_side.catch_up(["incident_analytics"])
    [group], _ = incident_analytics(
        read_side.db,
        read_side.generation("incident_analytics"),
        read_side.app.policy,
        now=clock.now(),
        since=None,
        until=None,
        group_by=("level", "period"),
        period="week",
    )
    assert group.keys == {"level": "II", "period": "2026-W10"}
    assert group.incidents == 1
    means = {
        phase: getattr(group, phase).mean_seconds
        for phase in ("detect", "assess", "activate", "mitigate", "resolve")
    }
    # Detected 20 min into the impact; assessed and activated 30 and 60 min after the report;
    # mitigated and resolved 150 and 270 min after the impact began.
    assert means == {
        "detect": 20 * MINUTE,
        "assess": 30 * MINUTE,
        "activate": 60 * MINUTE,
        "mitigate": 150 * MINUTE,
        "resolve": 270 * MINUTE,
    }


def test_action_items_overdue_are_counted_by_owner(
    incident: UUID, read_side: ReadSide, clock: ManualClock
) -> None:
    read_side.catch_up(["incident_analytics"])
    _, owners = incident_analytics(
        read_side.db,
        read_side.generation("incident_analytics"),
        read_side.app.policy,
        now=clock.now(),
        since=None,
        until=None,
    )
    assert owners == [OwnerActionItems("eng-4", 1, 1, 1), OwnerActionItems("eng-5", 1, 0, 0)]


def test_the_incident_view_equals_its_rebuild(incident: UUID, read_side: ReadSide) -> None:
    from tests.projections.conftest import dump_views

    read_side.catch_up(["incident_analytics"])
    before = dump_views(read_side)
    read_side.rebuild("incident_analytics")
    after = dump_views(read_side)
    for table in ("incident_analytics", "incident_action_items"):
        assert after[table] == before[table]
    assert (len(after["incident_analytics"]), len(after["incident_action_items"])) == (1, 3)
