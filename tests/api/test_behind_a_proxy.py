"""Behind trusted reverse proxies the bad-token limit counts the client's address, not the proxy's."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from tests.api.conftest import ADMIN
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the service from the proxy
BAD = {"Authorization": "Bearer lgr_not-a-token"}


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: its tests leave nothing another reads."""
    return module_app


@pytest.fixture
def clock(module_app: Flask) -> ManualClock:
    """The module's app's clock: a test that moves it moves it for the tests after it too."""
    return module_app.extensions["ledger"].clock  # type: ignore[no-any-return]


def _app(database_url: str, clock: ManualClock, data_dir: Path, hops: int) -> Flask:
    return create_app(
        Settings(
            data_dir=data_dir,
            database_url=database_url,
            master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
            signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
            trusted_proxies=hops,
            auth_max_failures=3,
        ),
        clock=clock,
    )


@pytest.fixture
def proxied(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[FlaskClient]:
    app = _app(database_url, clock, tmp_path, hops=1)
    yield app.test_client()
    app.extensions["ledger"].close()


@pytest.fixture
def direct(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[FlaskClient]:
    app = _app(database_url, clock, tmp_path, hops=0)
    yield app.test_client()
    app.extensions["ledger"].close()


def _from(client: FlaskClient, forwarded_for: str, headers: dict[str, str]) -> int:
    response = client.get(
        "/v1/tokens", headers={**headers, "X-Forwarded-For": forwarded_for}, environ_base=PROXY
    )
    return response.status_code


def test_one_addresses_bad_tokens_do_not_lock_out_another_behind_the_same_proxy(
    proxied: FlaskClient,
) -> None:
    for _ in range(3):
        assert _from(proxied, "203.0.113.5", BAD) == 401
    assert _from(proxied, "203.0.113.5", BAD) == 429
    assert _from(proxied, "198.51.100.9", ADMIN) == 200


def test_an_address_forged_left_of_the_trusted_hop_does_not_escape_the_limit(
    proxied: FlaskClient,
) -> None:
    for forged in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert _from(proxied, f"{forged}, 203.0.113.5", BAD) == 401
    assert _from(proxied, "192.0.2.4, 203.0.113.5", BAD) == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(direct: FlaskClient) -> None:
    for forged in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert _from(direct, forged, BAD) == 401
    assert _from(direct, "192.0.2.4", BAD) == 429
