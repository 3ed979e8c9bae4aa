"""`GET /problems/<slug>`: the page each problem `type` URI names, without authentication."""

from http import HTTPStatus
from typing import Any

from flask import Response

from api.http.blueprint import Blueprint
from api.http.problem_docs import problems, text_answer
from api.http.problem_types import PROBLEM_TYPES, ProblemType, page
from ledger.errors import NotFoundError

blp = Blueprint("problem_pages", __name__, url_prefix="/problems", description="Problem types")


def _known(slug: str) -> ProblemType:
    """A type of `PROBLEM_TYPES`, or `http-<status>` for any other error status."""
    if slug in PROBLEM_TYPES:
        return PROBLEM_TYPES[slug]
    code = slug.removeprefix("http-")
    if slug.startswith("http-") and code.isdigit() and len(code) == 3:
        try:
            status = HTTPStatus(int(code))
        except ValueError:
            pass
        else:
            if status >= 400:
                return ProblemType(slug, status.phrase, "The HTTP status of this name (RFC 9110).")
    raise NotFoundError("no problem type of that name")


@blp.route("/<string:slug>", methods=["GET"])
@blp.doc(**text_answer("text/plain", "What the problem means and what a client can do about it"))
@problems(blp, 404)
def problem_page(slug: str) -> Any:
    """Explain a problem type (the `type` of a problem response)"""
    response = Response(page(_known(slug)), mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
