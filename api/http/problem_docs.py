"""Document a view's problem responses in the OpenAPI document with one decorator, and an
answer that is not JSON (a page, a document, an archive) with `text_answer`."""

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin

from api.http.blueprint import Blueprint
from api.http.problems import PROBLEM_JSON
from api.http.schemas.common import ProblemOut

# Every /v1 endpoint is behind access control (api/http/access.py): no or a bad token, a role the
# policy table refuses, too many bad tokens from one address.
ACCESS_CONTROL = (401, 403, 429)
BEARER = "bearerToken"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A staff token (lgr_...) from `ledger tokens create` or POST /v1/tokens.",
}


def problems(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """`@problems(blp, 404, 409)`: the view may answer these statuses as problem details.

    Views of /v1 blueprints also document the refusals of access control.
    """
    protected = (blp.url_prefix or "").startswith("/v1")
    if protected:
        statuses = tuple(sorted({*statuses, *ACCESS_CONTROL}))

    def decorate(view: Any) -> Any:
        # What `blp.alt_response(status, ...)` and `blp.doc(security=...)` would record, in one
        # step: each of those deep-copies the view's whole documentation, marshmallow schemas
        # included, and wraps the view once more, and with five statuses on a hundred views
        # that was nearly half of the service's start-up. Only the dicts changed are copied.
        doc = dict(getattr(view, "_apidoc", {}))
        response = dict(doc.get("response", {}))
        responses = dict(response.get("responses", {}))
        for status in statuses:
            responses[status] = [*responses.get(status, []), _problem_response(status)]
        doc["response"] = {**response, "responses": responses}
        if protected:
            doc["manual_doc"] = {**doc.get("manual_doc", {}), "security": [{BEARER: []}]}

        @wraps(view)
        def documented(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        documented._apidoc = doc  # type: ignore[attr-defined]
        return documented

    return decorate


# One instance for every problem response the document lists: given the class, flask-smorest
# and apispec would build an instance for each.
PROBLEM_SCHEMA = ProblemOut()


def _problem_response(status: int) -> dict[str, Any]:
    """One problem response as flask-smorest's `alt_response` documents it."""
    return {
        "schema": PROBLEM_SCHEMA,
        "description": HTTPStatus(status).phrase,
        "content_type": PROBLEM_JSON,
    }


class BodyLimitPlugin(BasePlugin):
    """Document the 413 of every operation with a request body (the configured size limit)."""

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        for operation in (operations or {}).values():
            if "requestBody" in operation:
                operation.setdefault("responses", {})["413"] = HTTPStatus(413).name


def text_answer(media_type: str, description: str, *, binary: bool = False) -> dict[str, Any]:
    """`blp.doc` arguments for a 200 whose body is a `media_type` document, not JSON."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    content = {media_type: {"schema": schema}}
    return {"responses": {"200": {"description": description, "content": content}}}
