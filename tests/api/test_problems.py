"""Bad input gets a clear problem+json naming the field, and nothing is stored."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import AGENT, NEW_COMPLAINT, command, ok, register, workable

PROBLEM = "application/problem+json"


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: no test here reads what another left."""
    return module_app


def _events(client: FlaskClient, complaint_id: str) -> int:
    return len(ok(client.get(f"/v1/complaints/{complaint_id}/history", headers=AGENT))["events"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_COMPLAINT, "channel": "carrier_pigeon"}, "channel"),
        ({**NEW_COMPLAINT, "summary": ""}, "summary"),
        ({**NEW_COMPLAINT, "summary": "x" * 301}, "summary"),
        ({**NEW_COMPLAINT, "customer": {"name": "A", "email": "not-an-email"}}, "customer.email"),
        ({**NEW_COMPLAINT, "customer": {}}, "customer.name"),
        ({**NEW_COMPLAINT, "surprise": 1}, "surprise"),
        ({**NEW_COMPLAINT, "description": "nul\x00byte"}, "description"),
        ({**NEW_COMPLAINT, "department": "Marketing Dept"}, "department"),
        ({k: v for k, v in NEW_COMPLAINT.items() if k != "channel"}, "channel"),
    ],
)
def test_invalid_registration_is_refused_naming_the_field(
    client: FlaskClient, body: dict, field: str
) -> None:
    response = client.post("/v1/complaints", json=body, headers=AGENT)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert response.get_json()["field"] == field


def test_an_unknown_department_is_refused_and_nothing_is_registered(client: FlaskClient) -> None:
    response = client.post(
        "/v1/complaints", json={**NEW_COMPLAINT, "department": "marketing"}, headers=AGENT
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "department"
    assert register(client)["reference"] == "CMP-2026-000001"


def test_malformed_json_is_a_400_problem(client: FlaskClient) -> None:
    response = client.post(
        "/v1/complaints", data="{not json", content_type="application/json", headers=AGENT
    )
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    assert response.get_json()["field"] == "body"


def test_a_json_array_instead_of_an_object_is_refused(client: FlaskClient) -> None:
    response = client.post("/v1/complaints", json=[NEW_COMPLAINT], headers=AGENT)
    assert response.status_code == 422
    assert response.get_json()["field"] == "body"


@pytest.mark.parametrize("satisfaction", [0, 6, "5", 4.5, None])
def test_satisfaction_must_be_a_score_from_one_to_five(
    client: FlaskClient, satisfaction: object
) -> None:
    complaint = workable(client)
    ok(command(client, complaint["id"], "resolve", {"resolution": "Done"}))
    before = _events(client, complaint["id"])
    response = command(client, complaint["id"], "feedback", {"satisfaction": satisfaction})
    assert response.status_code == 422
    assert response.get_json()["field"] == "satisfaction"
    assert _events(client, complaint["id"]) == before


def test_a_forbidden_transition_is_a_409_that_says_why(client: FlaskClient) -> None:
    complaint = register(client)
    response = command(client, complaint["id"], "resolve", {"resolution": "Done"})
    assert response.status_code == 409
    assert response.content_type == PROBLEM
    assert response.get_json()["detail"] == "cannot resolve an unclassified complaint"
    assert _events(client, complaint["id"]) == 1


def test_acting_on_a_closed_complaint_is_refused(client: FlaskClient) -> None:
    complaint = workable(client)
    ok(command(client, complaint["id"], "resolve", {"resolution": "Done"}))
    ok(command(client, complaint["id"], "close", {"waiver_reason": "Unreachable"}))
    response = command(client, complaint["id"], "notes", {"note": "late"})
    assert response.status_code == 409
    assert "closed" in response.get_json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/complaints/00000000-0000-0000-0000-000000000000",
        "/v1/complaints/CMP-2026-999999",
        "/v1/complaints/..%2F..%2Fetc%2Fpasswd",
        "/v1/escalations/not-a-uuid",
        "/v1/handoffs/00000000-0000-0000-0000-000000000000",
        "/v1/departments/nowhere/handoffs",
        "/v1/nothing-here",
    ],
)
def test_unknown_records_and_paths_are_404_problems(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=AGENT)
    assert response.status_code == 404
    assert response.content_type == PROBLEM


def test_a_wrong_method_is_a_405_problem(client: FlaskClient) -> None:
    response = client.delete("/v1/complaints", headers=AGENT)
    assert response.status_code == 405
    assert response.content_type == PROBLEM


def test_an_oversized_body_is_a_413_problem(client: FlaskClient) -> None:
    response = client.post(
        "/v1/complaints", json={**NEW_COMPLAINT, "description": "x" * 70_000}, headers=AGENT
    )
    assert response.status_code == 413
    assert response.content_type == PROBLEM


def test_a_caller_who_does_not_identify_is_a_401_problem(client: FlaskClient) -> None:
    response = client.post("/v1/complaints", json=NEW_COMPLAINT)
    assert response.status_code == 401
    assert response.content_type == PROBLEM


def test_a_handoff_due_time_without_a_timezone_is_refused(client: FlaskClient) -> None:
    complaint = workable(client)
    response = client.post(
        "/v1/handoffs",
        json={
            "complaint_id": complaint["id"],
            "to_department": "technical",
            "reason": "Fault",
            "due": "2026-03-05T10:00:00",
        },
        headers=AGENT,
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "due"


def test_errors_never_echo_personal_data(client: FlaskClient) -> None:
    marker = "MARKER-5b1f-NAME"
    response = client.post(
        "/v1/complaints",
        json={**NEW_COMPLAINT, "customer": {"name": marker, "email": marker}},
        headers=AGENT,
    )
    assert response.status_code == 422
    assert marker not in response.get_data(as_text=True)


def test_health_answers_without_identification(client: FlaskClient) -> None:
    body = ok(client.get("/health"))
    assert body == {"status": "ok", "store": "postgresql"}


def test_an_unknown_category_is_invalid_input_not_a_refused_command(client: FlaskClient) -> None:
    complaint = register(client)
    response = command(
        client, complaint["id"], "classify", {"category": "gossip", "priority": "urgent"}
    )
    assert (response.status_code, response.get_json()["field"]) == (422, "category")


def test_a_method_the_address_does_not_take_is_405_naming_those_it_takes(
    client: FlaskClient,
) -> None:
    response = client.delete(f"/v1/complaints/{register(client)['id']}", headers=AGENT)
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json()["type"] == "/problems/method-not-allowed"


def test_a_body_that_is_not_json_is_415_saying_what_is_taken(client: FlaskClient) -> None:
    response = client.post(
        "/v1/complaints", data="channel=phone", content_type="text/plain", headers=AGENT
    )
    assert response.status_code == 415
    assert response.headers["Accept"] == "application/json"
    assert response.get_json()["type"] == "/problems/unsupported-media-type"


def test_one_type_has_one_title_whichever_part_of_the_service_answers(
    client: FlaskClient,
) -> None:
    no_route = client.get("/v1/nowhere", headers=AGENT).get_json()
    no_record = client.get("/v1/complaints/CMP-2026-999999", headers=AGENT).get_json()
    assert (no_route["type"], no_route["title"]) == (no_record["type"], no_record["title"])


def test_every_problem_type_the_service_answers_with_is_a_page_explaining_it(
    client: FlaskClient,
) -> None:
    answers = [
        client.get("/v1/complaints", headers={}),
        client.get("/v1/complaints/CMP-2026-999999", headers=AGENT),
        client.post("/v1/complaints", json={}, headers=AGENT),
        client.post("/v1/complaints", data="x", content_type="text/plain", headers=AGENT),
        client.put("/v1/complaints", headers=AGENT),
    ]
    for answer in answers:
        problem_type = answer.get_json()["type"]
        page = client.get(problem_type)
        assert page.status_code == 200, problem_type
        assert page.get_data(as_text=True).startswith(answer.get_json()["title"]), problem_type


def test_a_problem_type_that_does_not_exist_has_no_page(client: FlaskClient) -> None:
    response = client.get("/problems/everything-is-fine")
    assert (response.status_code, response.get_json()["type"]) == (404, "/problems/not-found")
