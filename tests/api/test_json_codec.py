"""Response bodies written by orjson are the documents Flask's own provider writes."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from api.http.json_codec import OrjsonProvider


class _Colour(StrEnum):
    RED = "red"


@dataclass
class _Point:
    x: int
    label: str


VALUES: list[Any] = [
    {"z": 1, "a": [1, 2.5, None, True], "m": {"y": "x"}},
    {"name": "张三", "note": 'quote " and \\ and \n'},
    {"id": UUID("12345678-1234-5678-1234-567812345678")},
    {"at": datetime(2026, 12, 4, 9, 30, tzinfo=UTC), "on": date(2026, 12, 4)},
    {"point": _Point(3, "p"), "amount": Decimal("12.50")},
    {"big": 2**70, "negative": -(2**63)},
    [1e16, 0.1, -0.0, 12345.678],
    {"enum": _Colour.RED, "tuple": (1, "a")},
]


def _body(response: Any, *, raw: bool = False) -> Any:
    """A Flask response's body (the providers' type for it is werkzeug's sans-I/O one)."""
    data = response.get_data()
    return data if raw else json.loads(data)


def _providers() -> tuple[DefaultJSONProvider, OrjsonProvider]:
    app = Flask(__name__)
    standard = DefaultJSONProvider(app)
    standard.sort_keys = False  # as the API's provider keeps the schemas' order
    return standard, OrjsonProvider(app)


@pytest.mark.parametrize("value", VALUES)
def test_a_body_is_the_document_the_standard_provider_writes(value: Any) -> None:
    standard, fast = _providers()
    assert json.loads(fast.dumps(value)) == json.loads(standard.dumps(value))


@pytest.mark.parametrize("value", VALUES)
def test_a_response_is_the_document_the_standard_provider_answers(value: Any) -> None:
    app = Flask(__name__)
    standard = DefaultJSONProvider(app)
    standard.sort_keys = False
    fast = OrjsonProvider(app)
    with app.app_context():
        assert _body(fast.response(value)) == _body(standard.response(value))


def test_a_nan_is_written_as_null_not_as_the_invalid_nan() -> None:
    _, fast = _providers()
    assert json.loads(fast.dumps({"x": float("nan"), "y": float("inf")})) == {"x": None, "y": None}


def test_a_value_only_the_standard_encoder_writes_is_utf8_too() -> None:
    _, fast = _providers()
    written = fast.dumps({"big": 2**70, "name": "张三"})  # beyond orjson's 64 bits
    assert json.loads(written) == {"big": 2**70, "name": "张三"}
    assert "张三" in written


def test_the_keys_keep_their_order() -> None:
    _, fast = _providers()
    assert list(json.loads(fast.dumps({"z": 1, "a": 2, "m": 3}))) == ["z", "a", "m"]


def test_text_is_written_as_utf8_not_escaped() -> None:
    _, fast = _providers()
    assert fast.dumps({"name": "张三"}) == '{"name":"张三"}'


def test_a_value_neither_encoder_knows_is_refused_as_before() -> None:
    standard, fast = _providers()
    with pytest.raises(TypeError):
        standard.dumps({"s": {1, 2}})
    with pytest.raises(TypeError):
        fast.dumps({"s": {1, 2}})


def test_a_response_is_json_with_a_final_newline() -> None:
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    with app.app_context():
        response = app.json.response({"a": "张三"})
    assert response.mimetype == "application/json"
    assert _body(response, raw=True) == '{"a":"张三"}\n'.encode()
