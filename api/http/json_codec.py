"""JSON bodies written by orjson: Flask's provider, with the same documents for what it writes.

Writing a page of 50 cases with the standard library's encoder cost a sixth of the request's
CPU (`python -m tests.bench.profile`, the list rows of `make bench`); orjson writes the same
document about ten times faster. Where it would write differently, Flask's own behaviour is
kept: datetimes and dataclasses reach Flask's `default` as before (datetimes as HTTP dates), and
a value orjson refuses (an integer beyond 64 bits) or a call with options of its own (`indent`,
for a debug server) is written by the standard encoder. The differences, on purpose or
harmless: text is written as UTF-8, not as `\\uXXXX` escapes (both are JSON; clients decode
either); a NaN or an infinity is written as `null` (the standard encoder wrote `NaN`, which is
not JSON); a dict subclass is written from its dict (a `MultiDict` as its lists; the API
answers with none).

Request bodies are read by webargs with the standard library: they are small. Problem bodies
(api/http/problems.py) are written with the standard library too: they are small and rare.
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
    ensure_ascii = False  # UTF-8 text, as orjson writes it, when the standard encoder writes

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
        # Flask's own response class: the app sets none of its own (the base class's type
        # for it is the sans-I/O one, which takes no bytes).
        return Response(encoded + b"\n", mimetype=self.mimetype)
