"""A POST retried with the same Idempotency-Key returns the first result and appends nothing."""

from flask.testing import FlaskClient

from tests.api.conftest import AGENT, NEW_COMPLAINT, SUPERVISOR, command, ok, register, workable


def _history(client: FlaskClient, complaint_id: str) -> list[str]:
    return [
        e["event"]
        for e in ok(client.get(f"/v1/complaints/{complaint_id}/history", headers=AGENT))["events"]
    ]


def test_a_retried_registration_returns_the_first_complaint(client: FlaskClient) -> None:
    headers = {**AGENT, "Idempotency-Key": "reg-1"}
    first = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=headers)
    again = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert register(client)["reference"] == "CMP-2026-000002"


def test_a_retried_command_appends_nothing(client: FlaskClient) -> None:
    complaint = workable(client)
    headers = {**AGENT, "Idempotency-Key": "note-1"}
    first = command(client, complaint["id"], "notes", {"note": "Called back"}, headers=headers)
    again = command(client, complaint["id"], "notes", {"note": "Called back"}, headers=headers)
    assert again.get_json() == first.get_json()
    assert _history(client, complaint["id"]).count("ProgressNoted") == 1


def test_the_replay_shows_the_first_result_even_after_later_changes(client: FlaskClient) -> None:
    complaint = workable(client)
    headers = {**AGENT, "Idempotency-Key": "note-2"}
    first = ok(command(client, complaint["id"], "notes", {"note": "One"}, headers=headers))
    ok(command(client, complaint["id"], "notes", {"note": "Two"}))
    replay = ok(command(client, complaint["id"], "notes", {"note": "One"}, headers=headers))
    assert replay["version"] == first["version"]


def test_a_refused_command_is_replayed_as_the_same_refusal(client: FlaskClient) -> None:
    complaint = register(client)
    headers = {**AGENT, "Idempotency-Key": "resolve-early"}
    first = command(client, complaint["id"], "resolve", {"resolution": "x"}, headers=headers)
    again = command(client, complaint["id"], "resolve", {"resolution": "x"}, headers=headers)
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.get_json() == first.get_json()


def test_the_same_key_with_a_different_request_is_refused(client: FlaskClient) -> None:
    complaint = workable(client)
    headers = {**AGENT, "Idempotency-Key": "note-3"}
    ok(command(client, complaint["id"], "notes", {"note": "One"}, headers=headers))
    response = command(client, complaint["id"], "notes", {"note": "Different"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "Idempotency-Key"
    assert _history(client, complaint["id"]).count("ProgressNoted") == 1


def test_keys_belong_to_the_caller_who_sent_them(client: FlaskClient) -> None:
    complaint = workable(client)
    body = {"note": "Same words"}
    ok(command(client, complaint["id"], "notes", body, headers={**AGENT, "Idempotency-Key": "k"}))
    ok(
        command(
            client, complaint["id"], "notes", body, headers={**SUPERVISOR, "Idempotency-Key": "k"}
        )
    )
    assert _history(client, complaint["id"]).count("ProgressNoted") == 2
