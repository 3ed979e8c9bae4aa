"""TOTP for the roles that reveal or destroy personal data, when the setting asks for it."""

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.clock import ManualClock
from tests.api.conftest import issue_token
from tests.console.conftest import AGENT, EXECUTIVE, console_app, csrf_of

_URI = re.compile(r"otpauth://totp/[^<\s]+")


@pytest.fixture
def guarded_app(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Flask]:
    flask_app = console_app(database_url, clock, tmp_path, console_second_factor=True)
    yield flask_app
    flask_app.extensions["ledger"].close()


def _token_step(app: Flask, client: FlaskClient, principal: object) -> None:
    form = client.get("/console/sign-in").get_data(as_text=True)
    token = issue_token(app, principal)  # type: ignore[arg-type]
    client.post("/console/sign-in", data={"csrf": csrf_of(form), "token": token})


def test_a_guarded_role_enrols_and_then_must_give_a_code(
    guarded_app: Flask, clock: ManualClock
) -> None:
    client = guarded_app.test_client()
    _token_step(guarded_app, client, AGENT)
    assert client.get("/console/").headers["Location"] == "/console/second-factor"
    page = client.get("/console/second-factor").get_data(as_text=True)
    found = _URI.search(page)
    assert found
    totp = pyotp.parse_uri(found.group(0).replace("&amp;", "&"))
    code = totp.at(clock.now())
    answer = client.post("/console/second-factor", data={"csrf": csrf_of(page), "code": code})
    assert answer.status_code == 303
    assert client.get("/console/").status_code == 200


def test_a_wrong_code_is_refused(guarded_app: Flask) -> None:
    client = guarded_app.test_client()
    _token_step(guarded_app, client, AGENT)
    page = client.get("/console/second-factor").get_data(as_text=True)
    answer = client.post("/console/second-factor", data={"csrf": csrf_of(page), "code": "000000"})
    assert answer.status_code == 401
    assert client.get("/console/").status_code == 303


def test_a_masked_role_needs_no_second_factor(guarded_app: Flask) -> None:
    client = guarded_app.test_client()
    _token_step(guarded_app, client, EXECUTIVE)
    assert client.get("/console/").status_code == 200


def test_wrong_codes_are_limited_like_bad_tokens(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    app = console_app(
        database_url, clock, tmp_path, console_second_factor=True, auth_max_failures=3
    )
    try:
        client = app.test_client()
        _token_step(app, client, AGENT)
        page = client.get("/console/second-factor").get_data(as_text=True)
        found = _URI.search(page)
        assert found
        totp = pyotp.parse_uri(found.group(0).replace("&amp;", "&"))
        csrf = csrf_of(page)
        for _ in range(3):
            wrong = client.post("/console/second-factor", data={"csrf": csrf, "code": "000000"})
            assert wrong.status_code == 401
        right = {"csrf": csrf, "code": totp.at(clock.now())}
        assert client.post("/console/second-factor", data=right).status_code == 429
        clock.advance(timedelta(seconds=61))  # the failure window passes
        right = {"csrf": csrf, "code": totp.at(clock.now())}
        assert client.post("/console/second-factor", data=right).status_code == 303
    finally:
        app.extensions["ledger"].close()
