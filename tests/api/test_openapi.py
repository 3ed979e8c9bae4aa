"""The OpenAPI document is generated from the schemas and covers every endpoint."""

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import ok

COMMANDS = ("classify", "assign", "respond", "notes", "resolve", "feedback", "reopen", "close")


def test_every_complaint_command_is_documented_with_its_request_schema(client: FlaskClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    for name in COMMANDS:
        post = paths[f"/v1/complaints/{{complaint}}/{name}"]["post"]
        assert "requestBody" in post, name
        assert {"200", "404", "409", "422"} <= set(post["responses"]), name


def test_every_route_of_the_app_is_in_the_document(app: Flask, client: FlaskClient) -> None:
    documented = set(ok(client.get("/openapi.json"))["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.rule.startswith("/openapi")
    }
    assert routes == documented


def test_request_schemas_reject_unknown_fields(client: FlaskClient) -> None:
    schemas = ok(client.get("/openapi.json"))["components"]["schemas"]
    assert schemas["RegisterComplaintIn"]["additionalProperties"] is False
