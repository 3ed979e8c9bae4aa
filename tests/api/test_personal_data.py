"""Personal data: unreadable in the database, erasable by crypto-shredding, masked by role."""

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import psycopg
import pytest
from flask.testing import FlaskClient
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.fields import ERASED, TAMPERED
from privacy.keys.master_key import MasterKeyError, MasterKeyring, key_id_for
from tests.api.conftest import AGENT, NEW_COMPLAINT, command, ok, workable
from tests.conftest import PERSONAL_MARKERS, POSTGRES_URL

PRIVACY_OFFICER = {"X-Staff-Id": "dpo-1", "X-Staff-Role": "privacy_officer"}
COMPLIANCE = {"X-Staff-Id": "audit-1", "X-Staff-Role": "compliance_officer"}
ADMIN = {"X-Staff-Id": "root-1", "X-Staff-Role": "administrator"}
# Department staff see only their department's complaints; these are filed with `service`.
SERVICE_DESK = {
    "X-Staff-Id": "desk-1",
    "X-Staff-Role": "department_staff",
    "X-Staff-Department": "service",
}


def _markers() -> dict[str, str]:
    tag = uuid4().hex[:10]
    markers = {
        "name": f"Marker张{tag}N",
        "phone": f"139{int(tag[:8], 16) % 10**8:08d}",
        "email": f"m{tag}@example.com",
        "address": f"Marker{tag} Road 1, 杭州",
        "summary": f"Marker summary {tag}",
        "description": f"Marker description {tag}",
        "note": f"Marker note {tag}",
        "resolution": f"Marker resolution {tag}",
        "comment": f"Marker comment {tag}",
    }
    PERSONAL_MARKERS.update(markers.values())
    return markers


def _file_with_personal_data(client: FlaskClient, m: dict[str, str]) -> dict[str, Any]:
    body = {
        **NEW_COMPLAINT,
        "customer": {
            "name": m["name"],
            "phone": m["phone"],
            "email": m["email"],
            "address": m["address"],
        },
        "summary": m["summary"],
        "description": m["description"],
    }
    complaint = ok(client.post("/v1/complaints", json=body, headers=AGENT), 201)
    cid = complaint["id"]
    ok(command(client, cid, "classify", {"category": "complaint", "priority": "normal"}))
    ok(command(client, cid, "assign"))
    ok(command(client, cid, "notes", {"note": m["note"]}))
    ok(command(client, cid, "resolve", {"resolution": m["resolution"]}))
    ok(command(client, cid, "feedback", {"satisfaction": 5, "comment": m["comment"]}))
    return complaint


def _forms(value: str) -> list[bytes]:
    return [value.encode(), json.dumps(value).encode(), json.dumps(value)[1:-1].encode()]


def _database_bytes(database_url: str) -> bytes:
    """Everything the store holds: a dump of every table in the test's schema."""
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    dump = []
    with psycopg.connect(POSTGRES_URL) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            rows = connection.execute(
                sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(schema, table))
            ).fetchall()
            dump.extend(row[0].encode() for row in rows)
    return b"\n".join(dump)


def _event_rows(database_url: str) -> list[tuple[Any, ...]]:
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL) as connection:
        return connection.execute(
            sql.SQL(
                "SELECT originator_id, originator_version, topic, state FROM {} "
                "ORDER BY notification_id"
            ).format(sql.Identifier(schema, "ledger_events"))
        ).fetchall()


def test_no_personal_field_is_stored_in_the_clear(client: FlaskClient, database_url: str) -> None:
    markers = _markers()
    _file_with_personal_data(client, markers)
    stored = _database_bytes(database_url)
    leaks = [name for name, value in markers.items() if any(f in stored for f in _forms(value))]
    assert leaks == []


def test_the_owner_reads_personal_fields_in_full(client: FlaskClient) -> None:
    markers = _markers()
    complaint = _file_with_personal_data(client, markers)
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] == markers["name"]
    assert read["customer"]["phone"] == markers["phone"]
    assert read["description"] == markers["description"]


@pytest.mark.parametrize(
    ("headers", "expect"),
    [
        (AGENT, "full"),
        ({"X-Staff-Id": "s", "X-Staff-Role": "supervisor"}, "full"),
        ({"X-Staff-Id": "m", "X-Staff-Role": "manager"}, "full"),
        (PRIVACY_OFFICER, "full"),
        ({"X-Staff-Id": "e", "X-Staff-Role": "executive"}, "masked"),
        (SERVICE_DESK, "masked"),
        ({"X-Staff-Id": "i", "X-Staff-Role": "incident_manager"}, "masked"),
        (COMPLIANCE, "masked"),
        (ADMIN, "none"),
    ],
)
def test_each_role_sees_exactly_its_visibility(
    client: FlaskClient, headers: dict[str, str], expect: str
) -> None:
    markers = _markers()
    complaint = _file_with_personal_data(client, markers)
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=headers))
    customer = read["customer"]
    if expect == "full":
        assert customer["phone"] == markers["phone"]
    elif expect == "masked":
        assert customer["phone"] == "*" * (len(markers["phone"]) - 4) + markers["phone"][-4:]
        assert (
            customer["name"].startswith(markers["name"][0]) and customer["name"] != markers["name"]
        )
        assert read["description"] == "[masked]"
    else:
        assert customer == {k: None for k in customer} | {"subject_id": customer["subject_id"]}
        assert read["description"] is None
    assert markers["comment"] not in json.dumps(read) or expect == "full"


def test_erasure_replaces_every_personal_field_with_a_marker(client: FlaskClient) -> None:
    markers = _markers()
    complaint = _file_with_personal_data(client, markers)
    subject = complaint["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "GDPR Art. 17"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )

    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    history = ok(client.get(f"/v1/complaints/{complaint['id']}/history", headers=AGENT))
    assert read["customer"]["name"] == ERASED
    assert read["description"] == ERASED
    text = json.dumps([read, history], ensure_ascii=False)
    assert [m for m in markers.values() if m in text] == []


def test_an_erasure_by_another_process_shows_on_this_process_next_read(
    client: FlaskClient, database_url: str, keyring: MasterKeyring, clock: Any
) -> None:
    markers = _markers()
    complaint = _file_with_personal_data(client, markers)
    before = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    elsewhere = LedgerApplication(settings_for_url(database_url), keyring=keyring, clock=clock)
    try:
        elsewhere.erase_subject(
            UUID(complaint["customer"]["subject_id"]),
            legal_basis="GDPR Art. 17",
            actor=Actor(staff_id="dpo-2", role="privacy_officer"),
        )
    finally:
        elsewhere.close()
    after = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert (before["customer"]["name"], after["customer"]["name"]) == (markers["name"], ERASED)
    assert after["description"] == ERASED


def test_erasure_leaves_other_people_and_the_event_streams_untouched(
    client: FlaskClient, database_url: str
) -> None:
    erased = _file_with_personal_data(client, _markers())
    kept_markers = _markers()
    kept = _file_with_personal_data(client, kept_markers)
    client.get("/health", headers=PRIVACY_OFFICER)  # their token's grant is an event too
    before = _event_rows(database_url)

    subject = erased["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Customer request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )

    after = _event_rows(database_url)
    assert after[: len(before)] == before
    assert [row[2] for row in after[len(before) :]] == [
        "ledger.subjects.subject:DataSubject.Recorded",
        "ledger.subjects.subject:DataSubject.Erased",
    ]
    assert (
        ok(client.get(f"/v1/complaints/{kept['id']}", headers=AGENT))["customer"]["name"]
        == kept_markers["name"]
    )


def test_erasure_is_recorded_in_the_ledger_with_who_and_why(client: FlaskClient) -> None:
    complaint = _file_with_personal_data(client, _markers())
    subject = complaint["customer"]["subject_id"]
    erased = ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Customer request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    assert (erased["erased_by"], erased["legal_basis"]) == ("dpo-1", "Customer request")
    again = ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Repeated"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    assert again == erased


def test_only_privacy_officers_erase(client: FlaskClient) -> None:
    complaint = _file_with_personal_data(client, _markers())
    subject = complaint["customer"]["subject_id"]
    response = client.post(
        f"/v1/subjects/{subject}/erasure", json={"legal_basis": "x"}, headers=AGENT
    )
    assert response.status_code == 403
    assert (
        ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["customer"]["name"]
        != ERASED
    )


def test_nothing_personal_is_recorded_for_an_erased_subject(client: FlaskClient) -> None:
    complaint = workable(client)
    subject = complaint["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    response = command(client, complaint["id"], "notes", {"note": "after erasure"})
    assert response.status_code == 409
    assert "erased" in response.get_json()["detail"]


def test_a_tampered_ciphertext_reads_as_tampered_not_as_data(
    client: FlaskClient, database_url: str
) -> None:
    markers = _markers()
    complaint = _file_with_personal_data(client, markers)
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL) as connection:
        table = sql.Identifier(schema, "ledger_events")
        connection.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table))
        # Corrupts the first ciphertext's nonce.
        connection.execute(
            sql.SQL(
                "UPDATE {} SET state = convert_to(REPLACE(convert_from(state, 'UTF8'), "
                "'\"c\":\"', '\"c\":\"AAAA'), 'UTF8') WHERE originator_version = 1"
            ).format(table)
        )
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    values = [read["customer"][k] for k in ("name", "phone", "email", "address")] + [
        read["summary"],
        read["description"],
    ]
    assert TAMPERED in values
    assert all(
        v in (TAMPERED, markers[k])
        for v, k in zip(
            values, ["name", "phone", "email", "address", "summary", "description"], strict=True
        )
    )


def test_every_reveal_is_in_the_access_log_and_reading_it_is_logged(client: FlaskClient) -> None:
    complaint = _file_with_personal_data(client, _markers())
    subject = complaint["customer"]["subject_id"]
    ok(client.get(f"/v1/complaints/{complaint['id']}", headers=SERVICE_DESK))

    entries = ok(client.get(f"/v1/audit/access-log?subject_id={subject}", headers=COMPLIANCE))[
        "entries"
    ]
    latest = entries[0]
    assert (latest["staff_id"], latest["role"]) == ("desk-1", "department_staff")
    assert "customer.phone" in latest["fields"]
    assert latest["purpose"] == "GET /v1/complaints/<string:complaint>"

    again = ok(client.get(f"/v1/audit/access-log?subject_id={subject}", headers=COMPLIANCE))[
        "entries"
    ]
    assert (again[0]["staff_id"], again[0]["fields"]) == ("audit-1", ["access_log"])


def test_agents_cannot_read_the_access_log(client: FlaskClient) -> None:
    assert client.get("/v1/audit/access-log", headers=AGENT).status_code == 403


def test_no_personal_data_reaches_the_logs(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    markers = _markers()
    with caplog.at_level(logging.DEBUG):
        complaint = _file_with_personal_data(client, markers)
        client.get(f"/v1/complaints/{complaint['id']}/history", headers=AGENT)
        client.post(
            "/v1/complaints",
            json={**NEW_COMPLAINT, "customer": {"name": markers["name"], "email": "bad"}},
            headers=AGENT,
        )
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    assert [m for m in markers.values() if m in logged] == []


def test_rotation_rewraps_keys_and_the_retired_key_no_longer_opens_them(
    database_url: str, keyring: MasterKeyring, clock: Any
) -> None:
    from ledger.values import Actor

    app = LedgerApplication(settings_for_url(database_url), keyring=keyring, clock=clock)
    agent = Actor("agent-7", "agent", "service")
    complaint = app.register_complaint(
        channel="phone", customer_name="Rotating Name", summary="s", description="d", actor=agent
    )
    app.close()

    new_key = bytes(range(100, 132))
    new_id = key_id_for(new_key)
    both = MasterKeyring(current_id=new_id, keys={**keyring.keys, new_id: new_key}, source="tests")
    app = LedgerApplication(settings_for_url(database_url), keyring=both, clock=clock)
    assert app.keys.rotate() == 1
    app.close()

    only_new = MasterKeyring(current_id=new_id, keys={new_id: new_key}, source="tests")
    app = LedgerApplication(settings_for_url(database_url), keyring=only_new, clock=clock)
    assert app.keys.reveal(app.get_complaint(complaint.id).customer.name) == "Rotating Name"
    app.close()

    with pytest.raises(MasterKeyError, match="does not match"):
        LedgerApplication(settings_for_url(database_url), keyring=keyring, clock=clock)


def test_the_coarse_region_survives_erasure_for_statistics(client: FlaskClient) -> None:
    body = {**NEW_COMPLAINT, "customer": {"name": "Zhao Liu", "region": "Hangzhou"}}
    complaint = ok(client.post("/v1/complaints", json=body, headers=AGENT), 201)
    subject = complaint["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    customer = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["customer"]
    assert (customer["name"], customer["region"]) == (ERASED, "Hangzhou")


def test_a_subject_under_legal_hold_cannot_be_erased_until_the_hold_is_lifted(
    client: FlaskClient,
) -> None:
    markers = _markers()
    complaint = _file_with_personal_data(client, markers)
    subject = complaint["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/legal-hold",
            json={"reason": "Litigation 2026-17"},
            headers=PRIVACY_OFFICER,
        )
    )

    refused = client.post(
        f"/v1/subjects/{subject}/erasure", json={"legal_basis": "Request"}, headers=PRIVACY_OFFICER
    )
    assert refused.status_code == 409
    assert "Litigation 2026-17" in refused.get_json()["detail"]
    assert (
        ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["customer"]["name"]
        == markers["name"]
    )

    ok(
        client.post(
            f"/v1/subjects/{subject}/legal-hold/lift",
            json={"reason": "Case settled"},
            headers=PRIVACY_OFFICER,
        )
    )
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    assert (
        ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))["customer"]["name"]
        == ERASED
    )
