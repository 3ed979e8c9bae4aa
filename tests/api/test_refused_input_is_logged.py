"""Input that the store or Python's parser cannot take gets a 4xx problem naming the field, never a
500, and the refused request still has its row in the operation log; paths are logged escaped."""

import io
import json
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from api.http.body_limits import MAX_JSON_DEPTH, BodyError, read_json
from tests.api.conftest import (
    ADMIN,
    AGENT,
    COMPLIANCE_OFFICER,
    INCIDENT_MANAGER,
    MANAGER,
    NEW_COMPLAINT,
    PRIVACY_OFFICER,
    register,
)
from tests.api.test_hostile_input import refused

# Written as JSON escapes, as an attacker sends them: JSON allows them, UTF-8 and PostgreSQL don't.
BAD_TEXT = {
    "lone-high-surrogate": "\\ud800",
    "lone-low-surrogate": "x\\udfff",
    "nul": "a\\u0000b",
}
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"]
JSON_ENCODINGS = ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: each test only sends what must be refused."""
    return module_app


def operation(client: FlaskClient, request_id: str) -> dict[str, Any]:
    """The operation-log row of the request sent with `X-Request-Id: request_id`."""
    entries = client.get("/v1/audit/operations", headers=COMPLIANCE_OFFICER).get_json()["entries"]
    found = [entry for entry in entries if entry["request_id"] == request_id]
    assert found, f"no operation-log row for request {request_id}"
    return found[0]


def send(client: FlaskClient, method: str, path: str, raw: bytes, who: dict[str, str]) -> Any:
    """Send `raw` as a JSON body; returns the response and the request id it was sent with."""
    request_id = uuid4().hex
    response = client.open(
        path,
        method=method,
        data=raw,
        content_type="application/json",
        headers={**who, "X-Request-Id": request_id},
    )
    return response, request_id


def with_raw(body: dict[str, Any], path: tuple[str, ...], raw_value: str) -> bytes:
    """`body` as JSON text with the string at `path` replaced by `raw_value`, escapes as sent."""
    marker = "@@RAW@@"
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return json.dumps(body).replace(marker, raw_value).encode()


# Text fields of a few schemas: (who, method, path template, body, field path).
TEXT_FIELDS = [
    (AGENT, "POST", "/v1/complaints", NEW_COMPLAINT, ("summary",)),
    (AGENT, "POST", "/v1/complaints", NEW_COMPLAINT, ("description",)),
    (AGENT, "POST", "/v1/complaints", NEW_COMPLAINT, ("customer", "name")),
    (AGENT, "POST", "/v1/complaints", NEW_COMPLAINT, ("customer", "email")),
    (AGENT, "POST", "/v1/complaints/{id}/notes", {"note": "n"}, ("note",)),
    (
        AGENT,
        "POST",
        "/v1/complaints/{id}/feedback",
        {"satisfaction": 4, "comment": "c"},
        ("comment",),
    ),
    (
        AGENT,
        "POST",
        "/v1/handoffs",
        {"complaint_id": "{id}", "to_department": "technical", "reason": "r"},
        ("reason",),
    ),
    (
        AGENT,
        "POST",
        "/v1/handoffs",
        {"complaint_id": "{id}", "to_department": "technical", "reason": "r"},
        ("complaint_id",),
    ),
    (INCIDENT_MANAGER, "POST", "/v1/incidents", {"title": "t", "description": "d"}, ("title",)),
    (
        INCIDENT_MANAGER,
        "POST",
        "/v1/incidents",
        {"title": "t", "description": "d"},
        ("description",),
    ),
    (
        PRIVACY_OFFICER,
        "POST",
        "/v1/subjects/{subject}/erasure",
        {"legal_basis": "gdpr-17"},
        ("legal_basis",),
    ),
]


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
@pytest.mark.parametrize(
    "who, method, template, body, field",
    TEXT_FIELDS,
    ids=[f"{case[2]}:{'.'.join(case[4])}" for case in TEXT_FIELDS],
)
def test_text_the_store_cannot_hold_is_refused_naming_the_field_and_logged(
    client: FlaskClient,
    who: dict[str, str],
    method: str,
    template: str,
    body: dict[str, Any],
    field: tuple[str, ...],
    bad: str,
) -> None:
    complaint = register(client)
    ids = {"id": complaint["id"], "subject": complaint["customer"]["subject_id"]}
    filled = json.loads(json.dumps(body).replace("{id}", complaint["id"]))
    raw = with_raw(filled, field, bad)
    response, request_id = send(client, method, template.format(**ids), raw, who)
    refused(response, 422, ".".join(field))
    assert operation(client, request_id)["status"] == 422


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_a_field_name_the_store_cannot_hold_is_refused_and_logged(
    client: FlaskClient, bad: str
) -> None:
    complaint = register(client)
    raw = ('{"note": "n", "' + bad + '": 1}').encode()
    response, request_id = send(
        client, "POST", f"/v1/complaints/{complaint['id']}/notes", raw, AGENT
    )
    refused(response, 422)
    assert operation(client, request_id)["status"] == 422


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")], ids=["array", "object"])
@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
def test_deeply_nested_json_in_any_encoding_is_refused_naming_the_body_and_logged(
    client: FlaskClient, encoding: str, opening: str, closing: str, chunked: bool
) -> None:
    raw = (opening * 1000 + "1" + closing * 1000).encode(encoding)
    request_id = uuid4().hex
    headers = {**AGENT, "X-Request-Id": request_id}
    if chunked:
        response = client.post(
            "/v1/complaints",
            input_stream=io.BytesIO(raw),
            content_type="application/json",
            headers={**headers, "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
    else:
        response = client.post(
            "/v1/complaints", data=raw, content_type="application/json", headers=headers
        )
    refused(response, 400, "body")
    row = operation(client, request_id)
    assert (row["status"], row["staff_id"]) == (400, "agent-7")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_complaint_in_any_encoding_json_allows_is_registered(
    client: FlaskClient, encoding: str
) -> None:
    raw = json.dumps({**NEW_COMPLAINT, "summary": "Colis abîmé 包裹"}).encode(encoding)
    response, _ = send(client, "POST", "/v1/complaints", raw, AGENT)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["summary"] == "Colis abîmé 包裹"


@pytest.mark.parametrize("digits", ["9" * 5000, "-" + "9" * 5000, "1" + "0" * 30])
def test_an_integer_too_long_for_python_is_refused_naming_the_field_and_logged(
    client: FlaskClient, digits: str
) -> None:
    complaint = register(client)
    raw = ('{"satisfaction": ' + digits + "}").encode()
    path = f"/v1/complaints/{complaint['id']}/feedback"
    response, request_id = send(client, "POST", path, raw, AGENT)
    refused(response, 422, "satisfaction")
    assert operation(client, request_id)["status"] == 422


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_json_does_not_allow_is_refused_naming_the_field(
    client: FlaskClient, constant: str
) -> None:
    complaint = register(client)
    raw = ('{"satisfaction": ' + constant + "}").encode()
    path = f"/v1/complaints/{complaint['id']}/feedback"
    refused(send(client, "POST", path, raw, AGENT)[0], 422, "satisfaction")


@pytest.mark.parametrize(
    "who, method, path",
    [
        (ADMIN, "DELETE", "/v1/tokens/a%00b"),
        (AGENT, "GET", "/v1/complaints/a%00b/history"),
        (MANAGER, "GET", "/v1/departments/a%00b/queue"),
        (PRIVACY_OFFICER, "POST", "/v1/subjects/a%00b/erasure"),
        (COMPLIANCE_OFFICER, "GET", "/v1/archives/%00"),
    ],
)
def test_a_nul_byte_in_the_path_names_nothing_and_is_logged(
    client: FlaskClient, who: dict[str, str], method: str, path: str
) -> None:
    request_id = uuid4().hex
    response = client.open(path, method=method, headers={**who, "X-Request-Id": request_id})
    refused(response, 404)
    assert operation(client, request_id)["target"] == path.replace("%00", "\\x00")


@pytest.mark.parametrize(
    "crafted",
    ["a%0d%0a2026-01-01 INFO forged", "%1b[31mred%1b[0m", "a%e2%80%aeb", "a%c2%85b"],
    ids=["crlf", "ansi", "bidi-override", "next-line"],
)
def test_a_crafted_path_is_logged_escaped(client: FlaskClient, crafted: str) -> None:
    request_id = uuid4().hex
    client.get(f"/v1/complaints/{crafted}", headers={**AGENT, "X-Request-Id": request_id})
    target = operation(client, request_id)["target"]
    assert target.isprintable(), target
    assert "\\" in target


# -- the reader itself, over any JSON value --------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**18), 10**18) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def texts(value: Any) -> list[str]:
    """Every string in `value`, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for key, item in value.items() for t in [key, *texts(item)]]
    if isinstance(value, list):
        return [t for item in value for t in texts(item)]
    return []


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


@given(value=json_values, encoding=st.sampled_from(JSON_ENCODINGS))
def test_any_json_value_reads_back_or_is_refused_as_a_problem(value: Any, encoding: str) -> None:
    raw = json.dumps(value).encode(encoding)
    try:
        assert read_json(raw) == value
    except BodyError as error:
        assert error.code in (400, 422)
        assert any("\x00" in text for text in texts(value)) or depth(value) > MAX_JSON_DEPTH
