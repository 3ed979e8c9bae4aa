"""Document a view's problem responses in the OpenAPI document with one decorator."""

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from api.schemas import ProblemOut


def problems(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """`@problems(blp, 404, 409)`: the view may answer these statuses as problem details."""

    def decorate(view: Any) -> Any:
        for status in statuses:
            view = blp.alt_response(status, schema=ProblemOut)(view)
        return view

    return decorate
