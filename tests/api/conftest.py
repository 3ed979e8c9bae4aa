"""An HTTP client for the app on each store, and helpers to drive a complaint through it."""

import itertools
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.access.policy import ROLES
from ledger.access.tokens import Principal
from ledger.clock import ManualClock
from tests.conftest import START, TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64, fresh_schema_url
from tests.identities import TokenCache, with_bearer

AGENT = {"X-Staff-Id": "agent-7", "X-Staff-Role": "agent", "X-Staff-Department": "service"}
SUPERVISOR = {"X-Staff-Id": "sup-1", "X-Staff-Role": "supervisor", "X-Staff-Department": "service"}
MANAGER = {"X-Staff-Id": "mgr-1", "X-Staff-Role": "manager"}
TECHNICIAN = {
    "X-Staff-Id": "tech-3",
    "X-Staff-Role": "department_staff",
    "X-Staff-Department": "technical",
}
COURIER_DESK = {
    "X-Staff-Id": "log-2",
    "X-Staff-Role": "department_staff",
    "X-Staff-Department": "logistics",
}
INCIDENT_MANAGER = {"X-Staff-Id": "im-1", "X-Staff-Role": "incident_manager"}
DEPUTY_INCIDENT_MANAGER = {"X-Staff-Id": "im-2", "X-Staff-Role": "incident_manager"}
ENGINEER = {
    "X-Staff-Id": "eng-4",
    "X-Staff-Role": "department_staff",
    "X-Staff-Department": "engineering",
}
PRIVACY_OFFICER = {"X-Staff-Id": "po-1", "X-Staff-Role": "privacy_officer"}
ADMIN = {"X-Staff-Id": "admin-1", "X-Staff-Role": "administrator"}
EXECUTIVE = {"X-Staff-Id": "exec-1", "X-Staff-Role": "executive"}
COMPLIANCE_OFFICER = {"X-Staff-Id": "audit-1", "X-Staff-Role": "compliance_officer"}
NEW_COMPLAINT = {
    "channel": "phone",
    "customer": {"name": "Li Si", "phone": "13812345678", "email": "li@example.com"},
    "summary": "Parcel arrived broken",
    "description": "The parcel arrived crushed; the customer wants a replacement.",
}


@pytest.fixture
def app(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Flask]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
    )
    flask_app = create_app(settings, clock=clock)
    yield flask_app
    flask_app.extensions["ledger"].close()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for every test of a module, for modules whose tests each send requests that leave
    nothing another test reads (refused input): building an app per test was most of their time."""
    with fresh_schema_url() as database_url:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("app"),
            database_url=database_url,
            master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
            signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        )
        flask_app = create_app(settings, clock=ManualClock(START))
        yield flask_app
        flask_app.extensions["ledger"].close()


@pytest.fixture
def data_dir(tmp_path: Path, postgres_schema_url: str) -> Path:
    """A data directory for the `ledger` command (`ledger_command`) on the test's own schema."""
    from tests.api.test_cli import installed

    return installed(tmp_path, postgres_schema_url)


def issue_token(app: Flask, principal: Principal, *, lifetime: timedelta | None = None) -> str:
    """A real token for `principal` in `app`'s token store (ten years unless told)."""
    now = app.extensions["ledger"].clock.now()
    _, secret = app.extensions["access"].tokens.issue(
        principal,
        known_roles=ROLES,
        now=now,
        expires_at=now + (lifetime or timedelta(days=3650)),
        created_by="tests",
    )
    return str(secret)


class TokenClient(FlaskClient):
    """A test client that turns identity dicts (AGENT, ...) into bearer tokens for them."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        headers = kwargs.get("headers")
        if isinstance(headers, Mapping):
            app = self.application
            cache = app.extensions.setdefault(
                "test_tokens", TokenCache(lambda principal: issue_token(app, principal))
            )
            kwargs["headers"] = with_bearer(headers, cache)
        return super().open(*args, **kwargs)


# Every app a test builds (also with its own create_app) gets clients that translate identities.
Flask.test_client_class = TokenClient


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = TokenClient
    return app.test_client()


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    """The JSON body of a response that must have `status`; shows the problem otherwise."""
    assert response.status_code == status, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


_CUSTOMERS = itertools.count(1)


def register(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    """A new complaint of a new customer: equal contacts would make one returning person of all
    of them (the blind index); pass `customer` to choose."""
    n = next(_CUSTOMERS)
    customer = {**NEW_COMPLAINT["customer"], "phone": f"138{n:08d}", "email": f"li{n}@example.com"}
    body = {**NEW_COMPLAINT, "customer": customer, **changes}
    return ok(client.post("/v1/complaints", json=body, headers=AGENT), 201)


def command(
    client: FlaskClient,
    complaint_id: str,
    name: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] = AGENT,
) -> Any:
    return client.post(f"/v1/complaints/{complaint_id}/{name}", json=body or {}, headers=headers)


def erase(client: FlaskClient, subject: str) -> dict[str, Any]:
    """Erase the person `subject` as a privacy officer; the erasure's record."""
    return ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )


def workable(client: FlaskClient) -> dict[str, Any]:
    """A registered, classified complaint owned by the agent."""
    complaint = register(client)
    ok(
        command(
            client, complaint["id"], "classify", {"category": "complaint", "priority": "urgent"}
        )
    )
    return ok(command(client, complaint["id"], "assign"))
