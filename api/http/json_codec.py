"""JSON bodies written by orjson: Flask's provider, with the same output for what it writes.

Writing a page of 50 cases with the standard library's encoder cost a sixth of the request's
CPU (`python -m tests.bench.profile`, the list rows of `make bench`); orjson writes the same
document about ten times faster. What it would write differently goes to Flask's own
behaviour: datetimes and dataclasses reach Flask's `default` as before (datetimes as HTTP
dates), and a value orjson refuses (an integer beyond 64 bits, a NaN) or a call with options
of its own (`indent`, for a debug server) is written by the standard encoder. The one change
on purpose: text is written as UTF-8, not as `\\uXXXX` escapes (both are JSON; clients decode
either).

Request bodies are read by webargs with the standard library: they are small.
"""

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response as AnyResponse

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COMPACT = {"separators": (",", ":")}


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider, encoding with orjson where it gives the same document."""

    sort_keys = False  # the schemas' field order

    def _encode(self, obj: Any) -> bytes | None:
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return None  # for the standard encoder to write, or to refuse as it always did

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs or kwargs == _COMPACT:
            encoded = self._encode(obj)
            if encoded is not None:
                return encoded.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> AnyResponse:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        encoded = self._encode(self._prepare_response_obj(args, kwargs))
        if encoded is None:
            return super().response(*args, **kwargs)
        return Response(encoded + b"\n", mimetype=self.mimetype)  # the app's own class
