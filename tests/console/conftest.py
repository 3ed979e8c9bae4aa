"""A console app on PostgreSQL with an injected clock, and a browser-like client that signs in."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.access.tokens import Principal
from ledger.clock import ManualClock
from tests.api.conftest import issue_token
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64

AGENT = Principal("agent-7", "王小明", ("agent",), "service")
TECHNICIAN = Principal("tech-3", "Tech Three", ("department_staff",), "technical")
COURIER_DESK = Principal("log-2", "Courier Desk", ("department_staff",), "logistics")
EXECUTIVE = Principal("exec-1", "Exec One", ("executive",))
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def console_app(database_url: str, clock: ManualClock, data_dir: Path, **extra: object) -> Flask:
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        **extra,  # type: ignore[arg-type]
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def app(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Flask]:
    flask_app = console_app(database_url, clock, tmp_path)
    yield flask_app
    flask_app.extensions["ledger"].close()


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("ledger_console", path="/console")
    return cookie.value if cookie else None


def sign_in(client: FlaskClient, token: str) -> str:
    """Sign in through the form as a browser would; the signed-in page's CSRF token."""
    form = client.get("/console/sign-in").get_data(as_text=True)
    answer = client.post("/console/sign-in", data={"csrf": csrf_of(form), "token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return csrf_of(client.get("/console/").get_data(as_text=True))


def signed_in(app: Flask, principal: Principal) -> tuple[FlaskClient, str]:
    """A fresh client signed in as `principal`, and its session's CSRF token."""
    client = app.test_client()
    return client, sign_in(client, issue_token(app, principal))


NEW_COMPLAINT = {
    "channel": "phone",
    "customer.name": "李四",
    "customer.phone": "13812345678",
    "customer.email": "li@example.com",
    "summary": "Parcel arrived broken",
    "description": "The parcel arrived crushed; the customer wants a replacement.",
    "department": "logistics",
}


def register(client: FlaskClient, csrf: str, **fields: str) -> str:
    """Register a complaint through the form; the case page's path."""
    answer = client.post("/console/complaints/new", data={**NEW_COMPLAINT, **fields, "csrf": csrf})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return str(answer.headers["Location"])
