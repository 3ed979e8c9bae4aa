"""A POST retried with the same Idempotency-Key returns the first result and appends nothing."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from api.http import idempotency
from api.http.presenters import ledger as ledger_of
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.store.idempotency import Completion
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


def _stored_without_answer(app: Flask, clock: ManualClock, key: str) -> str:
    """A first request of `key` whose save committed and whose answer is not recorded yet."""
    body = json.dumps(NEW_COMPLAINT)
    with app.test_request_context("/v1/complaints", method="POST", data=body):
        completion = Completion(
            "agent-7", key, idempotency._fingerprint(), 201, None, clock.now().isoformat()
        )
        ledger_of().side_tables.record_answer(completion)
    return body


def test_a_retry_while_the_first_request_still_answers_is_told_when_to_come_back(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    body = _stored_without_answer(app, clock, "slow-1")
    clock.advance(timedelta(seconds=30))
    headers = {**AGENT, "Idempotency-Key": "slow-1", "Content-Type": "application/json"}
    response = client.post("/v1/complaints", data=body, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["field"] == "Idempotency-Key"
    lease = app.extensions["answer_lease"].total_seconds()
    assert int(response.headers["Retry-After"]) == lease - 30


def test_a_retry_after_an_answer_was_lost_is_told_the_request_was_done(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    body = _stored_without_answer(app, clock, "lost-1")
    clock.advance(app.extensions["answer_lease"] + timedelta(seconds=1))
    headers = {**AGENT, "Idempotency-Key": "lost-1", "Content-Type": "application/json"}
    response = client.post("/v1/complaints", data=body, headers=headers)
    assert (response.status_code, "Retry-After" in response.headers) == (409, False)
    assert response.get_json()["title"] == "Request already answered"


def test_concurrent_retries_of_one_registration_all_get_its_one_complaint(app: Flask) -> None:
    senders = 6
    start = threading.Barrier(senders)
    headers = {**AGENT, "Idempotency-Key": "race-1"}

    def send(_: int) -> tuple[int, str]:
        client = app.test_client()
        start.wait()
        response = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=headers)
        return response.status_code, response.get_json()["id"]

    with ThreadPoolExecutor(senders) as pool:
        answers = list(pool.map(send, range(senders)))
    assert {status for status, _ in answers} == {201}
    assert len({complaint_id for _, complaint_id in answers}) == 1
    registered = [
        n
        for n in ledger_of_app(app).recorder.select_notifications(start=1, limit=100)
        if n.topic.endswith("Registered")
    ]
    assert len(registered) == 1


def test_a_replayed_answer_without_a_record_keeps_its_json_type(client: FlaskClient) -> None:
    complaint = register(client)
    subject = complaint["customer"]["subject_id"]
    headers = {**PRIVACY_OFFICER, "Idempotency-Key": "erase-1"}
    body = {"legal_basis": "GDPR Art. 17"}
    first = client.post(f"/v1/subjects/{subject}/erasure", json=body, headers=headers)
    again = client.post(f"/v1/subjects/{subject}/erasure", json=body, headers=headers)
    assert (first.status_code, again.status_code, again.mimetype) == (201, 201, "application/json")
    assert again.get_json() == first.get_json()


def ledger_of_app(app: Flask) -> LedgerApplication:
    ledger: LedgerApplication = app.extensions["ledger"]
    return ledger


def test_a_replayed_registration_keeps_the_first_answers_location_and_tag(
    client: FlaskClient,
) -> None:
    headers = {**AGENT, "Idempotency-Key": "reg-headers"}
    first = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=headers)
    again = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=headers)
    kept = ("Location", "ETag", "Last-Modified", "Content-Type")
    assert [again.headers.get(h) for h in kept] == [first.headers.get(h) for h in kept]
    assert first.headers["Location"] == f"/v1/complaints/{first.get_json()['id']}"


def test_a_replayed_412_keeps_the_tag_it_named_as_current(client: FlaskClient) -> None:
    complaint = workable(client)
    headers = {**AGENT, "Idempotency-Key": "stale-1", "If-Match": '"1-full-json"'}
    first = command(client, complaint["id"], "notes", {"note": "Late"}, headers=headers)
    ok(command(client, complaint["id"], "notes", {"note": "Meanwhile"}))
    again = command(client, complaint["id"], "notes", {"note": "Late"}, headers=headers)
    assert (first.status_code, again.status_code) == (412, 412)
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.get_json() == first.get_json()


def test_an_answer_that_showed_personal_data_is_not_kept_in_clear_for_a_replay(
    app: Flask, client: FlaskClient
) -> None:
    subject = register(client, customer={"name": "Zhao Liu-Idem", "phone": "13900000077"})[
        "customer"
    ]["subject_id"]
    sent = {**PRIVACY_OFFICER, "Idempotency-Key": "export-1"}
    first = client.post(f"/v1/subjects/{subject}/access-export", headers=sent)
    assert first.status_code == 200 and "Zhao Liu-Idem" in first.get_data(as_text=True)
    side = app.extensions["ledger"].side_tables
    with app.extensions["ledger"].recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT result FROM {side._idempotency} WHERE key = 'export-1'")
        kept = [row["result"] for row in cursor.fetchall()]
    assert len(kept) == 1 and "Zhao Liu-Idem" not in kept[0]
    again = client.post(f"/v1/subjects/{subject}/access-export", headers=sent)
    assert again.status_code == 409
    assert again.get_json()["type"].endswith("request-already-answered")


def test_a_file_answer_is_not_kept_for_a_replay_and_its_request_does_not_fail(
    client: FlaskClient,
) -> None:
    from tests.api.conftest import COMPLIANCE_OFFICER

    complaint = register(client)
    sent = {**COMPLIANCE_OFFICER, "Idempotency-Key": "bundle-1"}
    first = client.post(f"/v1/integrity/evidence/{complaint['reference']}", headers=sent)
    assert first.status_code == 200 and first.mimetype == "application/x-tar"
    again = client.post(f"/v1/integrity/evidence/{complaint['reference']}", headers=sent)
    assert again.status_code == 409
