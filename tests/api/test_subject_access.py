"""A person's own data: found by phone or e-mail, exported as JSON and HTML, gone with erasure."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from privacy.keys.blind_index import normalise
from tests.api.conftest import (
    AGENT,
    COMPLIANCE_OFFICER,
    INCIDENT_MANAGER,
    NEW_COMPLAINT,
    PRIVACY_OFFICER,
    ok,
)

PHONE = "13812345678"


def register(client: FlaskClient, **customer: str) -> dict[str, Any]:
    body = {**NEW_COMPLAINT, "customer": {"name": "Li Si", **customer}}
    return ok(client.post("/v1/complaints", json=body, headers=AGENT), 201)


def affected(client: FlaskClient, **customer: str) -> dict[str, Any]:
    """An incident assessed with one affected customer."""
    incident = ok(
        client.post(
            "/v1/incidents",
            json={"title": "Depot flooded", "description": "Parcels damaged"},
            headers=INCIDENT_MANAGER,
        ),
        201,
    )
    return ok(
        client.post(
            f"/v1/incidents/{incident['id']}/assess",
            json={
                "level": "II",
                "impact": "parcels lost",
                "affected_customers": [{"name": "Li Si", **customer}],
                "departments": ["technical"],
            },
            headers=INCIDENT_MANAGER,
        )
    )


def lookup(client: FlaskClient, **contact: str) -> list[dict[str, Any]]:
    [(kind, value)] = contact.items()
    body = ok(
        client.post(
            "/v1/subjects/lookup", json={"kind": kind, "value": value}, headers=PRIVACY_OFFICER
        )
    )
    found: list[dict[str, Any]] = body["subjects"]
    return found


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("phone", "138 1234 5678", "+86 138-1234-5678"),
        ("phone", "0086 13812345678", "13812345678"),
        ("email", " Li@Example.COM ", "li@example.com"),
        ("name", "  li   SI ", "Li Si"),
    ],
)
def test_two_spellings_of_one_contact_normalise_alike(kind: str, a: str, b: str) -> None:
    assert normalise(kind, a) == normalise(kind, b) is not None


def test_a_returning_customer_is_registered_as_the_same_person(client: FlaskClient) -> None:
    first = register(client, phone=PHONE)
    again = register(client, phone="+86 138 1234 5678")
    assert again["customer"]["subject_id"] == first["customer"]["subject_id"]


def test_a_returning_customer_is_found_with_their_name_spelled_alike(
    client: FlaskClient,
) -> None:
    first = register(client, phone=PHONE)
    again = register(client, phone=PHONE, name="  li   SI ")
    assert again["customer"]["subject_id"] == first["customer"]["subject_id"]


def test_a_phone_shared_by_someone_of_another_name_registers_a_new_person(
    client: FlaskClient,
) -> None:
    first = register(client, phone=PHONE)
    other = register(client, phone=PHONE, name="Wang Wu")
    assert other["customer"]["subject_id"] != first["customer"]["subject_id"]
    found = {s["subject_id"] for s in lookup(client, phone=PHONE)}
    assert found == {first["customer"]["subject_id"], other["customer"]["subject_id"]}
    later = register(client, phone=PHONE, name="Wang Wu")
    assert later["customer"]["subject_id"] == other["customer"]["subject_id"]


def test_an_affected_customer_of_another_name_is_not_the_complaint_s_person(
    client: FlaskClient,
) -> None:
    complaint = register(client, email="li@example.com")
    incident = affected(client, name="Zhao Liu", email="li@example.com")
    assert incident["affected_customers"][0]["subject_id"] != complaint["customer"]["subject_id"]


def test_a_returning_customer_s_new_e_mail_finds_them_later(client: FlaskClient) -> None:
    first = register(client, phone=PHONE)
    register(client, phone=PHONE, email="li@example.com")  # found by phone; the e-mail is new
    later = register(client, email="Li@Example.com")
    assert later["customer"]["subject_id"] == first["customer"]["subject_id"]


def test_a_customer_found_by_e_mail_has_their_new_phone_indexed(
    client: FlaskClient,
) -> None:
    first = register(client, email="li@example.com")
    again = register(client, phone=PHONE, email="li@example.com")
    assert again["customer"]["subject_id"] == first["customer"]["subject_id"]
    assert lookup(client, phone=PHONE)[0]["subject_id"] == first["customer"]["subject_id"]


def test_the_incident_s_affected_customer_is_the_complaint_s_person(client: FlaskClient) -> None:
    complaint = register(client, email="li@example.com")
    incident = affected(client, email="LI@example.com")
    subject = complaint["customer"]["subject_id"]
    assert incident["affected_customers"][0]["subject_id"] == subject


def test_an_access_export_lists_every_value_across_two_complaints_and_an_incident(
    client: FlaskClient,
) -> None:
    first = register(client, phone=PHONE, email="li@example.com")
    second = register(client, phone=PHONE, address="1 Garden Road, Pudong")
    incident = affected(client, phone=PHONE)
    [found] = lookup(client, phone="138-1234-5678")
    subject = found["subject_id"]
    assert subject == first["customer"]["subject_id"] == second["customer"]["subject_id"]
    assert sorted(found["records"]) == sorted(
        [first["reference"], second["reference"], incident["reference"]]
    )
    export = ok(client.post(f"/v1/subjects/{subject}/access-export", headers=PRIVACY_OFFICER))
    held = {(v["reference"], v["field"], v["value"]) for v in export["values"]}
    assert held >= {
        (first["reference"], "customer.phone", PHONE),
        (first["reference"], "customer.email", "li@example.com"),
        (first["reference"], "summary", NEW_COMPLAINT["summary"]),
        (second["reference"], "customer.address", "1 Garden Road, Pudong"),
        (incident["reference"], "affected_customers.0.phone", PHONE),
        (incident["reference"], "affected_customers.0.name", "Li Si"),
    }
    assert all(v["event"] and v["at"] and v["version"] >= 1 for v in export["values"])


def test_the_access_export_as_a_page_escapes_what_the_person_wrote(client: FlaskClient) -> None:
    complaint = register(client, phone=PHONE, name="<script>alert(1)</script>")
    subject = complaint["customer"]["subject_id"]
    page = client.post(f"/v1/subjects/{subject}/access-export?format=html", headers=PRIVACY_OFFICER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text
    assert complaint["reference"] in text


def test_an_access_export_is_recorded_in_the_audit_log_with_its_reveals(
    client: FlaskClient,
) -> None:
    subject = register(client, phone=PHONE)["customer"]["subject_id"]
    ok(client.post(f"/v1/subjects/{subject}/access-export", headers=PRIVACY_OFFICER))
    rows = client.application.extensions["access"].oplog.query(staff_id="po-1")
    exported = [r for r in rows if r.operation == "subjects.access_export"]
    assert len(exported) == 1 and "customer.phone" in exported[0].reveals


def test_an_erased_person_has_no_access_export_and_is_not_found_by_contact(
    client: FlaskClient,
) -> None:
    subject = register(client, phone=PHONE)["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "PIPL art. 47 request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    response = client.post(f"/v1/subjects/{subject}/access-export", headers=PRIVACY_OFFICER)
    assert response.status_code == 410 and response.mimetype == "application/problem+json"
    assert lookup(client, phone=PHONE) == []
    table = client.application.extensions["ledger"].keys.blind_index.name
    with client.application.extensions["ledger"].recorder.datastore.transaction(commit=False) as c:
        c.execute(f"SELECT count(*) AS n FROM {table} WHERE subject_id = %s", (subject,))
        assert c.fetchone()["n"] == 0


def test_after_erasure_the_same_contact_registers_a_new_person(client: FlaskClient) -> None:
    subject = register(client, phone=PHONE)["customer"]["subject_id"]
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "PIPL art. 47 request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )
    assert register(client, phone=PHONE)["customer"]["subject_id"] != subject


@pytest.mark.parametrize("headers", [AGENT, COMPLIANCE_OFFICER])
def test_only_a_privacy_officer_may_look_a_person_up(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    register(client, phone=PHONE)
    body = {"kind": "phone", "value": PHONE}
    response = client.post("/v1/subjects/lookup", json=body, headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "phone"},
        {"kind": "name", "value": "Li Si"},
        {"kind": "phone", "value": ""},
        {"kind": "phone", "value": PHONE, "email": "li@example.com"},
    ],
)
def test_a_lookup_needs_one_contact_of_a_known_kind(
    client: FlaskClient, body: dict[str, str]
) -> None:
    response = client.post("/v1/subjects/lookup", json=body, headers=PRIVACY_OFFICER)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_every_lookup_is_in_the_audit_log(client: FlaskClient) -> None:
    lookup(client, phone=PHONE)
    lookup(client, email="nobody@example.com")
    rows = client.application.extensions["access"].oplog.query(staff_id="po-1")
    assert [r.operation for r in rows].count("subjects.lookup") == 2


def test_an_unknown_export_format_is_refused_naming_the_field(client: FlaskClient) -> None:
    subject = register(client, phone=PHONE)["customer"]["subject_id"]
    response = client.post(
        f"/v1/subjects/{subject}/access-export?format=pdf", headers=PRIVACY_OFFICER
    )
    assert response.status_code == 422
    assert "format" in response.get_data(as_text=True)
