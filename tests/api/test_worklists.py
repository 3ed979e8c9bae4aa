"""GET /v1/incidents, /v1/escalations and /v1/handoffs: filters, scope, waiting times, pages."""

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from ledger.clock import ManualClock
from tests.api.conftest import (
    AGENT,
    COURIER_DESK,
    ENGINEER,
    INCIDENT_MANAGER,
    MANAGER,
    SUPERVISOR,
    TECHNICIAN,
    ok,
    workable,
)


def _hand(client: FlaskClient, complaint: dict[str, Any], to: str) -> dict[str, Any]:
    body = {"complaint_id": complaint["id"], "to_department": to, "reason": "fault"}
    return ok(client.post("/v1/handoffs", json=body, headers=AGENT), 201)


def _escalate(client: FlaskClient, complaint: dict[str, Any]) -> dict[str, Any]:
    body = {"complaint_id": complaint["id"], "level": "supervisor", "reason": "upset"}
    return ok(client.post("/v1/escalations", json=body, headers=AGENT), 201)


def _incident(client: FlaskClient, title: str, departments: list[str]) -> dict[str, Any]:
    incident = ok(
        client.post(
            "/v1/incidents", json={"title": title, "description": "d"}, headers=INCIDENT_MANAGER
        ),
        201,
    )
    ok(
        client.post(
            f"/v1/incidents/{incident['id']}/assess",
            json={"level": "II", "impact": "hub down", "departments": departments},
            headers=INCIDENT_MANAGER,
        )
    )
    return incident


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_the_handoff_list_shows_settled_handoffs_by_state(client: FlaskClient) -> None:
    first, second = workable(client), workable(client)
    rejected = _hand(client, first, "technical")
    ok(
        client.post(
            f"/v1/handoffs/{rejected['id']}/reject", json={"reason": "no"}, headers=TECHNICIAN
        )
    )
    open_one = _hand(client, second, "logistics")
    body = ok(client.get("/v1/handoffs?state=rejected", headers=MANAGER))
    assert _ids(body) == [rejected["id"]]
    assert body["items"][0]["settled_at"] is not None
    everything = ok(client.get("/v1/handoffs?department=service&direction=out", headers=MANAGER))
    assert set(_ids(everything)) == {rejected["id"], open_one["id"]}


def test_department_staff_list_only_handoffs_from_or_to_their_department(
    client: FlaskClient,
) -> None:
    mine = _hand(client, workable(client), "technical")
    _hand(client, workable(client), "logistics")
    assert _ids(ok(client.get("/v1/handoffs", headers=TECHNICIAN))) == [mine["id"]]
    assert ok(client.get("/v1/handoffs?department=logistics", headers=TECHNICIAN))["items"] == []


def test_an_overdue_handoff_is_listed_as_overdue(client: FlaskClient, clock: ManualClock) -> None:
    late = _hand(client, workable(client), "technical")
    clock.advance(timedelta(hours=3))
    _hand(client, workable(client), "technical")
    body = ok(client.get("/v1/handoffs?overdue=true", headers=MANAGER))
    assert _ids(body) == [late["id"]]
    assert body["items"][0]["overdue"] is True


def test_the_escalation_inbox_says_how_long_each_has_waited_unacknowledged(
    client: FlaskClient, clock: ManualClock
) -> None:
    waiting = _escalate(client, workable(client))
    taken = _escalate(client, workable(client))
    clock.advance(timedelta(minutes=20))
    ok(client.post(f"/v1/escalations/{taken['id']}/acknowledge", json={}, headers=SUPERVISOR))
    clock.advance(timedelta(minutes=10))
    items = {i["id"]: i for i in ok(client.get("/v1/escalations", headers=MANAGER))["items"]}
    assert items[waiting["id"]]["waited_seconds"] == 30 * 60
    assert items[taken["id"]]["waited_seconds"] == 20 * 60
    assert items[waiting["id"]]["subject_reference"].startswith("CMP-")


def test_a_supervisors_inbox_holds_what_waits_at_their_level_in_their_chain(
    client: FlaskClient,
) -> None:
    waiting = _escalate(client, workable(client))
    taken = _escalate(client, workable(client))
    ok(client.post(f"/v1/escalations/{taken['id']}/acknowledge", json={}, headers=SUPERVISOR))
    assert _ids(ok(client.get("/v1/escalations?inbox=true", headers=SUPERVISOR))) == [waiting["id"]]
    assert ok(client.get("/v1/escalations?inbox=true", headers=MANAGER))["items"] == []
    assert ok(client.get("/v1/escalations?inbox=true", headers=AGENT))["items"] == []


def test_department_staff_see_escalations_of_complaints_their_department_holds(
    client: FlaskClient,
) -> None:
    handed = workable(client)
    _hand(client, handed, "technical")
    seen = _escalate(client, handed)
    _escalate(client, workable(client))
    assert _ids(ok(client.get("/v1/escalations", headers=TECHNICIAN))) == [seen["id"]]
    assert ok(client.get("/v1/escalations", headers=COURIER_DESK))["items"] == []


def test_the_incident_list_filters_by_level_department_and_text(client: FlaskClient) -> None:
    scanners = _incident(client, "Scanner outage", ["technical"])
    trucks = _incident(client, "Truck breakdown", ["logistics"])
    assert _ids(ok(client.get("/v1/incidents?department=logistics", headers=MANAGER))) == [
        trucks["id"]
    ]
    assert _ids(ok(client.get("/v1/incidents?q=scanner", headers=MANAGER))) == [scanners["id"]]
    found = ok(client.get(f"/v1/incidents?q={trucks['reference']}", headers=MANAGER))
    assert _ids(found) == [trucks["id"]]
    assert len(ok(client.get("/v1/incidents?level=II", headers=MANAGER))["items"]) == 2


def test_an_incident_past_its_activation_deadline_is_overdue(
    client: FlaskClient, clock: ManualClock
) -> None:
    late = _incident(client, "Scanner outage", ["technical"])
    clock.advance(timedelta(hours=5))  # activation was due 4 h after the report
    body = ok(client.get("/v1/incidents?overdue=true", headers=MANAGER))
    assert _ids(body) == [late["id"]]
    assert body["items"][0]["deadline_due"] is not None


def test_department_staff_list_only_incidents_that_involve_them(client: FlaskClient) -> None:
    mine = _incident(client, "Scanner outage", ["technical"])
    _incident(client, "Truck breakdown", ["logistics"])
    assert _ids(ok(client.get("/v1/incidents", headers=TECHNICIAN))) == [mine["id"]]
    assert ok(client.get("/v1/incidents", headers=ENGINEER))["items"] == []


def test_the_incident_list_never_shows_the_description(client: FlaskClient) -> None:
    _incident(client, "Scanner outage", ["technical"])
    [item] = ok(client.get("/v1/incidents", headers=MANAGER))["items"]
    assert "description" not in item and item["title"] == "Scanner outage"
