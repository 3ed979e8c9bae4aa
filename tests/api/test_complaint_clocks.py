"""The clocks a request starts: a promised reply and the registration after a first contact,
seen in the complaint's SLA clocks; bad input answered as problems naming the field."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.clock import ManualClock
from tests.api.conftest import AGENT, command, ok, register, workable


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: its tests leave nothing another reads."""
    return module_app


@pytest.fixture
def clock(module_app: Flask) -> ManualClock:
    """The module's app's clock: a test that moves it moves it for the tests after it too."""
    return module_app.extensions["ledger"].clock  # type: ignore[no-any-return]


def _clocks(client: FlaskClient, complaint_id: str) -> dict[str, dict]:
    body = ok(client.get(f"/v1/complaints/{complaint_id}/sla", headers=AGENT))
    return {c["clock"]: c for c in body["clocks"]}


def test_a_promised_reply_runs_as_a_clock_of_its_own(
    client: FlaskClient, clock: ManualClock
) -> None:
    complaint = workable(client)
    due = clock.now() + timedelta(hours=3)
    ok(command(client, complaint["id"], "promise", {"due": due.isoformat()}))
    promise = _clocks(client, complaint["id"])["promise:1"]
    assert (promise["state"], promise["due_at"]) == ("running", due.isoformat())


def test_a_promise_in_the_past_is_refused_naming_the_field(
    client: FlaskClient, clock: ManualClock
) -> None:
    complaint = workable(client)
    past = clock.now() - timedelta(minutes=1)
    response = command(client, complaint["id"], "promise", {"due": past.isoformat()})
    assert response.status_code == 409  # a rule of the complaint refuses it, as for any command
    assert response.content_type == "application/problem+json"
    assert response.get_json()["field"] == "due"


def test_a_registration_long_after_the_first_contact_shows_its_clock_breached(
    client: FlaskClient, clock: ManualClock
) -> None:
    contact = clock.now() - timedelta(hours=30)
    complaint = register(client, first_contact_at=contact.isoformat())
    registration = _clocks(client, complaint["id"])["registration"]
    assert registration["state"] == "breached"
    assert registration["due_at"] == (contact + timedelta(hours=24)).isoformat()
