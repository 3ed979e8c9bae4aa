"""A POST retried with the same Idempotency-Key returns the first result and appends nothing."""

import json
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from api.http import idempotency
from api.http.presenters import ledger as ledger_of
from ledger.clock import ManualClock
from tests.api.conftest import (
    AGENT,
    NEW_COMPLAINT,
    PRIVACY_OFFICER,
    SUPERVISOR,
    command,
    ok,
    register,
    workable,
)


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


def test_a_retry_while_the_first_request_still_runs_is_told_when_to_come_back(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    body = json.dumps(NEW_COMPLAINT)
    with app.test_request_context("/v1/complaints", method="POST", data=body):
        ledger = ledger_of()
        # The first request of this key is running in this process: its token is live.
        claimed = ledger.side_tables.reserve_idempotency_key(
            scope="agent-7",
            key="slow-1",
            fingerprint=idempotency._fingerprint(),
            now=clock.now(),
            lease=app.extensions["claim_lease"],
            token=ledger.claim_holders.new_token(),
            owner=ledger.claim_holders.owner,
            holder_is_dead=ledger.claim_holders.holder_is_dead,
        )
    assert claimed is None
    clock.advance(timedelta(seconds=30))
    headers = {**AGENT, "Idempotency-Key": "slow-1", "Content-Type": "application/json"}
    response = client.post("/v1/complaints", data=body, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["field"] == "Idempotency-Key"
    lease = app.extensions["claim_lease"].total_seconds()
    assert int(response.headers["Retry-After"]) == lease - 30


def test_a_replayed_answer_without_a_record_keeps_its_json_type(client: FlaskClient) -> None:
    complaint = register(client)
    subject = complaint["customer"]["subject_id"]
    headers = {**PRIVACY_OFFICER, "Idempotency-Key": "erase-1"}
    body = {"legal_basis": "GDPR Art. 17"}
    first = client.post(f"/v1/subjects/{subject}/erasure", json=body, headers=headers)
    again = client.post(f"/v1/subjects/{subject}/erasure", json=body, headers=headers)
    assert (first.status_code, again.status_code, again.mimetype) == (201, 201, "application/json")
    assert again.get_json() == first.get_json()
