"""Hostile input gets a clear 4xx problem (naming the field where there is one) and stores nothing;
hostile text that is valid is stored and returned verbatim, and the HTML review escapes it."""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.http.body_limits import MAX_JSON_DEPTH, json_depth
from tests.api.conftest import (
    ADMIN,
    AGENT,
    COMPLIANCE_OFFICER,
    INCIDENT_MANAGER,
    NEW_COMPLAINT,
    ok,
    register,
)

PROBLEM_JSON = "application/problem+json"
IDENTITIES = (ADMIN, AGENT, COMPLIANCE_OFFICER, INCIDENT_MANAGER)
INJECTIONS = [
    "'; DROP TABLE stored_events; --",
    "Robert'); DELETE FROM notification_log WHERE ('1'='1",
    '" OR 1=1 --',
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "{{7*7}} ${7*7} %(name)s",
    "../../../../etc/passwd",
    "\uff9f\uff65\u273f \u202e\u200b \u03a9\u2248\u00e7\u221a \U0001f4a9",
]
# Every free-text field of a complaint's registration, as a path into the body.
COMPLAINT_TEXT_FIELDS = [
    ("summary",),
    ("description",),
    ("customer", "name"),
    ("customer", "address"),
    ("customer", "region"),
]


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: each test only sends what must be refused."""
    return module_app


def events_stored(app: Flask) -> int:
    """How many events the ledger holds (its notification log's last id)."""
    return int(app.extensions["ledger"].recorder.max_notification_id() or 0)


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The problem body of a refusal with `status`, naming `field` if given."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    if field is not None:
        assert body["field"] == field, body
    return body


def complaint_with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body: dict[str, Any] = {**NEW_COMPLAINT, "customer": dict(NEW_COMPLAINT["customer"])}
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.fixture
def nothing_stored(app: Flask, client: FlaskClient) -> Callable[[], None]:
    """Call after the hostile request: fails if any event was stored since the fixture ran."""
    for identity in IDENTITIES:  # each token's grant is an event: minted before counting
        client.get("/health", headers=identity)
    before = events_stored(app)
    return lambda: None if events_stored(app) == before else pytest.fail("an event was stored")


# -- size and shape of the body -----------------------------------------------------------------


def test_a_body_over_the_configured_limit_gets_413(
    app: Flask, client: FlaskClient, nothing_stored: Callable[[], None]
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = complaint_with(("description",), "x" * limit)
    refused(client.post("/v1/complaints", json=body, headers=AGENT), 413)
    nothing_stored()


@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_json_is_refused_naming_the_body(
    client: FlaskClient, nothing_stored: Callable[[], None], opening: str, closing: str
) -> None:
    body = opening * 10_000 + "1" + closing * 10_000
    response = client.post(
        "/v1/complaints", data=body, content_type="application/json", headers=AGENT
    )
    refused(response, 400, "body")
    nothing_stored()


def test_json_nested_as_deep_as_the_limit_is_read_as_usual() -> None:
    assert json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == MAX_JSON_DEPTH
    assert json_depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[["}') == 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"channel": "phone", "summary": "\xff\xfe broken"}',
        b'{"channel": "phone", "summary": "\xc3\x28"}',
        b"\xef\xbb\xbf\xff",
        b"not json at all",
        b'{"summary": "unterminated',
    ],
    ids=["invalid-utf8", "overlong-sequence", "bom-then-garbage", "not-json", "truncated"],
)
def test_a_body_that_is_not_valid_json_text_is_refused_naming_the_body(
    client: FlaskClient, nothing_stored: Callable[[], None], raw: bytes
) -> None:
    response = client.post(
        "/v1/complaints", data=raw, content_type="application/json", headers=AGENT
    )
    refused(response, 400, "body")
    nothing_stored()


@pytest.mark.parametrize("body", [[NEW_COMPLAINT], "a string", 42, True])
def test_a_body_that_is_not_an_object_is_refused_naming_the_body(
    client: FlaskClient, nothing_stored: Callable[[], None], body: Any
) -> None:
    refused(client.post("/v1/complaints", json=body, headers=AGENT), 422, "body")
    nothing_stored()


# -- text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", COMPLAINT_TEXT_FIELDS, ids=".".join)
def test_a_nul_byte_in_any_text_field_is_refused_naming_it(
    client: FlaskClient, nothing_stored: Callable[[], None], path: tuple[str, ...]
) -> None:
    body = complaint_with(path, "Broken\x00 parcel")
    refused(client.post("/v1/complaints", json=body, headers=AGENT), 422, ".".join(path))
    nothing_stored()


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_text_in_every_field_is_stored_and_returned_verbatim(
    client: FlaskClient, text: str
) -> None:
    customer = {**NEW_COMPLAINT["customer"], "name": text, "address": text, "region": text}
    body = {**NEW_COMPLAINT, "summary": text, "description": text, "customer": customer}
    created = register(client, **body)
    read = ok(client.get(f"/v1/complaints/{created['id']}", headers=AGENT))
    for path in COMPLAINT_TEXT_FIELDS:
        shown = read
        for key in path:
            shown = shown[key]
        assert shown == text, path


@pytest.mark.parametrize("text", INJECTIONS[:2])
def test_injection_text_in_a_note_leaves_the_ledger_verifiable(
    client: FlaskClient, text: str
) -> None:
    complaint = register(client)
    ok(client.post(f"/v1/complaints/{complaint['id']}/notes", json={"note": text}, headers=AGENT))
    history = ok(client.get(f"/v1/complaints/{complaint['id']}/history", headers=AGENT))
    assert text in str(history)
    verification = ok(client.get("/v1/audit/verification", headers=COMPLIANCE_OFFICER))
    assert verification["intact"] is True, verification


def test_the_html_review_escapes_script_in_every_field(client: FlaskClient) -> None:
    script = "<script>alert('x')</script>"
    incident = ok(
        client.post(
            "/v1/incidents",
            json={"title": f"Outage {script}", "description": f"Scanners {script}"},
            headers=INCIDENT_MANAGER,
        ),
        201,
    )
    response = client.get(f"/v1/incidents/{incident['id']}/review.html", headers=INCIDENT_MANAGER)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


# -- ids, numbers and times -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/complaints/..%2F..%2Fetc%2Fpasswd",
        "/v1/complaints/%2e%2e%2f%2e%2e%2fetc%2fpasswd/history",
        "/v1/complaints/..%2F/history",
        "/v1/subjects/..%2F/legal-hold",
        "/v1/complaints/..%5C..%5Cwindows%5Cwin.ini",
        "/v1/incidents/..%2F..%2F/review.html",
        "/v1/handoffs/%00",
        "/v1/escalations/" + "9" * 500,
        "/v1/integrity/checkpoints/99999999999999999999999999",
        "/v1/integrity/checkpoints/-1",
    ],
)
def test_a_hostile_id_in_the_path_names_nothing(client: FlaskClient, path: str) -> None:
    refused(client.get(path, headers=ADMIN), 404)


@pytest.mark.parametrize(
    "path, field, status",
    [
        # A page size or cursor that cannot be read is a bad request (docs/api.md, "Pages").
        ("/v1/complaints?limit=99999999999999999999", "limit", 400),
        ("/v1/complaints?limit=-1", "limit", 400),
        ("/v1/complaints?limit=1e3", "limit", 400),
        ("/v1/complaints?limit=201", "limit", 400),
        ("/v1/incidents?limit=201", "limit", 400),
        ("/v1/audit/access-log?limit=1000", "limit", 400),
        (
            "/v1/integrity/proofs/inclusion?notification_id=99999999999999999999",
            "notification_id",
            422,
        ),
        ("/v1/integrity/proofs/consistency?first=1&second=99999999999999999999", "second", 422),
        ("/v1/audit/operations?before=99999999999999999999", "before", 422),
        ("/v1/audit/verification?up_to_checkpoint=99999999999999999999", "up_to_checkpoint", 422),
    ],
)
def test_a_number_out_of_range_in_a_query_is_refused_naming_it(
    client: FlaskClient, path: str, field: str, status: int
) -> None:
    refused(client.get(path, headers=COMPLIANCE_OFFICER), status, field)


@pytest.mark.parametrize("satisfaction", [10**30, -(10**30), 1e308, "NaN", True, 3.5])
def test_a_number_out_of_range_in_a_body_is_refused_naming_it(
    client: FlaskClient, nothing_stored: Callable[[], None], satisfaction: Any
) -> None:
    complaint = register(client)
    nothing = events_stored(client.application)
    response = client.post(
        f"/v1/complaints/{complaint['id']}/feedback",
        json={"satisfaction": satisfaction},
        headers=AGENT,
    )
    refused(response, 422, "satisfaction")
    assert events_stored(client.application) == nothing


@pytest.mark.parametrize(
    "due",
    [
        "0001-01-01T00:00:00Z",
        "1900-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59Z",
        "2300-01-01T00:00:00Z",
        "2026-04-01T09:00:00",
        "2026-04-01",
        "tomorrow",
        "2026-04-01T09:00:00+99:00",
    ],
)
def test_a_due_time_far_away_or_without_a_timezone_is_refused_naming_it(
    client: FlaskClient, due: str
) -> None:
    complaint = register(client)
    before = events_stored(client.application)
    body = {"complaint_id": complaint["id"], "to_department": "technical", "reason": "Inspect"}
    response = client.post("/v1/handoffs", json={**body, "due": due}, headers=AGENT)
    refused(response, 422, "due")
    assert events_stored(client.application) == before


def test_a_time_with_an_offset_beyond_sixteen_hours_is_taken_in_utc(client: FlaskClient) -> None:
    complaint = register(client)
    due = "2026-04-01T09:00:00+16:30"  # RFC 3339 allows it; PostgreSQL's timestamptz does not
    promised = client.post(
        f"/v1/complaints/{complaint['id']}/promise", json={"due": due}, headers=AGENT
    )
    assert promised.status_code == 200, promised.get_json()
    assert client.get(f"/v1/complaints/{complaint['id']}/sla", headers=AGENT).status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ("/v1/complaints?due_before=0001-01-01T00:00:00Z", "due_before"),
        ("/v1/complaints?due_before=9999-12-31T00:00:00Z", "due_before"),
        ("/v1/complaints?due_before=2026-04-01T09:00:00", "due_before"),
        ("/v1/audit/operations?from=1000-01-01T00:00:00Z", "from"),
        ("/v1/audit/operations?to=2026-04-01T09:00:00", "to"),
        ("/v1/metrics/service?from=9000-01-01T00:00:00Z", "from"),
    ],
)
def test_a_time_filter_far_away_or_without_a_timezone_is_refused_naming_it(
    client: FlaskClient, query: str, field: str
) -> None:
    refused(client.get(query, headers=COMPLIANCE_OFFICER), 422, field)


@pytest.mark.parametrize(
    "query, field",
    [
        ("/v1/complaints?owner=agent%00-7", "owner"),
        ("/v1/complaints?q=broken%00", "q"),
        ("/v1/audit/operations?staff=agent%00", "staff"),
        ("/v1/audit/operations?target=complaint%00", "target"),
    ],
)
def test_a_nul_byte_in_a_query_filter_is_refused_naming_it(
    client: FlaskClient, query: str, field: str
) -> None:
    refused(client.get(query, headers=COMPLIANCE_OFFICER), 422, field)


def test_a_nul_byte_in_a_short_field_of_a_command_is_refused_and_stores_nothing(
    client: FlaskClient,
) -> None:
    complaint = register(client)
    ok(
        client.post(
            f"/v1/complaints/{complaint['id']}/classify",
            json={"category": "complaint", "priority": "normal"},
            headers=AGENT,
        )
    )
    before = events_stored(client.application)
    response = client.post(
        f"/v1/complaints/{complaint['id']}/assign", json={"owner": "agent\x00-7"}, headers=AGENT
    )
    refused(response, 422, "owner")
    assert events_stored(client.application) == before
