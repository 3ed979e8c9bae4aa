"""The authorization matrix: every endpoint of the OpenAPI document by every role by a target in
and out of the caller's scope, with the expected status computed from the policy table — and a
hand-written table of critical cases that must agree with it.

Requests carry a body the schemas refuse (an unknown field), so an *allowed* command answers 422
without changing anything, and one world of records serves every case.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.access.policy import POLICY, ROLES
from ledger.access.tokens import Principal
from ledger.clock import ManualClock
from tests.api.conftest import (
    ADMIN,
    AGENT,
    COMPLIANCE_OFFICER,
    EXECUTIVE,
    INCIDENT_MANAGER,
    MANAGER,
    NEW_COMPLAINT,
    PRIVACY_OFFICER,
    SUPERVISOR,
    TECHNICIAN,
    TokenClient,
    issue_token,
    ok,
)
from tests.conftest import START, TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64, fresh_schema_url

IDENTITY = {
    "agent": AGENT,  # agent-7, service: owns the in-scope complaint
    "supervisor": SUPERVISOR,  # service: the in-scope complaint's supervisor chain
    "manager": MANAGER,
    "executive": EXECUTIVE,
    "department_staff": TECHNICIAN,  # technical: the in-scope complaint was handed to it
    "incident_manager": INCIDENT_MANAGER,
    "compliance_officer": COMPLIANCE_OFFICER,
    "privacy_officer": PRIVACY_OFFICER,
    "administrator": ADMIN,
}
REFUSED_BODY = {"matrix_probe": 1}  # no request schema knows this field: 422 once allowed
BODY_TARGETS = {"/v1/escalations", "/v1/handoffs"}  # name their complaint in the body (POST)
BODY_ENDPOINTS = {"escalations.raise_escalation", "handoffs.request_handoff"}

# What each condition of the table holds in this world, per scope, for each role's identity:
# in scope — a `service` complaint owned by agent-7, handed to `technical`, escalated, and an
# incident involving `technical`;
# out of scope — a `quality` complaint owned by agent-9, handed to `logistics`, escalated, and
# an incident involving `logistics`.
TRUTH: dict[str, dict[str, Callable[[str], bool]]] = {
    "ALL": {"in": lambda role: True, "out": lambda role: True},
    "DEPT": {"in": lambda role: True, "out": lambda role: False},
    "OWN": {"in": lambda role: role == "agent", "out": lambda role: False},
    "CHAIN": {
        "in": lambda role: True,
        "out": lambda role: role in ("manager", "executive"),  # organisation-wide
    },
    "RECV": {"in": lambda role: role == "department_staff", "out": lambda role: False},
}


@dataclass
class World:
    app: Flask
    client: FlaskClient
    ids: dict[str, dict[str, str]]  # scope -> path parameter -> value
    bad_tokens: dict[str, str]


def _build_world(client: FlaskClient, app: Flask) -> dict[str, dict[str, str]]:
    def post(path: str, body: dict[str, Any], who: dict[str, str], status: int = 200) -> Any:
        return ok(client.post(path, json=body, headers=who), status)

    ids: dict[str, dict[str, str]] = {}
    signed = ok(client.post("/v1/integrity/checkpoints", headers=COMPLIANCE_OFFICER), 201)
    for scope, department, owner, to in (
        ("in", "service", "agent-7", "technical"),
        ("out", "quality", "agent-9", "logistics"),
    ):
        c = post("/v1/complaints", {**NEW_COMPLAINT, "department": department}, SUPERVISOR, 201)
        path = f"/v1/complaints/{c['id']}"
        post(f"{path}/classify", {"category": "complaint", "priority": "normal"}, SUPERVISOR)
        post(f"{path}/assign", {"owner": owner}, SUPERVISOR)
        e = post(
            "/v1/escalations",
            {"complaint_id": c["id"], "level": "supervisor", "reason": "Upset"},
            SUPERVISOR,
            201,
        )
        h = post(
            "/v1/handoffs",
            {"complaint_id": c["id"], "to_department": to, "reason": "Theirs"},
            SUPERVISOR,
            201,
        )
        # an incident involving the department staff's department (in) or another one only (out)
        incident = post(
            "/v1/incidents", {"title": "Outage", "description": "d"}, INCIDENT_MANAGER, 201
        )
        post(
            f"/v1/incidents/{incident['id']}/assess",
            {"level": "III", "impact": "small", "departments": [to]},
            INCIDENT_MANAGER,
        )
        ids[scope] = {
            "complaint": c["id"],
            "case": c["id"],
            "escalation": e["id"],
            "handoff": h["id"],
            "department": "technical" if scope == "in" else "quality",
            "subject": c["customer"]["subject_id"],
            "token_id": "tok_matrix",
            "incident": incident["id"],
            "item": "item-1",
            "number": str(signed["number"]),
            "level": "0",
            "index": "000.p/1",
            "staff_id": "matrix-staff",
            "subscription_id": "00000000-0000-4000-8000-000000000001",
            "notification_id": "00000000-0000-4000-8000-000000000002",
        }
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("matrix")
    clock = ManualClock(START)
    with fresh_schema_url() as database_url:
        yield from _world(data_dir, database_url, clock)


def _world(data_dir: Path, database_url: str, clock: ManualClock) -> Iterator[World]:
    app = create_app(
        Settings(
            data_dir=data_dir,
            database_url=database_url,
            master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
            signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        ),
        clock=clock,
    )
    app.test_client_class = TokenClient
    client = app.test_client()
    ids = _build_world(client, app)
    clerk = Principal(staff_id="clerk-1", name="Clerk", roles=("agent",), department="service")
    revoked = issue_token(app, clerk)
    tokens = app.extensions["access"].tokens
    tokens.revoke(tokens.store.find(revoked).token_id, by="tests", token_used=None, now=clock.now())
    expired = issue_token(app, clerk, lifetime=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    yield World(app, client, ids, {"revoked": revoked, "expired": expired})
    app.extensions["ledger"].close()


def _operations(app: Flask) -> Iterator[tuple[str, str]]:
    """(method, path template) of every /v1 operation in the OpenAPI document."""
    document = app.test_client().get("/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method in item:
            if path.startswith("/v1/") and method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path


def _request(world: World, method: str, template: str, scope: str, headers: Any) -> Any:
    ids = world.ids[scope]
    path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
    body = None
    if method == "POST":
        body = dict(REFUSED_BODY)
        if template in BODY_TARGETS:
            body["complaint_id"] = ids["complaint"]
    return world.client.open(path, method=method, json=body, headers=headers)


def _endpoint(app: Flask, method: str, template: str, world: World) -> str:
    path = re.sub(r"\{(\w+)\}", lambda m: world.ids["in"][m.group(1)], template)
    endpoint, _ = app.url_map.bind("localhost").match(path, method)
    return str(endpoint)


def _names_scoped_record(endpoint: str, template: str) -> bool:
    return endpoint in BODY_ENDPOINTS or any(
        f"{{{name}}}" in template
        for name in ("complaint", "escalation", "handoff", "department", "incident")
    )


def expected(endpoint: str, template: str, role: str, scope: str) -> int | str:
    """From the policy table: 403, 404, or 'allowed'."""
    cell = POLICY.get(endpoint, {}).get(role)
    if cell is None:
        return 403
    if role == "department_staff" and scope == "out" and _names_scoped_record(endpoint, template):
        return 404  # outside their department's scope a record does not exist
    if cell.name == "DEPT":
        return "allowed"  # in scope, or a list the view itself confines to the department
    return "allowed" if TRUTH[cell.name][scope](role) else 403


def _verdict(status: int, endpoint: str) -> int | str:
    if status in (401, 403, 429):
        return status
    # Revoking tok_matrix (no such token), reading the archive of a live case, naming a staff
    # member, subscription or notification the world does not have, or a report not yet written:
    # allowed, absent.
    if status == 404 and endpoint not in (
        "tokens.revoke",
        "tokens.approve",
        "retention.get_archive",
        "staff.read",
        "staff.remove",
        "webhooks.unsubscribe",
        "notifications.replay",
        "analytics.latest_report_page",
    ):
        return 404
    return "allowed"


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_policy_table_says(world: World, role: str) -> None:
    mismatches = []
    operations = list(_operations(world.app))
    assert len(operations) >= len([e for e in POLICY if not e.startswith("console.")])
    for method, template in operations:
        endpoint = _endpoint(world.app, method, template, world)
        for scope in ("in", "out"):
            response = _request(world, method, template, scope, IDENTITY[role])
            want = expected(endpoint, template, role, scope)
            got = _verdict(response.status_code, endpoint)
            if got != want:
                mismatches.append((method, template, scope, want, response.status_code))
    assert mismatches == []


# The hand-written table: (case, role or token kind, method, path, scope, expected status).
CRITICAL = [
    ("dept B reads dept A's complaint", "department_staff", "GET", "/v1/complaints/{complaint}", "out", 404),
    ("dept reads a complaint handed to it", "department_staff", "GET", "/v1/complaints/{complaint}", "in", 200),
    ("dept B reads dept A's history", "department_staff", "GET", "/v1/complaints/{complaint}/history", "out", 404),
    ("dept B reads an incident not involving it", "department_staff", "GET", "/v1/incidents/{incident}/history", "out", 404),
    ("dept reads an incident involving it", "department_staff", "GET", "/v1/incidents/{incident}/review", "in", 200),
    ("dept B reads dept A's escalation", "department_staff", "GET", "/v1/escalations/{escalation}", "out", 404),
    ("dept B reads a handoff between others", "department_staff", "GET", "/v1/handoffs/{handoff}", "out", 404),
    ("dept B reads dept A's queue", "department_staff", "GET", "/v1/departments/{department}/handoffs", "out", 404),
    ("dept reads its own queue", "department_staff", "GET", "/v1/departments/{department}/handoffs", "in", 200),
    ("dept accepts a handoff to it", "department_staff", "POST", "/v1/handoffs/{handoff}/accept", "in", 422),
    ("dept B accepts a handoff to dept C", "department_staff", "POST", "/v1/handoffs/{handoff}/accept", "out", 404),
    ("dept notes a complaint handed to it", "department_staff", "POST", "/v1/complaints/{complaint}/notes", "in", 422),
    ("dept cannot register complaints", "department_staff", "POST", "/v1/complaints", "in", 403),
    ("agent reads the operation log", "agent", "GET", "/v1/audit/operations", "in", 403),
    ("agent reads the access log", "agent", "GET", "/v1/audit/access-log", "in", 403),
    ("agent notes their own complaint", "agent", "POST", "/v1/complaints/{complaint}/notes", "in", 422),
    ("agent notes someone else's complaint", "agent", "POST", "/v1/complaints/{complaint}/notes", "out", 403),
    ("agent reads someone else's complaint", "agent", "GET", "/v1/complaints/{complaint}", "out", 200),
    ("agent escalates someone else's complaint", "agent", "POST", "/v1/escalations", "out", 403),
    ("agent hands off someone else's complaint", "agent", "POST", "/v1/handoffs", "out", 403),
    ("agent acknowledges an escalation", "agent", "POST", "/v1/escalations/{escalation}/acknowledge", "in", 403),
    ("agent erases a person", "agent", "POST", "/v1/subjects/{subject}/erasure", "in", 403),
    ("agent issues a token", "agent", "POST", "/v1/tokens", "in", 403),
    ("compliance officer registers a complaint", "compliance_officer", "POST", "/v1/complaints", "in", 403),
    ("compliance officer notes a complaint", "compliance_officer", "POST", "/v1/complaints/{complaint}/notes", "in", 403),
    ("compliance officer places a legal hold", "compliance_officer", "POST", "/v1/subjects/{subject}/legal-hold", "in", 422),
    ("compliance officer places a hold on a case", "compliance_officer", "POST", "/v1/cases/{case}/legal-hold", "in", 422),
    ("agent places a hold on a case", "agent", "POST", "/v1/cases/{case}/legal-hold", "in", 403),
    ("manager reads the archive", "manager", "GET", "/v1/archives", "in", 403),
    ("compliance officer revokes a token", "compliance_officer", "DELETE", "/v1/tokens/{token_id}", "in", 403),
    ("compliance officer reads any history", "compliance_officer", "GET", "/v1/complaints/{complaint}/history", "out", 200),
    ("compliance officer reads the operation log", "compliance_officer", "GET", "/v1/audit/operations", "in", 200),
    ("privacy officer erases a person", "privacy_officer", "POST", "/v1/subjects/{subject}/erasure", "in", 422),
    ("privacy officer places a legal hold", "privacy_officer", "POST", "/v1/subjects/{subject}/legal-hold", "in", 422),
    ("privacy officer lists tokens", "privacy_officer", "GET", "/v1/tokens", "in", 403),
    ("supervisor erases a person", "supervisor", "POST", "/v1/subjects/{subject}/erasure", "in", 403),
    ("supervisor acknowledges in their chain", "supervisor", "POST", "/v1/escalations/{escalation}/acknowledge", "in", 422),
    ("supervisor acknowledges outside their chain", "supervisor", "POST", "/v1/escalations/{escalation}/acknowledge", "out", 403),
    ("manager acknowledges organisation-wide", "manager", "POST", "/v1/escalations/{escalation}/acknowledge", "out", 422),
    ("supervisor accepts another department's handoff", "supervisor", "POST", "/v1/handoffs/{handoff}/accept", "out", 403),
    ("executive registers a complaint", "executive", "POST", "/v1/complaints", "in", 403),
    ("executive reads a complaint", "executive", "GET", "/v1/complaints/{complaint}", "out", 200),
    ("incident manager notes a complaint", "incident_manager", "POST", "/v1/complaints/{complaint}/notes", "in", 403),
    ("administrator issues a token", "administrator", "POST", "/v1/tokens", "in", 422),
    ("administrator notes a complaint", "administrator", "POST", "/v1/complaints/{complaint}/notes", "in", 403),
    ("administrator reads the operation log", "administrator", "GET", "/v1/audit/operations", "in", 403),
    ("a revoked token", "revoked", "GET", "/v1/complaints/{complaint}", "in", 401),
    ("an expired token", "expired", "GET", "/v1/complaints/{complaint}", "in", 401),
    ("no token at all", "anonymous", "GET", "/v1/complaints/{complaint}", "in", 401),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "method", "template", "scope", "status"),
    [case[1:] for case in CRITICAL],
    ids=[case[0] for case in CRITICAL],
)
def test_critical_cases(
    world: World, who: str, method: str, template: str, scope: str, status: int
) -> None:
    if who in IDENTITY:
        headers: dict[str, str] = IDENTITY[who]
    elif who == "anonymous":
        headers = {}
    else:
        headers = {"Authorization": f"Bearer {world.bad_tokens[who]}"}
    response = _request(world, method, template, scope, headers)
    assert response.status_code == status, response.get_json()
    if who in IDENTITY:  # the generated expectation agrees with the hand-written one
        endpoint = _endpoint(world.app, method, template, world)
        assert expected(endpoint, template, who, scope) == _verdict(status, endpoint)


def test_the_hand_written_table_has_at_least_thirty_cases() -> None:
    assert len(CRITICAL) >= 30


def test_a_record_outside_the_scope_looks_exactly_like_one_that_does_not_exist(
    world: World,
) -> None:
    outside = world.ids["out"]["complaint"]
    missing = "00000000-0000-0000-0000-000000000000"
    hidden = world.client.get(f"/v1/complaints/{outside}", headers=TECHNICIAN)
    absent = world.client.get(f"/v1/complaints/{missing}", headers=TECHNICIAN)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.get_data(as_text=True).replace(outside, missing) == absent.get_data(as_text=True)
