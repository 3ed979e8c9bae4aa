"""Refuse JSON bodies nested deeper than any request schema needs, before anything parses them.

Python's JSON parser recurses once per level: a 64 KiB body of brackets exhausts the stack
(RecursionError, a 500). No request schema nests more than a few levels.
"""

import re

from flask import Response, request

from api.http.problems import problem

MAX_JSON_DEPTH = 16
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deeply `body` nests arrays and objects (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def refuse_deep_json() -> Response | None:
    """A 400 problem naming the body when a JSON request nests deeper than MAX_JSON_DEPTH."""
    if not request.is_json or not request.content_length:
        return None
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        return problem(
            400,
            "Invalid request",
            f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels.",
            field="body",
        )
    return None
