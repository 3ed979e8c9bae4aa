"""One reader for every JSON request body, refusing what would otherwise fail deep inside.

A body is decoded in whichever encoding JSON allows (UTF-8, -16 or -32, with or without a BOM),
however it arrived (with a length or chunked), and refused with a problem naming the body or the
field when it:
- is not JSON text in one of those encodings (400, `body`);
- nests deeper than any request schema needs (400, `body`): Python's parser recurses once per
  level, and a 64 KiB body of brackets exhausts the stack;
- holds an integer longer than MAX_INTEGER_DIGITS digits, or NaN/Infinity (422, the field):
  Python refuses to parse integers over 4 300 digits with a bare ValueError;
- holds a lone surrogate (`"\\ud800"`, which JSON allows but UTF-8 and PostgreSQL do not) or a
  NUL character (which PostgreSQL text cannot hold), in a value or a key (422, the field).

Flask's `request.get_json` and webargs (through `get_data`) both read the body this one way.
"""

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from flask import Request, request
from werkzeug.exceptions import HTTPException

from api.http.log_text import escaped

MAX_JSON_DEPTH = 16
# An int64 has 19 digits; no field takes more.
MAX_INTEGER_DIGITS = 20
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class BodyError(HTTPException):
    """A request body refused before any schema reads it, as a problem naming `field`."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.code = status
        self.data = {"messages": {"json": {field: [message]}}}


@dataclass(frozen=True)
class _Refused:
    """A number parsed to a marker, so that the walk over the value can name its field."""

    message: str


def json_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _integer(digits: str) -> int | _Refused:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _Refused(f"Integer longer than {MAX_INTEGER_DIGITS} digits.")
    return int(digits)


def _float(text: str) -> float | _Refused:
    number = float(text)
    return number if math.isfinite(number) else _Refused("Number out of range.")


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON number.")


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text may not contain a NUL character."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text may not contain a lone surrogate (an unpaired \\ud800-\\udfff escape)."
    return None


def _check(value: Any, path: tuple[str, ...]) -> None:
    """Raise BodyError at the first refused value, naming its field by its dotted path."""
    if isinstance(value, _Refused):
        raise BodyError(422, ".".join(path) or "body", value.message)
    if isinstance(value, str):
        if problem := _text_problem(value):
            raise BodyError(422, ".".join(path) or "body", problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            here = (*path, escaped(key))
            if problem := _text_problem(key):
                raise BodyError(422, ".".join(here), f"Field name: {problem}")
            _check(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, (*path, str(index)))


def read_json(raw: bytes) -> Any:
    """The value of a JSON body in any encoding JSON allows; BodyError if refused (see above)."""
    encoding = json.detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise BodyError(400, "body", "Not UTF-8, UTF-16 or UTF-32 text.") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BodyError(400, "body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise BodyError(400, "body", f"Not valid JSON ({error.msg}).") from None
    _check(value, ())
    return value


class LedgerRequest(Request):
    """Flask's request, reading its JSON body once with `read_json`."""

    _json_read: tuple[Any, BodyError | None] | None = None

    def json_body(self) -> Any:
        """The body's value (None if empty); raises BodyError (a 4xx problem) if refused."""
        if self._json_read is None:
            raw = self.get_data(cache=True)
            try:
                self._json_read = (read_json(raw) if raw.strip() else None, None)
            except BodyError as refused:
                self._json_read = (None, refused)
            else:
                if raw.strip() and json.detect_encoding(raw) != "utf-8":
                    # webargs reads the cached bytes as UTF-8: hand it the same value so.
                    self._cached_data = json.dumps(self._json_read[0]).encode()
        value, error = self._json_read
        if error is not None:
            raise error
        return value

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if not (force or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        try:
            return self.json_body()
        except BodyError:
            if silent:
                return None
            raise


class UnsupportedBody(HTTPException):
    """A body that is not JSON (415): every body the service takes is JSON."""

    code = 415
    description = "The request body must be JSON (Content-Type: application/json)."

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        # RFC 9110 §15.5.16: the media types that would have been accepted.
        return [*super().get_headers(*args, **kwargs), ("Accept", "application/json")]


def _has_body() -> bool:
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def refuse_bad_body() -> None:
    """Raise UnsupportedBody (415) for a body that is not JSON, BodyError (a 4xx problem) for
    a JSON body we refuse."""
    if not isinstance(request, LedgerRequest):
        return
    if request.is_json:
        request.json_body()
    elif _has_body() and request.method in ("POST", "PUT", "PATCH"):
        raise UnsupportedBody()
