"""Legal holds on cases, the archive and the retention report over HTTP."""

import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from ledger.errors import PolicyError
from tests.api.conftest import (
    AGENT,
    COMPLIANCE_OFFICER,
    MANAGER,
    command,
    ok,
    register,
)
from tests.conftest import PERSONAL_MARKERS, TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64
from tests.unit.test_incident import CLOSED, incident_in

PAST_RETENTION = timedelta(days=3 * 365 + 1)


def closed(client: FlaskClient, name: str) -> dict[str, Any]:
    """A complaint of customer `name` (a personal marker), taken through to closure."""
    PERSONAL_MARKERS.add(name)
    # Contacts of its own: equal ones would make one returning person of two customers.
    contact = zlib.crc32(name.encode())
    complaint = register(
        client,
        customer={"name": name, "phone": f"138{contact % 10**8:08d}", "email": f"{contact}@x.cn"},
    )
    cid = complaint["id"]
    ok(command(client, cid, "classify", {"category": "complaint", "priority": "urgent"}))
    ok(command(client, cid, "assign"))
    ok(command(client, cid, "respond", {"message": f"Dear {name}"}))
    ok(command(client, cid, "resolve", {"resolution": f"{name} refunded"}))
    ok(command(client, cid, "feedback", {"satisfaction": 4}))
    ok(command(client, cid, "close"))
    return complaint


def test_a_compliance_officer_places_and_lifts_a_hold_on_a_case(client: FlaskClient) -> None:
    cid = closed(client, "Kong Hold")["id"]
    url = f"/v1/cases/{cid}/legal-hold"
    held = ok(client.post(url, json={"reason": "litigation"}, headers=COMPLIANCE_OFFICER))
    assert (held["legal_hold"], held["kind"]) == ("litigation", "complaint")
    lifted = ok(client.post(f"{url}/lift", json={"reason": "settled"}, headers=COMPLIANCE_OFFICER))
    assert lifted["legal_hold"] is None


def test_an_agent_cannot_place_a_hold(client: FlaskClient) -> None:
    cid = closed(client, "Cao Agent")["id"]
    response = client.post(f"/v1/cases/{cid}/legal-hold", json={"reason": "x"}, headers=AGENT)
    assert response.status_code == 403


def test_a_second_hold_is_refused_naming_the_field(client: FlaskClient) -> None:
    cid = closed(client, "Yan Twice")["id"]
    url = f"/v1/cases/{cid}/legal-hold"
    ok(client.post(url, json={"reason": "one"}, headers=COMPLIANCE_OFFICER))
    second = client.post(url, json={"reason": "two"}, headers=COMPLIANCE_OFFICER)
    assert second.status_code == 409
    assert second.get_json()["field"] == "legal_hold"


def test_a_hold_on_an_unknown_case_is_not_found(client: FlaskClient) -> None:
    url = "/v1/cases/00000000-0000-0000-0000-000000000001/legal-hold"
    response = client.post(url, json={"reason": "x"}, headers=COMPLIANCE_OFFICER)
    assert response.status_code == 404


def test_after_the_run_no_personal_marker_of_an_archived_case_is_readable(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    cid = closed(client, "Hua Archived")["id"]
    clock.advance(PAST_RETENTION)
    app.extensions["retention"].run()
    pages = [
        client.get(f"/v1/complaints/{cid}", headers=AGENT),
        client.get(f"/v1/complaints/{cid}/history", headers=COMPLIANCE_OFFICER),
        client.get("/v1/archives", headers=COMPLIANCE_OFFICER),
        client.get(f"/v1/archives/{cid}", headers=COMPLIANCE_OFFICER),
        client.get("/v1/retention/report", headers=COMPLIANCE_OFFICER),
    ]
    assert [p.status_code for p in pages] == [200] * len(pages)
    for page in pages:
        assert "Hua Archived" not in page.get_data(as_text=True)
    assert ok(pages[0])["customer"]["name"] == "[erased]"


def test_archives_are_listed_by_closure_period_and_kind(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    first = closed(client, "Lu First")["id"]
    clock.advance(timedelta(days=40))
    second = closed(client, "Lu Second")["id"]
    clock.advance(PAST_RETENTION)
    app.extensions["retention"].run()
    everything = ok(client.get("/v1/archives?kind=complaint", headers=COMPLIANCE_OFFICER))
    assert [a["case_id"] for a in everything["archives"]] == [first, second]
    later = ok(
        client.get(
            "/v1/archives",
            query_string={"from": "2026-03-20T00:00:00Z"},
            headers=COMPLIANCE_OFFICER,
        )
    )
    assert [a["case_id"] for a in later["archives"]] == [second]
    assert (
        ok(client.get("/v1/archives?kind=incident", headers=COMPLIANCE_OFFICER))["archives"] == []
    )


def test_the_report_shows_what_is_due_held_archived_and_destroyed(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    archived = closed(client, "Tang Done")["id"]
    held = closed(client, "Tang Held")["id"]
    ok(
        client.post(
            f"/v1/cases/{held}/legal-hold", json={"reason": "court"}, headers=COMPLIANCE_OFFICER
        )
    )
    clock.advance(PAST_RETENTION)
    before = ok(client.get("/v1/retention/report", headers=COMPLIANCE_OFFICER))
    assert before["due"] == [archived]
    assert before["held"] == [{"case_id": held, "reason": "case under legal hold: court"}]
    app.extensions["retention"].run()
    after = ok(client.get("/v1/retention/report", headers=COMPLIANCE_OFFICER))
    assert (after["due"], after["archived"], after["destroyed"]) == ([], 1, 1)
    assert after["periods"] == [{"period": "2029-03", "archived": 1, "destroyed": 1}]


def test_an_unknown_archive_is_not_found(client: FlaskClient) -> None:
    response = client.get(
        "/v1/archives/00000000-0000-0000-0000-000000000001", headers=COMPLIANCE_OFFICER
    )
    assert response.status_code == 404


def test_the_service_refuses_to_start_with_an_invalid_retention_file(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    rules = tmp_path / "retention.toml"
    rules.write_text('[complaints]\ndefault = "forever"\n')
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        retention_file=rules,
    )
    with pytest.raises(PolicyError, match=r"complaints\.default"):
        create_app(settings, clock=clock)


def test_after_the_run_an_archived_incident_shows_its_people_nowhere(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    incident = incident_in(CLOSED)  # one affected customer, Wang Wu; a manager sees names
    PERSONAL_MARKERS.add("Wang Wu")
    app.extensions["ledger"].save(incident)
    before = client.get(f"/v1/incidents/{incident.id}", headers=MANAGER)
    assert "Wang Wu" in before.get_data(as_text=True)  # readable while retained
    clock.advance(timedelta(days=5 * 365 + 1))
    app.extensions["retention"].run()
    pages = [
        client.get(f"/v1/incidents/{incident.id}", headers=MANAGER),
        client.get(f"/v1/incidents/{incident.id}/history", headers=COMPLIANCE_OFFICER),
        client.get(f"/v1/incidents/{incident.id}/review", headers=MANAGER),
        client.get(f"/v1/incidents/{incident.id}/review.md", headers=MANAGER),
        client.get(f"/v1/incidents/{incident.id}/review.html", headers=MANAGER),
        client.get(f"/v1/archives/{incident.id}", headers=COMPLIANCE_OFFICER),
    ]
    assert [p.status_code for p in pages] == [200] * len(pages)
    for page in pages:
        assert "Wang Wu" not in page.get_data(as_text=True)
