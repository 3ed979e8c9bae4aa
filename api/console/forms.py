"""A posted form read through the API's own request schema: one set of validation rules.

HTML forms send text only: an empty field is an omitted one, a nested field is named
`outer.inner`, a whole number is its digits, a list is one item per line (or per repeated
field), a mapping one `key=value` per line. The schema then loads the body exactly as it loads
an API request's JSON, and its messages name the fields that were refused.
"""

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

# A whole number as a form sends it: ASCII digits, at most a sign. Anything else (`--1`, `²`,
# thousands of digits) goes to the schema as text, which names the field it refuses.
_WHOLE = re.compile(r"-?[0-9]{1,19}")


def _value(field: fields.Field[Any], text: str) -> Any:
    if isinstance(field, fields.Integer) and _WHOLE.fullmatch(text):
        return int(text)
    if isinstance(field, fields.Boolean):
        return text in ("on", "true", "1")
    return text


def _collection(field: fields.Field[Any], lines: list[str]) -> Any:
    if isinstance(field, fields.Dict):
        # A line without "=" keeps its text as the key: the schema then names what is missing.
        pairs = (line.partition("=") for line in lines)
        return {k.strip(): v.strip() for k, _, v in pairs}
    return lines


def _body(schema: Schema, form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = f"{prefix}{field.data_key or name}"
        if isinstance(field, fields.List):
            # A multiple choice (checkboxes, <select multiple>) posts the name once per value.
            chosen = [v.strip() for v in form.getlist(key) if v.strip()]
            if chosen:
                body[field.data_key or name] = chosen
            continue
        if isinstance(field, fields.Nested):
            nested = _body(field.schema, form, f"{key}.")
            if nested:
                body[field.data_key or name] = nested
            continue
        if isinstance(field, fields.List | fields.Dict):
            lines = [ln.strip() for t in form.getlist(key) for ln in t.splitlines() if ln.strip()]
            if lines:
                body[field.data_key or name] = _collection(field, lines)
            continue
        text = form.get(key, "").strip()
        if text:
            body[field.data_key or name] = _value(field, text)
    return body


def read_form(schema: type[Schema], form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's fields loaded by `schema`; raises `FormError` naming the refused fields."""
    try:
        loaded: dict[str, Any] = schema().load(_body(schema(), form))
    except ValidationError as error:
        raise FormError(_flatten(error.messages)) from None
    return loaded


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(messages, dict):
        flat: dict[str, str] = {}
        for name, inner in messages.items():
            flat.update(_flatten(inner, f"{prefix}{name}."))
        return flat
    if isinstance(messages, list):
        return {prefix.rstrip("."): " ".join(str(m) for m in messages)}
    return {prefix.rstrip("."): str(messages)}


class FormError(ValueError):
    """A form the schema refused: field name -> message."""

    def __init__(self, fields_: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields_.items()))
        self.fields = fields_
