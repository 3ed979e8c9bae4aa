"""The blueprint of every API resource: flask-smorest's, whose arguments parser makes each
request schema once instead of once per request.

webargs instantiates a schema given as a class on every parse, and a marshmallow schema's
`__init__` deep-copies every declared field: about 2 % of a request's CPU in the full-stack
bench. Our request schemas keep no state between loads (no `context`, no attributes set while
loading), so one instance per class serves every request, as the peer's module-level schemas do.
"""

import threading
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser


class SchemaOnceParser(FlaskParser):
    """A `FlaskParser` that instantiates each schema class it is given once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._made: dict[type[ma.Schema], ma.Schema] = {}
        self._lock = threading.Lock()

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            found = self._made.get(argmap)
            if found is None:
                with self._lock:
                    found = self._made.setdefault(argmap, argmap())
            return found
        schema: ma.Schema = super()._get_schema(argmap, req)
        return schema


class Blueprint(SmorestBlueprint):  # type: ignore[misc]
    """flask-smorest's blueprint with `SchemaOnceParser`."""

    ARGUMENTS_PARSER = SchemaOnceParser()


__all__ = ["Blueprint", "SchemaOnceParser"]
