"""Every request schema in the OpenAPI document is strict: closed objects, bounded values.

A fuzzer (and an attacker) reads the document: whatever it leaves open the service must still
refuse. These tests walk every parameter and request body and name each loose spot.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ok

# Formats whose length the format itself bounds.
BOUNDED_FORMATS = {"date-time", "date", "uuid"}


def loose_spots(schema: dict[str, Any], where: str, components: dict[str, Any]) -> Iterator[str]:
    """Each place in `schema` that is not closed or bounded, named by its path."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined, []):
            yield from loose_spots(part, where, components)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties", True)
        if extra is True or extra == {}:
            yield f"{where}: unknown fields accepted (additionalProperties not false)"
        elif isinstance(extra, dict):  # a map: bounded in size and in its values
            if "maxProperties" not in schema:
                yield f"{where}: map without maxProperties"
            yield from loose_spots(extra, f"{where}.*", components)
        for name, field in schema.get("properties", {}).items():
            yield from loose_spots(field, f"{where}.{name}", components)
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: array without maxItems"
        yield from loose_spots(schema.get("items", {}), f"{where}[]", components)
    elif kind == "string":
        if not ({"maxLength", "enum"} & set(schema) or schema.get("format") in BOUNDED_FORMATS):
            yield f"{where}: string without maxLength"
    elif kind in ("integer", "number"):
        if "maximum" not in schema:
            yield f"{where}: number without maximum"


def request_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) for every parameter and request body of every operation."""
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in [*shared, *operation.get("parameters", [])]:
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                yield where, parameter["schema"]
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{method.upper()} {path} body ({media})", content["schema"]


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    return ok(client.get("/openapi.json"))


def test_every_request_schema_is_closed_and_bounded(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    spots = [
        spot
        for where, schema in request_schemas(document)
        for spot in loose_spots(schema, where, components)
    ]
    assert spots == []


def test_every_page_size_is_capped(document: dict[str, Any]) -> None:
    limits = [
        (where, schema)
        for where, schema in request_schemas(document)
        if where.endswith(" query limit")
    ]
    assert limits, "no paged list found"
    assert all(schema.get("maximum", 10**9) <= 1000 for _, schema in limits), limits


def test_every_operation_with_a_body_documents_the_size_limit(document: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
        and "requestBody" in operation
        and "413" not in operation["responses"]
    ]
    assert missing == []


def test_every_error_response_is_documented_as_problem_json(document: dict[str, Any]) -> None:
    shared = document["components"]["responses"]
    wrong = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = shared[response["$ref"].rsplit("/", 1)[-1]]
                if (status == "default" or int(status) >= 400) and set(
                    response.get("content", {})
                ) != {"application/problem+json"}:
                    wrong.append(f"{method.upper()} {path} {status}")
    assert wrong == []
