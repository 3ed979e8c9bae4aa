"""GET /v1/complaints (the status view), department queues and projection status over HTTP."""

from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from ledger.errors import PolicyError
from projections.engine.worker import ProjectionWorker
from tests.api.conftest import (
    AGENT,
    MANAGER,
    SUPERVISOR,
    TECHNICIAN,
    command,
    ok,
    register,
    workable,
)
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64


def test_the_list_shows_a_new_complaint_at_once_and_says_how_current_it_is(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    body = ok(client.get("/v1/complaints", headers=MANAGER))
    assert [item["id"] for item in body["items"]] == [complaint["id"]]
    assert (
        body["position"]
        == ok(client.get("/v1/projections", headers=MANAGER))["projections"][0]["head"]
    )
    item = body["items"][0]
    assert (item["status"], item["owner"], item["priority"]) == ("classified", "agent-7", "urgent")
    assert {c["clock"] for c in item["clocks"]} == {"first_response", "resolution"}


def test_the_list_filters_by_status_priority_and_department(client: FlaskClient) -> None:
    urgent = workable(client)
    fresh = register(client)
    assert [
        i["id"]
        for i in ok(client.get("/v1/complaints?status=registered", headers=MANAGER))["items"]
    ] == [fresh["id"]]
    assert [
        i["id"] for i in ok(client.get("/v1/complaints?priority=urgent", headers=MANAGER))["items"]
    ] == [urgent["id"]]
    assert ok(client.get("/v1/complaints?department=technical", headers=MANAGER))["items"] == []


def test_q_matches_the_reference_but_never_personal_data(client: FlaskClient) -> None:
    complaint = workable(client)
    found = ok(client.get(f"/v1/complaints?q={complaint['reference'].lower()}", headers=MANAGER))
    assert [i["id"] for i in found["items"]] == [complaint["id"]]
    assert ok(client.get("/v1/complaints?q=Li%20Si", headers=MANAGER))["items"] == []


def test_pages_follow_the_cursor_without_repeats(client: FlaskClient, clock: ManualClock) -> None:
    ids = []
    for _ in range(3):
        ids.append(register(client)["id"])
        clock.advance(timedelta(seconds=1))
    first = ok(client.get("/v1/complaints?limit=2", headers=MANAGER))
    second = ok(
        client.get(f"/v1/complaints?limit=2&cursor={first['next_cursor']}", headers=MANAGER)
    )
    assert [i["id"] for i in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None


def test_a_forged_cursor_is_refused_naming_the_field(client: FlaskClient) -> None:
    response = client.get("/v1/complaints?cursor=bm90LWEtY3Vyc29y", headers=MANAGER)
    assert response.status_code == 400
    assert response.get_json()["field"] == "cursor"


def test_an_overdue_complaint_is_listed_as_breached(
    client: FlaskClient, clock: ManualClock
) -> None:
    late = workable(client)
    clock.advance(timedelta(hours=3))
    on_time = workable(client)
    breached = ok(client.get("/v1/complaints?breached=true", headers=MANAGER))
    assert [i["id"] for i in breached["items"]] == [late["id"]]
    assert [
        i["id"] for i in ok(client.get("/v1/complaints?breached=false", headers=MANAGER))["items"]
    ] == [on_time["id"]]


def test_the_queue_shows_handed_cases_with_time_left_to_each_deadline(
    client: FlaskClient, clock: ManualClock
) -> None:
    complaint = workable(client)
    ok(
        client.post(
            "/v1/handoffs",
            json={"complaint_id": complaint["id"], "to_department": "technical", "reason": "fault"},
            headers=AGENT,
        ),
        201,
    )
    clock.advance(timedelta(minutes=30))
    queue = ok(client.get("/v1/departments/technical/queue", headers=TECHNICIAN))
    assert [i["id"] for i in queue["items"]] == [complaint["id"]]
    left = {c["clock"].split(":")[0]: c["seconds_left"] for c in queue["items"][0]["clocks"]}
    assert left["handoff_accept"] == 90 * 60
    assert left["first_response"] == 90 * 60


def test_list_and_queue_items_show_what_the_single_case_read_shows(
    client: FlaskClient, clock: ManualClock
) -> None:
    # The lists read only the columns an item renders; a case with an open handoff and an
    # escalation uses nearly all of them.
    complaint = workable(client)
    ok(
        client.post(
            "/v1/handoffs",
            json={"complaint_id": complaint["id"], "to_department": "technical", "reason": "x"},
            headers=AGENT,
        ),
        201,
    )
    ok(
        client.post(
            "/v1/escalations",
            json={"complaint_id": complaint["id"], "level": "supervisor", "reason": "upset"},
            headers=AGENT,
        ),
        201,
    )
    clock.advance(timedelta(minutes=30))
    single = ok(client.get(f"/v1/complaints/{complaint['id']}/sla", headers=MANAGER))
    assert single["open_handoff"] is not None and single["escalation_level"] == "supervisor"
    listed = ok(client.get("/v1/complaints", headers=MANAGER))["items"]
    queued = ok(client.get("/v1/departments/technical/queue", headers=MANAGER))["items"]
    assert listed == [single]
    assert queued == [single]


def test_an_unknown_department_has_no_queue(client: FlaskClient) -> None:
    assert client.get("/v1/departments/nowhere/queue", headers=MANAGER).status_code == 404


def test_a_responded_complaint_stops_its_first_response_clock(client: FlaskClient) -> None:
    complaint = workable(client)
    ok(command(client, complaint["id"], "respond", {"message": "We are on it"}))
    clocks = ok(client.get(f"/v1/complaints/{complaint['id']}/sla", headers=MANAGER))["clocks"]
    assert {c["clock"]: c["state"] for c in clocks}["first_response"] == "met"


def test_waiting_on_the_customer_pauses_the_clocks_over_http(
    client: FlaskClient, clock: ManualClock
) -> None:
    complaint = workable(client)
    body = ok(command(client, complaint["id"], "await-customer", {"reason": "order number?"}))
    assert body["awaiting_customer_since"] is not None
    clock.advance(timedelta(hours=4))
    clocks = ok(client.get(f"/v1/complaints/{complaint['id']}/sla", headers=MANAGER))["clocks"]
    assert {c["clock"]: c["state"] for c in clocks}["first_response"] == "paused"
    ok(command(client, complaint["id"], "customer-replied"))
    item = ok(client.get(f"/v1/complaints/{complaint['id']}/sla", headers=MANAGER))
    assert item["breached"] is False


def test_the_audit_history_interleaves_the_case_its_escalations_and_handoffs_in_order(
    client: FlaskClient, clock: ManualClock
) -> None:
    complaint = workable(client)
    clock.advance(timedelta(minutes=1))
    handoff = ok(
        client.post(
            "/v1/handoffs",
            json={"complaint_id": complaint["id"], "to_department": "technical", "reason": "x"},
            headers=AGENT,
        ),
        201,
    )
    clock.advance(timedelta(minutes=1))
    ok(client.post(f"/v1/handoffs/{handoff['id']}/accept", json={}, headers=TECHNICIAN))
    clock.advance(timedelta(minutes=1))
    ok(
        client.post(
            "/v1/escalations",
            json={"complaint_id": complaint["id"], "level": "supervisor", "reason": "upset"},
            headers=SUPERVISOR,  # the technician owns it now: an agent may no longer act on it
        ),
        201,
    )
    trail = ok(client.get(f"/v1/complaints/{complaint['reference']}/audit", headers=MANAGER))
    assert [(e["stream"], e["event"]) for e in trail["events"]] == [
        ("complaint", "Registered"),
        ("complaint", "Classified"),
        ("complaint", "Assigned"),
        ("complaint", "HandoffRequested"),
        ("handoff", "Requested"),
        ("complaint", "HandoffAccepted"),
        ("handoff", "Accepted"),
        ("complaint", "Escalated"),
        ("escalation", "Raised"),
    ]
    assert trail["events"][4]["stream_id"] == handoff["id"]


def test_the_audit_history_of_an_unknown_complaint_is_404(client: FlaskClient) -> None:
    assert client.get("/v1/complaints/CMP-2026-999999/audit", headers=MANAGER).status_code == 404


def test_service_metrics_over_http_group_by_channel(client: FlaskClient) -> None:
    workable(client)
    body = ok(client.get("/v1/metrics/service?group_by=channel", headers=MANAGER))
    assert [(g["group"], g["complaints"]) for g in body["groups"]] == [("phone", 1)]
    assert body["hot_spots"][0]["category"] == "complaint"


def test_an_empty_metrics_window_counts_nothing(client: FlaskClient) -> None:
    register(client)
    body = ok(
        client.get(
            "/v1/metrics/service?from=2026-03-02T00:00:00Z&to=2026-03-02T00:00:00Z&group_by=channel",
            headers=MANAGER,
        )
    )
    assert body["groups"] == []


def test_a_metrics_window_that_ends_before_it_starts_is_refused(client: FlaskClient) -> None:
    response = client.get(
        "/v1/metrics/service?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", headers=MANAGER
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "to"


def test_without_in_process_projections_the_list_shows_what_the_worker_has_built(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        projections="off",
    )
    app = create_app(settings, clock=clock)
    try:
        client = app.test_client()
        register(client)
        before = ok(client.get("/v1/complaints", headers=MANAGER))
        assert (before["items"], before["position"]) == ([], 0)
        ProjectionWorker(app.extensions["read_side"]).run_once()
        after = ok(client.get("/v1/complaints", headers=MANAGER))
        assert len(after["items"]) == 1
        assert after["position"] > 0
    finally:
        app.extensions["ledger"].close()


def test_an_unknown_projections_mode_is_refused_at_start() -> None:
    with pytest.raises(PolicyError, match="LEDGER_PROJECTIONS"):
        Settings.from_env({"LEDGER_PROJECTIONS": "sometimes"})


def test_department_staff_list_only_their_departments_complaints(client: FlaskClient) -> None:
    from tests.api.conftest import NEW_COMPLAINT

    ok(
        client.post(
            "/v1/complaints", json={**NEW_COMPLAINT, "department": "technical"}, headers=SUPERVISOR
        ),
        201,
    )
    ok(
        client.post(
            "/v1/complaints", json={**NEW_COMPLAINT, "department": "quality"}, headers=SUPERVISOR
        ),
        201,
    )
    mine = ok(client.get("/v1/complaints", headers=TECHNICIAN))["items"]
    assert {c["department"] for c in mine} == {"technical"}
    assert ok(client.get("/v1/complaints?department=quality", headers=TECHNICIAN))["items"] == []
    assert len(ok(client.get("/v1/complaints", headers=MANAGER))["items"]) == 2
