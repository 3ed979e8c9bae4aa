"""The OpenAPI document is generated from the schemas and covers every endpoint."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import ok

COMMANDS = ("classify", "assign", "respond", "notes", "resolve", "feedback", "reopen", "close")


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: no test here reads what another left."""
    return module_app


def test_every_complaint_command_is_documented_with_its_request_schema(client: FlaskClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    for name in COMMANDS:
        post = paths[f"/v1/complaints/{{complaint}}/{name}"]["post"]
        assert "requestBody" in post, name
        assert {"200", "404", "409", "422"} <= set(post["responses"]), name


def test_every_route_of_the_app_is_in_the_document(app: Flask, client: FlaskClient) -> None:
    documented = set(ok(client.get("/openapi.json"))["paths"])
    routes = {
        re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not rule.rule.startswith("/openapi")
        and not rule.rule.startswith("/console/")  # HTML pages, not the JSON API
    }
    assert routes == documented


def test_request_schemas_reject_unknown_fields(client: FlaskClient) -> None:
    schemas = ok(client.get("/openapi.json"))["components"]["schemas"]
    assert schemas["RegisterComplaintIn"]["additionalProperties"] is False


INCIDENT_COMMANDS = (
    "assess",
    "change-level",
    "activate",
    "assign-role",
    "log",
    "milestones",
    "mitigate",
    "resolve",
    "review",
    "action-items",
    "action-items/{item}/complete",
    "action-items/{item}/verify",
    "action-items/{item}/waive",
    "close",
    "complaints",
)


def test_every_incident_command_is_documented_with_its_schema_and_problems(
    client: FlaskClient,
) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    for name in INCIDENT_COMMANDS:
        post = paths[f"/v1/incidents/{{incident}}/{name}"]["post"]
        assert "requestBody" in post, name
        assert {"200", "404", "409", "422"} <= set(post["responses"]), name


def test_the_review_documents_declare_their_media_types(client: FlaskClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    markdown = paths["/v1/incidents/{incident}/review.md"]["get"]["responses"]["200"]
    html = paths["/v1/incidents/{incident}/review.html"]["get"]["responses"]["200"]
    assert "text/markdown" in markdown["content"]
    assert "text/html" in html["content"]


def _operations(client: FlaskClient) -> list[tuple[str, str, dict]]:
    paths = ok(client.get("/openapi.json"))["paths"]
    return [
        (method, path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def _headers_in(operation: dict) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_no_operation_stands_a_default_response_for_its_statuses(client: FlaskClient) -> None:
    assert [p for _, p, o in _operations(client) if "default" in o["responses"]] == []


def test_every_command_on_a_record_declares_if_match_and_its_412(client: FlaskClient) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in _operations(client)
        if method == "post"
        and re.search(r"\{(complaint|incident|escalation|handoff)\}", path)
        and not ("If-Match" in _headers_in(operation) and "412" in operation["responses"])
    ]
    assert missing == []


def test_every_post_declares_idempotency_key_and_replays_header(client: FlaskClient) -> None:
    missing = [
        path
        for method, path, operation in _operations(client)
        if method == "post"
        and not (
            "Idempotency-Key" in _headers_in(operation)
            and all(
                "Idempotent-Replayed" in response.get("headers", {})
                for status, response in operation["responses"].items()
                if status.startswith("2")
            )
        )
    ]
    assert missing == []


def test_every_v1_read_declares_if_none_match_its_etag_and_304(client: FlaskClient) -> None:
    missing = [
        path
        for method, path, operation in _operations(client)
        if method == "get"
        and path.startswith("/v1/")
        and not (
            "If-None-Match" in _headers_in(operation)
            and "ETag" in operation["responses"]["200"].get("headers", {})
            and "304" in operation["responses"]
        )
    ]
    assert missing == []


def test_every_creation_declares_its_location(client: FlaskClient) -> None:
    created = [
        (path, "Location" in operation["responses"]["201"].get("headers", {}))
        for method, path, operation in _operations(client)
        if "201" in operation["responses"]
    ]
    assert created and all(declared for _, declared in created), created


def test_every_refusal_that_says_when_to_retry_declares_retry_after(client: FlaskClient) -> None:
    missing = [
        f"{method} {path} {status}"
        for method, path, operation in _operations(client)
        if path.startswith("/v1/")
        for status in ("429", "503")
        if "Retry-After" not in operation["responses"][status].get("headers", {})
    ]
    assert missing == []
