"""Conditional requests (RFC 9110): entity tags per representation, If-Match, If-None-Match."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from tests.api.conftest import ADMIN, AGENT, EXECUTIVE, command, ok, register, workable
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: its tests leave nothing another reads."""
    return module_app


@pytest.fixture
def clock(module_app: Flask) -> ManualClock:
    """The module's app's clock: a test that moves it moves it for the tests after it too."""
    return module_app.extensions["ledger"].clock  # type: ignore[no-any-return]


def _read(client: FlaskClient, complaint_id: str, headers: dict[str, str] = AGENT) -> object:
    return client.get(f"/v1/complaints/{complaint_id}", headers=headers)


def _version(client: FlaskClient, complaint_id: str) -> int:
    version: int = ok(_read(client, complaint_id))["version"]  # type: ignore[arg-type]
    return version


def test_roles_that_see_personal_data_differently_get_different_entity_tags(
    client: FlaskClient,
) -> None:
    complaint = register(client)
    tags = {
        _read(client, complaint["id"], who).headers["ETag"]  # type: ignore[attr-defined]
        for who in (AGENT, EXECUTIVE, ADMIN)
    }
    assert len(tags) == 3


def test_a_record_read_says_it_varies_by_authorization_and_when_it_last_changed(
    client: FlaskClient,
) -> None:
    response = _read(client, register(client)["id"])
    assert "Authorization" in response.vary  # type: ignore[attr-defined]
    assert response.last_modified is not None  # type: ignore[attr-defined]


def test_an_answer_showing_personal_data_may_not_be_stored_by_any_cache(
    client: FlaskClient,
) -> None:
    response = _read(client, register(client)["id"], AGENT)
    assert response.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]


def test_an_answer_without_personal_data_is_kept_only_by_the_caller_and_revalidated(
    client: FlaskClient,
) -> None:
    response = _read(client, register(client)["id"], ADMIN)
    assert response.headers["Cache-Control"] == "private, no-cache"  # type: ignore[attr-defined]


def test_a_read_with_the_current_tag_in_if_none_match_is_304_without_a_body(
    client: FlaskClient,
) -> None:
    complaint = register(client)
    etag = _read(client, complaint["id"]).headers["ETag"]  # type: ignore[attr-defined]
    response = client.get(
        f"/v1/complaints/{complaint['id']}", headers={**AGENT, "If-None-Match": etag}
    )
    assert (response.status_code, response.data, response.headers["ETag"]) == (304, b"", etag)


def test_a_read_with_a_stale_tag_in_if_none_match_gets_the_new_representation(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    etag = _read(client, complaint["id"]).headers["ETag"]  # type: ignore[attr-defined]
    ok(command(client, complaint["id"], "notes", {"note": "Called the courier."}))
    response = client.get(
        f"/v1/complaints/{complaint['id']}", headers={**AGENT, "If-None-Match": etag}
    )
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_a_list_is_tagged_by_its_body_and_304_until_it_changes(client: FlaskClient) -> None:
    register(client)
    etag = client.get("/v1/complaints", headers=AGENT).headers["ETag"]
    unchanged = client.get("/v1/complaints", headers={**AGENT, "If-None-Match": etag})
    register(client)
    changed = client.get("/v1/complaints", headers={**AGENT, "If-None-Match": etag})
    assert (unchanged.status_code, changed.status_code) == (304, 200)


def test_a_command_with_a_stale_if_match_is_412_with_the_current_tag_and_stores_nothing(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    stale = _read(client, complaint["id"]).headers["ETag"]  # type: ignore[attr-defined]
    ok(command(client, complaint["id"], "notes", {"note": "First note."}))
    before = _read(client, complaint["id"])
    response = client.post(
        f"/v1/complaints/{complaint['id']}/notes",
        json={"note": "Written over a change I have not seen."},
        headers={**AGENT, "If-Match": stale},
    )
    assert response.status_code == 412
    assert response.get_json()["type"] == "/problems/precondition-failed"
    assert response.headers["ETag"] == before.headers["ETag"]  # type: ignore[attr-defined]
    assert _version(client, complaint["id"]) == before.get_json()["version"]  # type: ignore[attr-defined]


def test_a_command_with_the_current_if_match_runs_and_answers_the_new_tag(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    current = _read(client, complaint["id"]).headers["ETag"]  # type: ignore[attr-defined]
    response = client.post(
        f"/v1/complaints/{complaint['id']}/notes",
        json={"note": "Called the courier."},
        headers={**AGENT, "If-Match": current},
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == _read(client, complaint["id"]).headers["ETag"]  # type: ignore[attr-defined]


def test_a_weak_tag_never_satisfies_if_match(client: FlaskClient) -> None:
    complaint = workable(client)
    current = _read(client, complaint["id"]).headers["ETag"]  # type: ignore[attr-defined]
    response = command(
        client, complaint["id"], "notes", {"note": "n"}, {**AGENT, "If-Match": f"W/{current}"}
    )
    assert response.status_code == 412


def test_if_match_star_runs_the_command_on_an_existing_record(client: FlaskClient) -> None:
    complaint = workable(client)
    response = command(client, complaint["id"], "notes", {"note": "n"}, {**AGENT, "If-Match": "*"})
    assert response.status_code == 200


def test_a_tag_of_another_roles_representation_does_not_match(client: FlaskClient) -> None:
    complaint = workable(client)
    masked = _read(client, complaint["id"], EXECUTIVE).headers["ETag"]  # type: ignore[attr-defined]
    response = command(
        client, complaint["id"], "notes", {"note": "n"}, {**AGENT, "If-Match": masked}
    )
    assert response.status_code == 412


@pytest.fixture
def strict_app(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Flask]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        require_if_match=True,
    )
    flask_app = create_app(settings, clock=clock)
    yield flask_app
    flask_app.extensions["ledger"].close()


def test_where_if_match_is_required_a_command_without_it_is_428(strict_app: Flask) -> None:
    client = strict_app.test_client()
    complaint = register(client)  # a creation names no record to compare with
    response = command(
        client, complaint["id"], "classify", {"category": "complaint", "priority": "urgent"}
    )
    assert response.status_code == 428
    assert response.get_json()["field"] == "If-Match"
