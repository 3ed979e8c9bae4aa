"""A test-only speed-up: building the API document copies marshmallow schemas only as needed.

flask-smorest deep-copies every blueprint's documentation each time a blueprint is registered
on a new app ("allows registering blueprint multiple times, e.g. when creating multiple apps
during tests"), and apispec deep-copies each path's operations again. Most of that time goes
into copying marshmallow schema instances field by field, which neither library changes: they
only read a schema to describe it, and change the dicts and lists around it. So in the tests
those copies copy every dict, list and other value as `deepcopy` does, but share the schemas
(and their classes) themselves. The suite builds hundreds of apps; the document each one serves
is the same as without this (tests/api/test_openapi.py checks that it is).

The service itself never imports this module.
"""

import copy
from typing import Any

import apispec.core
import flask_smorest.blueprint
from marshmallow import Schema
from marshmallow.schema import SchemaMeta

_deepcopy = copy.deepcopy


def copy_sharing_schemas(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy`, except that marshmallow schemas (instances and classes) are shared."""
    if isinstance(value, Schema | SchemaMeta):
        return value
    if type(value) is dict:
        return {key: copy_sharing_schemas(item) for key, item in value.items()}
    if type(value) is list:
        return [copy_sharing_schemas(item) for item in value]
    if type(value) is tuple:
        return tuple(copy_sharing_schemas(item) for item in value)
    return _deepcopy(value, memo)


def install() -> None:
    """Use `copy_sharing_schemas` for the copies the two libraries make of documentation."""
    flask_smorest.blueprint.deepcopy = copy_sharing_schemas  # type: ignore[attr-defined]
    apispec.core.deepcopy = copy_sharing_schemas  # type: ignore[attr-defined]
