"""The API document's owner: flask-smorest's `Api`, answering every error as a problem."""

import threading
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from api.http.openapi_text import declare_no_nul
from api.http.openapi_vocabulary import declare_vocabularies
from api.http.problem_docs import PROBLEM_SCHEMA
from api.http.problems import PROBLEM_JSON, from_http_exception, from_unexpected, unavailable
from api.http.schemas.common import ProblemOut
from ledger.policy.service_policy import Policy
from ledger.store.availability import is_unavailable


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering every HTTP error as RFC 9457 problem details."""

    ERROR_SCHEMA = ProblemOut
    DEFAULT_ERROR_RESPONSE_NAME = None  # every status is listed (api.http.openapi_http)

    def __init__(self, app: Flask, *, policy: Policy, **kwargs: Any) -> None:
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._policy = policy
        self._documenting = threading.Lock()
        super().__init__(app, **kwargs)

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Register the routes now and document them when the document is first asked for:
        describing every operation costs more than the rest of start-up, and most processes
        (a CLI command, a worker that is never asked) never serve the document."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def document(self) -> None:
        """Describe every registered blueprint in the API document (once; thread-safe)."""
        with self._documenting:
            documented = False
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(
                    self, self._app, self.spec, name=name, parameters=parameters
                )
                self.spec.tag({"name": name, "description": blp.description})
                documented = True
            if documented:  # the schemas are in the document now: bound their vocabularies
                declare_vocabularies(self.spec.components.schemas, self._policy)
                declare_no_nul(self.spec.to_dict()["paths"], self.spec.components.schemas)

    def _openapi_json(self) -> Response:
        self.document()
        return super()._openapi_json()  # type: ignore[no-any-return]

    def handle_http_exception(self, error: HTTPException) -> Response:
        return answer_error(error)

    def _register_responses(self) -> None:
        """The shared error responses (e.g. the 422 of every view with arguments) as problems."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)


def answer_error(error: Exception) -> Response:
    """Any error no other handler took: 503 while the store is unavailable, else a problem."""
    cause = getattr(error, "original_exception", None) or error  # raised after the view
    if is_unavailable(cause):
        return unavailable(current_app.extensions["retry_after"])
    if isinstance(error, HTTPException):
        return from_http_exception(error)
    return from_unexpected(error)
