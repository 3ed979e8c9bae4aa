"""What the OpenAPI document says of HTTP on every operation, so a generated client knows it all.

The routes declare their own success and problem statuses; this apispec plugin adds what the
request plumbing answers for every operation of a kind, with the headers involved:

- every `/v1` operation: `Retry-After` on 429 and 503 (the store is unavailable);
- a read: `If-None-Match`, `ETag` on 200, and 304;
- a POST: `Idempotency-Key`, `Idempotent-Replayed` on success, 400 for a bad key, 409 for a
  request still running (`Retry-After`) or answered without a replayable answer, 422 for a key
  reused with another request, 415 for a body that is not JSON;
- a command on a record (a POST or DELETE naming one): `If-Match`, `ETag` on success, 412
  (with the current `ETag`) and 428;
- a 201: `Location`.

No operation has a `default` response: every status it can answer is listed.
"""

from http import HTTPStatus
from typing import Any

from apispec import BasePlugin

from api.http.conditional import MAX_TAGS_LENGTH
from api.http.idempotency import KEY_PATTERN
from api.http.idempotent_answers import HEADER as IDEMPOTENCY_KEY
from api.http.problems import PROBLEM_JSON

PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemOut"}
# Path parameters that name a record (api.http.request_facts): a command on one takes If-Match.
# A staff member is an entry of the directory, tagged by its fields (api.http.routes.staff).
RECORD_PARAMETERS = (
    "{complaint}",
    "{incident}",
    "{escalation}",
    "{handoff}",
    "{case}",
    "{staff_id}",
)
_TEXT = {"type": "string", "maxLength": MAX_TAGS_LENGTH}
ETAG = {
    "description": "The representation's strong entity tag; send it in If-Match or If-None-Match",
    "schema": _TEXT,
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}
HEADER_PARAMETERS = {
    IDEMPOTENCY_KEY: {
        "description": "A key of your choosing: a retry with the same key (and the same request) "
        "gets the first answer again, and nothing is stored twice",
        # Printable ASCII, no space at either end (HTTP would strip it).
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": KEY_PATTERN,
        },
    },
    "If-Match": {
        "description": "Run the command only if the record is still as this ETag showed it "
        "(else 412); `*` for any version",
        "schema": _TEXT,
    },
    "If-None-Match": {
        "description": "Answer 304 without a body if the representation still has this ETag",
        "schema": _TEXT,
    },
}


def _problem(status: int, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }
    if headers:
        response["headers"] = headers
    return response


def _header_parameter(name: str) -> dict[str, Any]:
    return {"in": "header", "name": name, "required": False, **HEADER_PARAMETERS[name]}


def _add_headers(response: dict[str, Any], headers: dict[str, Any]) -> None:
    if "$ref" not in response:
        response.setdefault("headers", {}).update(headers)


def describe(path: str, method: str, operation: dict[str, Any]) -> None:
    """Add the headers and statuses the plumbing gives `method path` (see the module doc)."""
    # Statuses are keyed by int or str as their decorators gave them: one form, text.
    responses = {str(status): r for status, r in operation.get("responses", {}).items()}
    operation["responses"] = responses
    responses.pop("default", None)
    if not path.startswith("/v1/"):
        return
    on_record = any(name in path for name in RECORD_PARAMETERS)
    writes = method in ("post", "put", "patch", "delete")
    parameters = operation.setdefault("parameters", [])
    successes = [r for s, r in responses.items() if s.startswith("2")]
    responses["429"] = _problem(429, {"Retry-After": RETRY_AFTER})
    responses["503"] = _problem(503, {"Retry-After": RETRY_AFTER})
    if "{" in path:  # a path naming something that may not exist, or not for this caller
        responses.setdefault("404", _problem(404))
    responses.setdefault("400", _problem(400))  # a malformed header, at least
    if method == "get":
        parameters.append(_header_parameter("If-None-Match"))
        for response in successes:
            _add_headers(response, {"ETag": ETAG})
        responses["304"] = {"description": "Not Modified", "headers": {"ETag": ETAG}}
    if method == "post":
        parameters.append(_header_parameter(IDEMPOTENCY_KEY))
        replayed = {
            "description": "`true` when this is the stored answer to an earlier request with "
            "the same Idempotency-Key",
            "schema": {"type": "string", "enum": ["true"]},
        }
        for response in successes:  # a record's tag too, when the answer shows one
            _add_headers(response, {"Idempotent-Replayed": replayed, "ETag": ETAG})
        responses["409"] = _problem(409, {"Retry-After": RETRY_AFTER})
        responses.setdefault("422", _problem(422))
        responses["415"] = _problem(415)
    if writes and on_record:
        parameters.append(_header_parameter("If-Match"))
        for response in successes:
            _add_headers(response, {"ETag": ETAG})
        responses["412"] = _problem(412, {"ETag": ETAG})
        responses["428"] = _problem(428)
    if "201" in responses:
        _add_headers(
            responses["201"],
            {"Location": {"description": "Where the new record is read", "schema": _TEXT}},
        )


class HttpSemanticsPlugin(BasePlugin):
    """Apply `describe` to every operation of the document."""

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        for method, operation in (operations or {}).items():
            if method in ("get", "post", "put", "patch", "delete"):
                describe(path or "", method, operation)
