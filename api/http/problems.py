"""RFC 9457 problem responses: one shape for every error, never a stack trace."""

import logging
from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

from api.http.problem_types import PROBLEM_TYPES, ProblemType, type_for_status
from ledger.errors import (
    ConcurrencyError,
    DomainError,
    InvalidValueError,
    LedgerError,
    NotFoundError,
)

PROBLEM_JSON = "application/problem+json"
# A list's paging parameters (api/http/pagination.py): refused as 400, where other invalid
# parameters are 422.
PAGING = frozenset({"limit", "cursor"})
log = logging.getLogger(__name__)


def problem(
    status: int,
    kind: str | ProblemType | None = None,
    detail: str | None = None,
    *,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem of type `kind` (a slug of `PROBLEM_TYPES`; by default the status's type)."""
    if isinstance(kind, ProblemType):
        problem_type = kind
    else:
        problem_type = PROBLEM_TYPES[kind] if kind else type_for_status(status)
    body: dict[str, Any] = {
        "type": problem_type.uri,
        "title": problem_type.title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """webargs/marshmallow nest messages by location and field; name each field by its path."""
    if isinstance(messages, dict):
        found: list[dict[str, str]] = []
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.extend(_flatten(value, path))
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"field": prefix, "message": " ".join(messages)}]
    return [{"field": prefix, "message": str(messages)}]


def from_http_exception(error: HTTPException) -> Response:
    """Render werkzeug/webargs errors; validation messages name the offending field."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if messages:
        errors = []
        for location, fields in messages.items():
            errors.extend(_flatten(fields) if location in ("json", "query", "path") else [])
        errors = errors or _flatten(messages)
        if errors == [{"field": "_schema", "message": "Invalid input type."}]:
            errors = [{"field": "body", "message": "Expected a JSON object."}]
        errors = [
            {
                "field": "body" if e["field"] in ("", "_schema") else e["field"],
                "message": e["message"],
            }
            for e in errors
        ]
        if status == 422 and {e["field"] for e in errors} <= PAGING:
            status = 400  # a page that cannot be read is a bad request (api.http.pagination)
        return problem(
            status,
            "invalid-request",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            field=errors[0]["field"],
            errors=errors,
        )
    if status >= 500:
        log.error("unhandled server error %s", error.name)
        return problem(status, None, "The server could not complete the request.")
    detail = error.description if isinstance(error.description, str) else None
    # Werkzeug puts what the status needs in its own headers (405's `Allow`, say).
    kept = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem(status, None, detail, headers=kept | dict(getattr(error, "headers", {}) or {}))


def from_ledger_error(error: LedgerError) -> Response:
    """Refused commands are 409 with the reason, values outside the vocabulary 422, missing
    records 404."""
    if isinstance(error, NotFoundError):
        return problem(404, "not-found", str(error))
    if isinstance(error, ConcurrencyError):
        return problem(409, "concurrent-modification", str(error))
    if isinstance(error, InvalidValueError):
        field = error.field or "body"
        errors = [{"field": field, "message": str(error)}]
        return problem(422, "invalid-request", str(error), field=field, errors=errors)
    if isinstance(error, DomainError):
        return problem(409, "command-refused", str(error), field=error.field)
    return problem(400, "invalid-request", str(error))


def from_unexpected(error: Exception) -> Response:
    """Log the failure (the message only: exceptions may quote data) and answer a plain 500."""
    log.error("unhandled %s in request", type(error).__name__, exc_info=False)
    return problem(500, "internal-error", "The server could not complete the request.")


def unavailable(retry_after: int) -> Response:
    """The store is down, busy or too slow: 503, and when to try again (nothing was stored)."""
    log.warning("store unavailable; answering 503")
    return problem(
        503,
        "service-unavailable",
        "The ledger's database is unavailable; try again later.",
        headers={"Retry-After": str(retry_after)},
    )
