"""A test-only speed-up: Werkzeug's URL builders are compiled once per rule shape, not per app.

Werkzeug compiles two small Python functions for every URL rule when the rule joins an app's URL
map (an AST built and passed to `compile`). The suite builds hundreds of apps with the same ~185
rules, and that compiling was about a tenth of an app's creation. A builder depends only on the
rule's parsed parts, its defaults and whether unknown arguments are appended, and takes the rule
as its first argument, so one compiled function serves every rule of the same shape. The service
builds one app and never imports this.
"""

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_BUILDERS: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def _shared_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    converters = tuple((name, type(converter)) for name, converter in self._converters.items())
    defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
    key = (tuple(self._trace), defaults, converters, append_unknown)
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    """Compile each rule shape's builders once for the whole run."""
    Rule._compile_builder = _shared_builder  # type: ignore[method-assign]
