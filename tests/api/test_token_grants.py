"""Tokens are grants in the signed ledger: the two-person rule, rows checked against grants,
one person per staff id, known departments, and the token named in the operation log."""

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.config import Settings
from api.wiring.ledger import build_ledger
from tests.api.conftest import ADMIN, COMPLIANCE_OFFICER, ok
from tests.api.test_cli import ledger_command, ledger_settings

SECOND_ADMIN = {"X-Staff-Id": "admin-2", "X-Staff-Role": "administrator"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _issue(client: FlaskClient, headers: dict[str, str] = ADMIN, **body: Any) -> Any:
    return client.post("/v1/tokens", json=body, headers=headers)


def _edit_row(app: Flask, token_id: str, assignment: str) -> None:
    """What a database insider does: change a token's row around the ledger."""
    datastore = app.extensions["ledger"].recorder.datastore
    with datastore.transaction(commit=True) as c:
        c.execute(
            f'UPDATE "{datastore.schema}".ledger_access_tokens SET {assignment} '
            "WHERE token_id = %s",
            (token_id,),
        )


def test_an_administrator_granting_privacy_officer_gets_a_token_that_waits_for_a_second_one(
    client: FlaskClient,
) -> None:
    issued = ok(_issue(client, staff_id="po-9", roles=["privacy_officer"]), 201)
    assert issued["state"] == "pending"
    refused = client.get("/v1/audit/access-log", headers=bearer(issued["token"]))
    assert refused.status_code == 401
    assert refused.get_json()["detail"] == "The token is pending."
    approved = ok(client.post(f"/v1/tokens/{issued['id']}/approve", headers=SECOND_ADMIN))
    assert (approved["state"], approved["approved_by"]) == ("active", "admin-2")
    ok(client.get("/v1/audit/access-log", headers=bearer(issued["token"])))


@pytest.mark.parametrize("roles", [["agent"], ["administrator"], ["executive", "manager"]])
def test_every_role_that_reveals_personal_data_or_grants_roles_waits_for_approval(
    client: FlaskClient, roles: list[str]
) -> None:
    assert ok(_issue(client, staff_id="s-9", roles=roles), 201)["state"] == "pending"


def test_the_administrator_who_issued_a_token_cannot_approve_it(client: FlaskClient) -> None:
    issued = ok(_issue(client, staff_id="po-9", roles=["privacy_officer"]), 201)
    response = client.post(f"/v1/tokens/{issued['id']}/approve", headers=ADMIN)
    assert response.status_code == 409
    assert "issued" in response.get_json()["detail"]
    assert client.get("/v1/audit/access-log", headers=bearer(issued["token"])).status_code == 401


def test_an_administrator_cannot_approve_a_token_for_themselves(client: FlaskClient) -> None:
    issued = ok(_issue(client, SECOND_ADMIN, staff_id="admin-1", roles=["privacy_officer"]), 201)
    response = client.post(f"/v1/tokens/{issued['id']}/approve", headers=ADMIN)
    assert response.status_code == 409
    assert "own" in response.get_json()["detail"]


def test_a_token_row_edited_in_the_database_is_refused_at_use_and_logged(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    issued = ok(_issue(client, staff_id="exec-9", roles=["executive"]), 201)
    ok(client.get("/v1/complaints", headers=bearer(issued["token"])))
    _edit_row(app, issued["id"], "roles = 'executive,administrator'")
    with caplog.at_level(logging.WARNING, logger="ledger.access.grants"):
        response = client.get("/v1/tokens", headers=bearer(issued["token"]))
    assert response.status_code == 401
    assert f"token {issued['id']} refused: its row differs from its grant (roles)" in caplog.text


@pytest.mark.parametrize(
    "assignment",
    ["expires_at = '2999-01-01T00:00:00.000000Z'", "staff_id = 'po-1'", "revoked_at = NULL"],
)
def test_any_edit_of_a_token_row_is_refused_at_use(
    app: Flask, client: FlaskClient, assignment: str
) -> None:
    issued = ok(_issue(client, staff_id="exec-9", roles=["executive"]), 201)
    if assignment.startswith("revoked_at"):
        ok(client.delete(f"/v1/tokens/{issued['id']}", headers=ADMIN))
    _edit_row(app, issued["id"], assignment)
    assert client.get("/v1/complaints", headers=bearer(issued["token"])).status_code == 401


def test_a_revocation_restored_in_the_row_of_a_token_already_in_use_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    issued = ok(_issue(client, staff_id="exec-9", roles=["executive"]), 201)
    ok(client.get("/v1/complaints", headers=bearer(issued["token"])))  # its grant replayed once
    ok(client.delete(f"/v1/tokens/{issued['id']}", headers=ADMIN))
    _edit_row(app, issued["id"], "revoked_at = NULL, revoked_by = NULL")
    assert client.get("/v1/complaints", headers=bearer(issued["token"])).status_code == 401


def test_a_staff_id_holding_an_active_token_under_another_name_is_refused(
    client: FlaskClient,
) -> None:
    ok(_issue(client, staff_id="exec-9", name="Ann Example", roles=["executive"]), 201)
    response = _issue(client, staff_id="exec-9", name="Bob Other", roles=["executive"])
    assert response.status_code == 409  # a conflict with a stored token, not a malformed request
    assert response.get_json()["field"] == "staff_id"
    # The same person may hold a second token (a renewal).
    ok(_issue(client, staff_id="exec-9", name="Ann Example", roles=["executive"]), 201)


def test_a_department_the_policy_does_not_know_is_refused(client: FlaskClient) -> None:
    response = _issue(client, staff_id="d-9", roles=["department_staff"], department="atlantis")
    assert response.status_code == 422
    assert response.get_json()["field"] == "department"


def test_the_operation_log_row_names_the_token_used(client: FlaskClient) -> None:
    issued = ok(_issue(client, staff_id="exec-9", roles=["executive"]), 201)
    ok(client.get("/v1/complaints", headers=bearer(issued["token"])))
    entries = ok(client.get("/v1/audit/operations?staff=exec-9", headers=COMPLIANCE_OFFICER))
    assert [e["token_id"] for e in entries["entries"]] == [issued["id"]]


def test_ledger_verify_reports_a_token_row_edited_in_the_database(data_dir: Path) -> None:
    created = ledger_command(data_dir, "tokens", "create", "--staff", "e-1", "--role", "executive")
    assert created.returncode == 0, created.stderr
    assert ledger_command(data_dir, "verify").returncode == 0
    ledger = build_ledger(ledger_settings(data_dir))
    try:
        datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=True) as c:
            c.execute(
                f'UPDATE "{datastore.schema}".ledger_access_tokens '
                "SET roles = 'executive,administrator' RETURNING token_id"
            )
            token_id = c.fetchone()["token_id"]
    finally:
        ledger.close()
    verified = ledger_command(data_dir, "verify")
    assert verified.returncode == 1
    assert f"token {token_id}: its row differs from its grant in roles" in verified.stdout


def test_the_first_token_from_the_command_line_needs_no_approval_and_later_ones_do(
    data_dir: Path,
) -> None:
    first = ledger_command(
        data_dir, "tokens", "create", "--staff", "a-1", "--role", "administrator"
    )
    assert "PENDING" not in first.stdout
    second = ledger_command(data_dir, "tokens", "create", "--staff", "a-2", "--role", "agent")
    token_id = second.stdout.split()[1]
    assert "PENDING" in second.stdout
    as_first = {"LEDGER_TOKEN": first.stdout.strip().splitlines()[-1]}
    approved = ledger_command(data_dir, "tokens", "approve", token_id, **as_first)
    assert approved.returncode == 0, approved.stderr
    assert "active" in ledger_command(data_dir, "tokens", "list").stdout.splitlines()[-1]


def test_the_two_person_rule_is_a_setting_on_by_default() -> None:
    assert Settings.from_env({}).two_person_rule
    assert not Settings.from_env({"LEDGER_TWO_PERSON_RULE": "off"}).two_person_rule
