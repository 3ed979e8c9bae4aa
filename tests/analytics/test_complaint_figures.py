"""Complaint figures from the analytics view match a hand count of a scripted fortnight."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from ledger.clock import ManualClock
from ledger.policy.service_policy import Policy
from ledger.policy.service_targets import ServiceTargets
from projections.analytics.complaints import ComplaintFigures, complaint_analytics
from projections.engine.read_side import ReadSide
from tests.analytics.conftest import HOUR, OFFICE


def _by_owner_and_week(read_side: ReadSide, policy: Policy) -> dict[tuple, ComplaintFigures]:
    read_side.catch_up(["case_analytics"])
    groups, _ = complaint_analytics(
        read_side.db,
        read_side.generation("case_analytics"),
        policy,
        since=None,
        until=None,
        group_by=("owner", "period"),
        period="week",
    )
    return {tuple(g.keys.values()): g for g in groups}


def test_figures_by_owner_and_week_match_the_hand_count(
    fortnight: dict[str, UUID], read_side: ReadSide
) -> None:
    groups = _by_owner_and_week(read_side, read_side.app.policy)
    assert sorted(groups) == [
        ("agent-1", "2026-W10"),
        ("agent-1", "2026-W11"),
        ("agent-2", "2026-W10"),
        ("agent-2", "2026-W11"),
    ]
    ana10, ana11 = groups["agent-1", "2026-W10"], groups["agent-1", "2026-W11"]
    ben10, ben11 = groups["agent-2", "2026-W10"], groups["agent-2", "2026-W11"]
    assert [g.complaints for g in (ana10, ana11, ben10, ben11)] == [2, 1, 1, 1]
    # Ana, week 10: responses 1 h and 2 h (overnight not counted), resolutions 3 h and 4 h.
    assert (ana10.response.count, ana10.response.mean_seconds) == (2, 1.5 * HOUR)
    assert ana10.response.p90_seconds == 2 * HOUR
    assert ana10.resolution.mean_seconds == 3.5 * HOUR
    assert (ana10.first_contact_resolution, ana10.resolution_success) == (1.0, 1.0)
    assert (ana10.csat, ana10.csat_average) == (0.5, 4.0)
    # Ana, week 11: one complaint, not answered yet.
    assert (ana11.response.count, ana11.resolution.count) == (0, 0)
    assert (ana11.first_contact_resolution, ana11.resolution_success, ana11.csat) == (
        None,
        0.0,
        None,
    )
    # Ben, week 10: the bounced handoff costs first-contact resolution.
    assert (ben10.response.mean_seconds, ben10.resolution.mean_seconds) == (2 * HOUR, 6 * HOUR)
    assert (ben10.bounce_rate, ben10.first_contact_resolution, ben10.csat) == (1.0, 0.0, 1.0)
    # Ben, week 11: the first resolution counts; the reopen is rework.
    assert (ben11.response.mean_seconds, ben11.resolution.mean_seconds) == (0.5 * HOUR, HOUR)
    assert (ben11.reopen_rate, ben11.first_contact_resolution) == (1.0, 0.0)
    assert (ben11.csat, ben11.csat_average, ben11.csat_responses) == (0.5, 3.0, 2)


def test_hot_spots_rank_categories_by_complaints_with_their_rework(
    fortnight: dict[str, UUID], read_side: ReadSide
) -> None:
    read_side.catch_up(["case_analytics"])
    _, spots = complaint_analytics(
        read_side.db,
        read_side.generation("case_analytics"),
        read_side.app.policy,
        since=None,
        until=None,
    )
    assert [(s.category, s.complaints, s.reopened, s.dissatisfied) for s in spots] == [
        ("complaint", 3, 1, 2),
        ("order", 2, 0, 0),
    ]


def test_a_window_keeps_the_complaints_registered_in_it(
    fortnight: dict[str, UUID], read_side: ReadSide
) -> None:
    read_side.catch_up(["case_analytics"])
    [week11], _ = complaint_analytics(
        read_side.db,
        read_side.generation("case_analytics"),
        read_side.app.policy,
        since=datetime(2026, 3, 9, tzinfo=UTC),
        until=datetime(2026, 3, 16, tzinfo=UTC),
    )
    assert week11.complaints == 2


def test_targets_say_met_or_missed_and_by_how_much(
    fortnight: dict[str, UUID], read_side: ReadSide
) -> None:
    targets = ServiceTargets(csat=0.85, reopen_rate=0.5, response_p90=None)
    policy = Policy(calendar=OFFICE, service_targets=targets)
    groups = _by_owner_and_week(read_side, policy)
    checks = {c.figure: c for c in groups["agent-1", "2026-W10"].targets}
    assert (checks["csat"].met, checks["csat"].by) == (False, pytest.approx(0.35))
    assert checks["csat"].direction == "at_least"
    ben = {c.figure: c for c in groups["agent-2", "2026-W11"].targets}
    assert (ben["reopen_rate"].met, ben["reopen_rate"].by) == (False, 0.5)
    assert (ben["csat"].met, ben["csat"].by) == (False, pytest.approx(0.35))
    ben10 = {c.figure: c for c in groups["agent-2", "2026-W10"].targets}
    assert (ben10["csat"].met, ben10["csat"].by) == (True, pytest.approx(0.15))
    assert groups["agent-1", "2026-W11"].targets[0].met is None  # no scores yet


def test_the_view_equals_its_rebuild(
    fortnight: dict[str, UUID], read_side: ReadSide, clock: ManualClock
) -> None:
    from tests.projections.conftest import dump_views

    read_side.catch_up(["case_analytics", "incident_analytics"])
    before = dump_views(read_side)
    for name in ("case_analytics", "incident_analytics"):
        read_side.rebuild(name)
    after = dump_views(read_side)
    for table in ("case_analytics", "incident_analytics", "incident_action_items"):
        assert after[table] == before[table]
    assert len(after["case_analytics"]) == 5
