"""A complaint command is answered in one commit: its events and the request's audit-log row,
with the answer's status and the personal fields it revealed, in one transaction."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql

from tests.api.conftest import (
    AGENT,
    INCIDENT_MANAGER,
    command,
    erase,
    ok,
    workable,
)
from tests.api.test_incidents import report
from tests.conftest import POSTGRES_URL


def _transaction_of_event(database_url: str, stream: str, version: int) -> int:
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute(
            sql.SQL(
                "SELECT xmin::text::bigint FROM {} WHERE originator_id = %s "
                "AND originator_version = %s"
            ).format(sql.Identifier(schema, "ledger_events")),
            (stream, version),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _row_of_request(database_url: str, request_id: str) -> dict[str, Any]:
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL) as connection:
        rows = connection.execute(
            sql.SQL(
                "SELECT xmin::text::bigint, status, reveals FROM {} WHERE request_id = %s"
            ).format(sql.Identifier(schema, "ledger_operation_log")),
            (request_id,),
        ).fetchall()
    assert len(rows) == 1, rows
    transaction, status, reveals = rows[0]
    return {"transaction": int(transaction), "status": status, "reveals": reveals}


def test_a_command_commits_its_events_and_its_audit_row_in_one_transaction(
    client: FlaskClient, database_url: str
) -> None:
    complaint = workable(client)
    answered = ok(
        client.post(
            f"/v1/complaints/{complaint['id']}/respond",
            json={"message": "We are on it"},
            headers={**AGENT, "X-Request-Id": "one-commit-1"},
        )
    )
    row = _row_of_request(database_url, "one-commit-1")
    event = _transaction_of_event(database_url, complaint["id"], answered["version"])
    assert row["transaction"] == event
    assert row["status"] == 200
    assert complaint["customer"]["subject_id"] in row["reveals"]  # the agent saw the customer


def test_a_command_refused_at_its_commit_stores_nothing_and_its_row_records_the_refusal(
    client: FlaskClient, database_url: str
) -> None:
    complaint = workable(client)
    subject = complaint["customer"]["subject_id"]
    erase(client, subject)
    before = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["version"]
    response = client.post(
        f"/v1/complaints/{complaint['id']}/notes",
        json={"note": "after erasure"},
        headers={**AGENT, "X-Request-Id": "one-commit-2"},
    )
    assert response.status_code == 409
    assert response.headers["X-Request-Id"] == "one-commit-2"
    row = _row_of_request(database_url, "one-commit-2")
    assert (row["status"], row["reveals"]) == (409, "")  # the answer that would reveal: not sent
    assert ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["version"] == before


def test_a_retry_of_a_command_refused_at_its_commit_replays_the_refusal(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    erase(client, complaint["customer"]["subject_id"])
    headers = {**AGENT, "Idempotency-Key": "refused-at-commit"}
    path = f"/v1/complaints/{complaint['id']}/notes"
    first = client.post(path, json={"note": "after erasure"}, headers=headers)
    again = client.post(path, json={"note": "after erasure"}, headers=headers)
    assert first.status_code == again.status_code == 409
    assert again.content_type == first.content_type == "application/problem+json"
    assert again.get_json() == first.get_json()


def test_a_command_answered_with_an_error_stores_nothing(client: FlaskClient) -> None:
    complaint = workable(client)
    before = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["version"]
    response = command(client, complaint["id"], "feedback", {"satisfaction": 5})
    assert response.status_code == 409  # feedback before a resolution
    after = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["version"]
    assert after == before


def test_an_incident_command_commits_its_events_and_its_audit_row_in_one_transaction(
    client: FlaskClient, database_url: str
) -> None:
    incident = report(client)
    answered = ok(
        client.post(
            f"/v1/incidents/{incident['id']}/log",
            json={"kind": "action", "text": "Failed over to the standby gateway"},
            headers={**INCIDENT_MANAGER, "X-Request-Id": "one-commit-3"},
        )
    )
    row = _row_of_request(database_url, "one-commit-3")
    assert row["status"] == 200
    assert row["transaction"] == _transaction_of_event(
        database_url, incident["id"], answered["version"]
    )


def test_concurrent_retries_of_one_command_store_it_once_and_log_each_answer_as_sent(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    complaint = workable(client)
    senders = 6
    start = threading.Barrier(senders)

    def send(n: int) -> Any:
        sender = app.test_client()
        start.wait()
        return sender.post(
            f"/v1/complaints/{complaint['id']}/notes",
            json={"note": "Called back once"},
            headers={**AGENT, "Idempotency-Key": "race-note", "X-Request-Id": f"race-note-{n}"},
        )

    with ThreadPoolExecutor(senders) as pool:
        answers = list(pool.map(send, range(senders)))
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.get_json()["version"] for answer in answers} == {complaint["version"] + 1}
    for answer in answers:  # a replayed answer is tagged and kept out of caches like the first
        assert answer.headers["ETag"] and answer.headers["Cache-Control"] == "no-store"
    assert ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["version"] == (
        complaint["version"] + 1
    )
    for n in range(senders):  # each answer showed the customer, and its row says so
        row = _row_of_request(database_url, f"race-note-{n}")
        assert (row["status"], complaint["customer"]["subject_id"] in row["reveals"]) == (200, True)
