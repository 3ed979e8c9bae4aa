"""Service metrics after a scripted day."""

from datetime import timedelta

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.values import Actor
from projections.cases.metrics import duration_stats, service_metrics
from projections.engine.read_side import ReadSide
from tests.conftest import START
from tests.projections.conftest import AGENT, TECH, new_complaint

COURIER = Actor("log-2", "department_staff", "logistics")


def test_percentiles_use_the_nearest_rank() -> None:
    stats = duration_stats([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert (stats.count, stats.mean_seconds, stats.p50_seconds, stats.p90_seconds) == (
        10,
        55,
        50,
        90,
    )


@pytest.fixture
def scripted_day(ledger: LedgerApplication, clock: ManualClock) -> None:
    """Three complaints: one answered fast and resolved first time (rated 5), one bounced between
    departments and reopened (rated 1, then 4), one never answered (breached)."""
    fast = new_complaint(ledger, category="order")
    clock.advance(timedelta(minutes=30))
    ledger.respond_to_complaint(fast, message="hi", actor=AGENT)
    ledger.resolve_complaint(fast, resolution="done", actor=AGENT)
    ledger.record_feedback(fast, satisfaction=5, actor=AGENT)

    slow = new_complaint(ledger, category="complaint")
    bounced = ledger.request_handoff(
        complaint_id=slow, to_department="logistics", reason="x", actor=AGENT
    )
    ledger.reject_handoff(bounced.id, reason="not ours", actor=COURIER)
    taken = ledger.request_handoff(
        complaint_id=slow, to_department="technical", reason="y", actor=AGENT
    )
    ledger.accept_handoff(taken.id, actor=TECH)
    ledger.complete_handoff(taken.id, result="fixed", actor=TECH)
    clock.advance(timedelta(minutes=60))
    ledger.respond_to_complaint(slow, message="hi", actor=AGENT)
    ledger.resolve_complaint(slow, resolution="done", actor=AGENT)
    ledger.record_feedback(slow, satisfaction=1, actor=AGENT)
    ledger.resolve_complaint(slow, resolution="again", actor=AGENT)
    ledger.record_feedback(slow, satisfaction=4, actor=AGENT)

    new_complaint(ledger, category="complaint")
    clock.advance(timedelta(hours=3))


def test_overall_metrics_of_a_scripted_day(
    scripted_day: None, read_side: ReadSide, clock: ManualClock
) -> None:
    read_side.catch_up()
    [overall], hot_spots = service_metrics(
        read_side.db, read_side.generation("case_status"), now=clock.now()
    )
    assert overall.complaints == 3
    assert overall.first_response.count == 2
    assert overall.first_response.p50_seconds == 30 * 60
    assert overall.first_response.p90_seconds == 60 * 60  # registered 30 min later
    assert overall.first_contact_resolution_rate == 0.5
    assert overall.reopen_rate == 0.5
    assert overall.handoff_bounce_rate == 0.5
    assert overall.csat_average == pytest.approx(10 / 3)
    assert overall.csat_satisfied_share == pytest.approx(2 / 3)
    assert overall.sla_compliance_rate == pytest.approx(2 / 3)
    assert hot_spots[0].category == "complaint"
    assert (hot_spots[0].complaints, hot_spots[0].breaches) == (2, 1)


def test_metrics_group_by_category_and_by_period(
    scripted_day: None, read_side: ReadSide, clock: ManualClock
) -> None:
    read_side.catch_up()
    generation = read_side.generation("case_status")
    groups, _ = service_metrics(read_side.db, generation, now=clock.now(), group_by="category")
    assert {g.group: g.complaints for g in groups} == {"complaint": 2, "order": 1}
    periods, _ = service_metrics(read_side.db, generation, now=clock.now(), group_by="period")
    assert [(g.group, g.complaints) for g in periods] == [(START.date().isoformat(), 3)]
    later, _ = service_metrics(
        read_side.db, generation, now=clock.now(), since=START + timedelta(days=1)
    )
    assert later[0].complaints == 0
