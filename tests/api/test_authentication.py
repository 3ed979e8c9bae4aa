"""Authentication: bearer tokens that are hashed at rest, expire, are revoked at once, and are
rate-limited when guessed."""

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.access.tokens import TOKEN_PATTERN, Principal
from ledger.clock import ManualClock
from tests.api.conftest import ADMIN, AGENT, COMPLIANCE_OFFICER, NEW_COMPLAINT, issue_token, ok
from tests.api.test_personal_data import _database_bytes

SECOND_ADMIN = {"X-Staff-Id": "admin-2", "X-Staff-Role": "administrator"}
CLERK = Principal(staff_id="clerk-1", name="Clerk", roles=("agent",), department="service")
UNKNOWN = "lgr_" + "A" * 43


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_request_without_a_token_is_a_401_problem_with_a_bearer_challenge(
    client: FlaskClient,
) -> None:
    response = client.get("/v1/complaints/CMP-2026-000001")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {UNKNOWN}", "Bearer not-a-token", f"Basic {UNKNOWN}", "Bearer", UNKNOWN],
)
def test_a_bad_or_malformed_token_is_a_401(client: FlaskClient, authorization: str) -> None:
    response = client.get(
        "/v1/complaints/CMP-2026-000001", headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_the_old_identity_headers_identify_nobody(app: Flask) -> None:
    plain = FlaskClient(app)  # no translation of the identity dicts
    assert plain.post("/v1/complaints", json=NEW_COMPLAINT, headers=AGENT).status_code == 401


def test_a_valid_token_acts_as_its_principal(app: Flask, client: FlaskClient) -> None:
    token = issue_token(app, CLERK)
    complaint = ok(client.post("/v1/complaints", json=NEW_COMPLAINT, headers=bearer(token)), 201)
    history = ok(client.get(f"/v1/complaints/{complaint['id']}/history", headers=bearer(token)))
    assert history["events"][0]["actor"] == {
        "staff_id": "clerk-1",
        "role": "agent",
        "department": "service",
    }


def test_the_request_body_cannot_name_another_actor(app: Flask, client: FlaskClient) -> None:
    token = issue_token(app, CLERK)
    body = {**NEW_COMPLAINT, "actor": {"staff_id": "ceo", "role": "executive"}}
    assert client.post("/v1/complaints", json=body, headers=bearer(token)).status_code == 422


def test_an_expired_token_is_refused(app: Flask, client: FlaskClient, clock: ManualClock) -> None:
    token = issue_token(app, CLERK, lifetime=timedelta(hours=1))
    ok(client.post("/v1/complaints", json=NEW_COMPLAINT, headers=bearer(token)), 201)
    clock.advance(timedelta(hours=1))
    response = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["detail"] == "The token is expired."


def _issue_over_http(client: FlaskClient, **body: Any) -> dict[str, Any]:
    return ok(client.post("/v1/tokens", json=body, headers=ADMIN), 201)


def test_an_administrator_issues_a_token_without_a_guarded_role_that_works_at_once(
    client: FlaskClient,
) -> None:
    issued = _issue_over_http(client, staff_id="exec-9", roles=["executive"])
    assert TOKEN_PATTERN.fullmatch(issued["token"])
    assert issued["state"] == "active"
    ok(client.get("/v1/complaints", headers=bearer(issued["token"])))


def test_a_revoked_token_is_refused_on_the_next_request(client: FlaskClient) -> None:
    issued = _issue_over_http(client, staff_id="agent-9", roles=["agent"], department="service")
    ok(client.post(f"/v1/tokens/{issued['id']}/approve", headers=SECOND_ADMIN))
    ok(client.post("/v1/complaints", json=NEW_COMPLAINT, headers=bearer(issued["token"])), 201)
    revoked = ok(client.delete(f"/v1/tokens/{issued['id']}", headers=ADMIN))
    assert revoked["state"] == "revoked"
    response = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=bearer(issued["token"]))
    assert response.status_code == 401
    assert response.get_json()["detail"] == "The token is revoked."


def test_revoking_an_unknown_token_is_a_404(client: FlaskClient) -> None:
    assert client.delete("/v1/tokens/tok_0000", headers=ADMIN).status_code == 404


def test_the_token_list_shows_no_secret(client: FlaskClient) -> None:
    issued = _issue_over_http(client, staff_id="agent-9", roles=["agent"], department="service")
    listed = ok(client.get("/v1/tokens", headers=ADMIN))["tokens"]
    mine = [t for t in listed if t["id"] == issued["id"]]
    assert mine and "token" not in mine[0]
    assert issued["token"] not in str(listed)


def test_tokens_are_stored_only_as_hashes(client: FlaskClient, database_url: str) -> None:
    issued = ok(
        client.post(
            "/v1/tokens",
            json={"staff_id": "agent-9", "roles": ["agent"], "department": "service"},
            headers={**ADMIN, "Idempotency-Key": "issue-1"},
        ),
        201,
    )
    assert issued["token"].encode() not in _database_bytes(database_url)


def test_department_staff_tokens_need_a_department(client: FlaskClient) -> None:
    response = client.post(
        "/v1/tokens", json={"staff_id": "d-1", "roles": ["department_staff"]}, headers=ADMIN
    )
    assert (response.status_code, response.get_json()["field"]) == (409, "department")


@pytest.mark.parametrize("roles", [[], ["system"], ["root"]])
def test_a_token_names_known_roles(client: FlaskClient, roles: list[str]) -> None:
    response = client.post("/v1/tokens", json={"staff_id": "x", "roles": roles}, headers=ADMIN)
    assert response.status_code == 422


def test_repeated_bad_tokens_from_one_address_are_answered_429(
    client: FlaskClient, clock: ManualClock
) -> None:
    for _ in range(10):
        assert client.get("/v1/tokens", headers=bearer(UNKNOWN)).status_code == 401
    blocked = client.get("/v1/tokens", headers=bearer(UNKNOWN))
    assert blocked.status_code == 429
    assert blocked.content_type == "application/problem+json"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    clock.advance(timedelta(seconds=61))
    assert client.get("/v1/tokens", headers=bearer(UNKNOWN)).status_code == 401


def test_the_limit_is_per_client_address(client: FlaskClient) -> None:
    for _ in range(10):
        client.get("/v1/tokens", headers=bearer(UNKNOWN))
    other = client.get("/v1/tokens", headers=ADMIN, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_a_principal_with_two_roles_acts_in_the_role_the_policy_allows(
    app: Flask, client: FlaskClient
) -> None:
    both = Principal(
        staff_id="dpo-2", name="Dual", roles=("agent", "privacy_officer"), department="service"
    )
    token = bearer(issue_token(app, both))
    complaint = ok(client.post("/v1/complaints", json=NEW_COMPLAINT, headers=token), 201)
    subject = complaint["customer"]["subject_id"]
    ok(client.post(f"/v1/subjects/{subject}/legal-hold", json={"reason": "Audit"}, headers=token))
    operations = ok(client.get("/v1/audit/operations?staff=dpo-2", headers=COMPLIANCE_OFFICER))
    assert [(e["operation"], e["role"]) for e in operations["entries"]] == [
        ("subjects.place_hold", "privacy_officer"),
        ("complaints.register", "agent"),
    ]
    history = ok(client.get(f"/v1/complaints/{complaint['id']}/history", headers=token))
    assert history["events"][0]["actor"]["role"] == "agent"


def test_a_token_is_never_echoed_in_a_response_or_the_operation_log(
    app: Flask, client: FlaskClient
) -> None:
    token = issue_token(app, CLERK)
    refused = client.get("/v1/tokens", headers=bearer(UNKNOWN))
    allowed = client.post("/v1/complaints", json=NEW_COMPLAINT, headers=bearer(token))
    log = client.get("/v1/audit/operations", headers=COMPLIANCE_OFFICER)
    text = (
        refused.get_data(as_text=True) + allowed.get_data(as_text=True) + log.get_data(as_text=True)
    )
    assert TOKEN_PATTERN.search(text) is None


@pytest.mark.parametrize("expires_in", ["367d", "999999d"])
def test_a_token_lives_at_most_a_year(client: FlaskClient, expires_in: str) -> None:
    response = client.post(
        "/v1/tokens",
        json={"staff_id": "a-1", "roles": ["agent"], "expires_in": expires_in},
        headers=ADMIN,
    )
    assert (response.status_code, response.get_json()["field"]) == (409, "expires_in")


@pytest.mark.parametrize("expires_in", ["0d", "000h"])
def test_a_token_that_would_expire_as_it_is_issued_is_invalid_input(
    client: FlaskClient, expires_in: str
) -> None:
    response = client.post(
        "/v1/tokens",
        json={"staff_id": "a-1", "roles": ["agent"], "expires_in": expires_in},
        headers=ADMIN,
    )
    assert (response.status_code, response.get_json()["field"]) == (422, "expires_in")


def test_a_retried_token_issue_is_told_it_was_done_but_not_shown_the_secret_again(
    client: FlaskClient,
) -> None:
    body = {"staff_id": "agent-9", "roles": ["agent"], "department": "service"}
    headers = {**ADMIN, "Idempotency-Key": "issue-2"}
    issued = ok(client.post("/v1/tokens", json=body, headers=headers), 201)
    again = client.post("/v1/tokens", json=body, headers=headers)
    assert (again.status_code, again.get_json()["field"]) == (409, "Idempotency-Key")
    assert issued["token"] not in again.get_data(as_text=True)
    listed = ok(client.get("/v1/tokens", headers=ADMIN))["tokens"]
    assert [t["id"] for t in listed if t["staff_id"] == "agent-9"] == [issued["id"]]
