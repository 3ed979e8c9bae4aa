"""The tests' faster copies (tests/openapi_copies.py) leave the API document as it would be."""

import copy
from pathlib import Path

import apispec.core
import flask_smorest.blueprint
import pytest
from flask import Flask

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64
from tests.openapi_copies import copy_sharing_schemas


def test_the_document_built_with_shared_schemas_equals_the_one_built_with_deep_copies(
    app: Flask,
    database_url: str,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert flask_smorest.blueprint.deepcopy is copy_sharing_schemas  # what `app` was built with
    monkeypatch.setattr(flask_smorest.blueprint, "deepcopy", copy.deepcopy)
    monkeypatch.setattr(apispec.core, "deepcopy", copy.deepcopy)
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
    )
    deep = create_app(settings, clock=clock)
    try:
        expected = deep.test_client().get("/openapi.json").get_json()
    finally:
        deep.extensions["ledger"].close()

    assert app.test_client().get("/openapi.json").get_json() == expected
    assert len(expected["paths"]) > 10


def test_a_shared_copy_still_copies_every_container_and_value() -> None:
    source = {"a": [{"b": 1}], "c": (2, [3])}
    copied = copy_sharing_schemas(source)
    assert copied == source
    copied["a"][0]["b"] = 9
    copied["c"][1].append(4)
    assert source == {"a": [{"b": 1}], "c": (2, [3])}
