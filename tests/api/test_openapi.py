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
