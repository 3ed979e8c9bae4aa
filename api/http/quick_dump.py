"""Output schemas whose dump reads each value straight from a dict: for pages of many items.

Marshmallow dumps a value through four calls before it formats it (the field's `serialize`,
its `get_value`, the schema's accessor, `utils.get_value`); a page of 50 cases with their
clocks is some 2,500 values, and those calls were most of what a list request cost the
server's CPU. `QuickDump` takes a value from a dict or a dataclass in one call and formats it
as the field's own `_serialize` does (so every value comes out as marshmallow would write it);
anything else — another kind of object, a key that is absent, a dotted attribute, a
field that reads no attribute — goes the ordinary way. Hooks (`pre_dump`, `post_dump`) run as
before: only the per-value plumbing between them is shortened.
"""

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing

# (attribute, output key, the field's formatter, the field's ordinary serialize)
_Step = tuple[str, str, Callable[..., Any], Callable[..., Any]]


def _formatter(field: Any) -> Callable[..., Any]:
    """The field's `_serialize`, with the commonest values (a str for a String, a datetime for
    an ISO DateTime) written as it would write them, without the call; the rest go to it."""
    kind = type(field)
    ordinary: Callable[..., Any] = field._serialize
    if kind._serialize is fields.String._serialize:
        return lambda value, attr, obj: value if type(value) is str else ordinary(value, attr, obj)
    if kind._serialize is fields.DateTime._serialize and isinstance(field, fields.DateTime):
        iso = kind.SERIALIZATION_FUNCS.get(field.format or kind.DEFAULT_FORMAT)
        if iso is not None:
            return lambda value, attr, obj: None if value is None else iso(value)
    return ordinary


def _reader(obj: Any) -> Callable[[str, Any], Any] | None:
    """How marshmallow's `utils.get_value` reads a plain key from `obj`, as one call: a dict's
    `get`; the attributes of an object that cannot be indexed (a dataclass) or of a tuple
    (indexing one by a name fails, so marshmallow reads attributes); None for anything else."""
    kind = type(obj)
    if kind is dict:
        return obj.get  # type: ignore[no-any-return]
    if not hasattr(obj, "__getitem__") or (
        isinstance(obj, tuple) and kind.__getitem__ is tuple.__getitem__
    ):
        return lambda name, default: getattr(obj, name, default)
    return None


class QuickDump(Schema):
    """A schema that dumps dicts without marshmallow's per-value accessor calls."""

    _steps: list[_Step] | None = None
    _planned = False

    def _plan(self) -> list[_Step] | None:
        """This instance's steps, worked out on its first dump; None when a field must go the
        ordinary way."""
        if not self._planned:
            self._steps = self._steps_of_fields()
            self._planned = True
        return self._steps

    def _steps_of_fields(self) -> list[_Step] | None:
        steps: list[_Step] = []
        for name, field in self.dump_fields.items():
            attribute = field.attribute or name
            if not field._CHECK_ATTRIBUTE or "." in attribute:
                return None
            key = field.data_key if field.data_key is not None else name
            steps.append((attribute, key, _formatter(field), field.serialize))
        return steps

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        read = _reader(obj)
        steps = self._plan() if read is not None else None
        if read is None or steps is None or type(self).get_attribute is not Schema.get_attribute:
            return super()._serialize(obj, many=False)
        out = self.dict_class()
        for attribute, key, formatted, serialize in steps:
            value = read(attribute, missing)
            if value is missing:  # absent: the ordinary way (a default, or left out)
                value = serialize(attribute, obj, accessor=self.get_attribute)
                if value is not missing:
                    out[key] = value
                continue
            out[key] = formatted(value, attribute, obj)
        return out
