"""Every request is in the operation log, which compliance officers query and `ledger oplog
verify` checks."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql

from api.app import create_app
from api.config import Settings
from ledger.errors import PolicyError
from tests.api.conftest import (
    AGENT,
    COMPLIANCE_OFFICER,
    NEW_COMPLAINT,
    TECHNICIAN,
    ok,
    register,
)
from tests.api.test_cli import ledger_command, ledger_settings
from tests.conftest import POSTGRES_URL


def _operations(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = ok(
        client.get(f"/v1/audit/operations{query}", headers=COMPLIANCE_OFFICER)
    )["entries"]
    return entries


def test_a_state_change_is_logged_with_who_what_target_result_and_request_id(
    client: FlaskClient,
) -> None:
    response = client.post(
        "/v1/complaints", json=NEW_COMPLAINT, headers={**AGENT, "X-Request-Id": "req-42"}
    )
    complaint = ok(response, 201)
    assert response.headers["X-Request-Id"] == "req-42"
    entry = _operations(client, "?staff=agent-7")[0]
    assert {k: entry[k] for k in entry if k not in ("seq", "at", "hash", "token_id")} == {
        "request_id": "req-42",
        "staff_id": "agent-7",
        "role": "agent",
        "operation": "complaints.register",
        "target": f"complaint:{complaint['id']}",
        "result": "allowed",
        "status": 201,
    }


def test_a_read_of_personal_data_is_logged_under_the_complaint_id_whatever_the_path(
    client: FlaskClient,
) -> None:
    complaint = register(client)
    ok(client.get(f"/v1/complaints/{complaint['reference']}", headers=AGENT))
    entries = _operations(client, f"?target=complaint:{complaint['id']}")
    assert [e["operation"] for e in entries] == ["complaints.read", "complaints.register"]


def test_refusals_are_logged_as_refused(client: FlaskClient) -> None:
    complaint = register(client)
    assert client.get(f"/v1/complaints/{complaint['id']}", headers=TECHNICIAN).status_code == 404
    assert client.get("/v1/tokens", headers=AGENT).status_code == 403
    assert client.get("/v1/tokens").status_code == 401
    entries = _operations(client)[:3]  # this query is logged once it has answered
    assert [(e["staff_id"], e["result"], e["status"]) for e in entries] == [
        ("-", "refused", 401),
        ("agent-7", "refused", 403),
        ("tech-3", "refused", 404),
    ]


def test_reading_the_operation_log_is_itself_logged(client: FlaskClient) -> None:
    _operations(client)
    assert _operations(client)[0]["operation"] == "operations.query"


def test_the_operation_log_pages_backwards(client: FlaskClient) -> None:
    for _ in range(3):
        register(client)
    first = ok(client.get("/v1/audit/operations?limit=2", headers=COMPLIANCE_OFFICER))
    second = ok(
        client.get(
            f"/v1/audit/operations?limit=2&before={first['next_before']}",
            headers=COMPLIANCE_OFFICER,
        )
    )
    assert [e["seq"] for e in first["entries"] + second["entries"]] == [3, 2, 1]
    assert second["next_before"] is None


def test_the_operation_log_filters_by_time(client: FlaskClient, clock: Any) -> None:
    register(client)
    since = clock.now().isoformat().replace("+00:00", "Z")
    entries = _operations(client, f"?from={since}&staff=agent-7")
    assert entries and all(e["staff_id"] == "agent-7" for e in entries)
    assert _operations(client, "?to=2000-01-01T00:00:00Z") == []


def test_only_compliance_officers_read_the_operation_log(client: FlaskClient) -> None:
    assert client.get("/v1/audit/operations", headers=AGENT).status_code == 403


def test_a_retention_below_six_months_stops_the_start(tmp_path: Path, database_url: str) -> None:
    with pytest.raises(PolicyError, match="LEDGER_OPLOG_RETENTION_DAYS"):
        create_app(Settings(data_dir=tmp_path, database_url=database_url, oplog_retention_days=30))
    with pytest.raises(PolicyError, match="LEDGER_OPLOG_RETENTION_DAYS"):
        Settings.from_env({"LEDGER_OPLOG_RETENTION_DAYS": "90"})


def test_oplog_verify_passes_then_fails_once_a_row_is_altered(data_dir: Path) -> None:
    app: Flask = create_app(ledger_settings(data_dir))
    client = app.test_client()
    client.get("/v1/tokens")  # one refused request is enough to log
    app.extensions["ledger"].close()

    intact = ledger_command(data_dir, "oplog", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "intact: 1 entries" in intact.stdout
    head = intact.stdout.split()[-1]
    assert ledger_command(data_dir, "oplog", "verify", "--expect", head).returncode == 0
    schema = parse_qs(urlsplit(ledger_settings(data_dir).database_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL) as connection:
        table = sql.Identifier(schema, "ledger_operation_log")
        connection.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table))
        connection.execute(sql.SQL("UPDATE {} SET status = 200").format(table))
    tampered = ledger_command(data_dir, "oplog", "verify")
    assert (tampered.returncode, tampered.stderr.count("\n")) == (2, 1)
    assert "row 1 was altered" in tampered.stderr
