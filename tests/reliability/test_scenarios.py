"""The reliability scenarios, short: `make reliability` runs the same code at full length."""

from collections.abc import Iterator

import pytest

from tests.reliability.scenarios import (
    SHORT,
    Outcome,
    database_outage_scenario,
    load_scenario,
    sigkill_scenario,
)
from tests.reliability.throwaway_postgres import ThrowawayPostgres, throwaway_postgres


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as pg:
        yield pg


def assert_nothing_lost(outcome: Outcome) -> None:
    assert outcome.acknowledged_missing == 0
    assert outcome.projections_equal
    assert outcome.verifies


def test_sixty_four_clients_get_no_error_and_store_exactly_the_acknowledged_events(
    cluster: ThrowawayPostgres,
) -> None:
    outcome = load_scenario(cluster.url, SHORT)

    assert outcome.errors == {}
    assert outcome.events_found == outcome.events_expected > 0
    assert_nothing_lost(outcome)


def test_a_database_outage_answers_503_and_the_service_recovers_by_itself() -> None:
    outcome = database_outage_scenario(SHORT)

    assert set(outcome.errors) <= {"503"}
    assert outcome.recovered
    # A write answered 503 whose commit raced the shutdown is replayed by its retry, not re-run.
    assert set(outcome.retried) <= {"200", "201"}
    assert outcome.events_found == outcome.events_expected
    assert_nothing_lost(outcome)


def test_a_sigkilled_service_completes_every_retried_write_exactly_once(
    cluster: ThrowawayPostgres,
) -> None:
    outcome = sigkill_scenario(cluster.url, SHORT)

    assert not any(status.startswith("5") for status in outcome.errors)
    # Every write that got no answer completes exactly once when retried with its key.
    assert set(outcome.retried) <= {"200", "201"}
    assert outcome.events_found == outcome.events_expected
    assert_nothing_lost(outcome)
