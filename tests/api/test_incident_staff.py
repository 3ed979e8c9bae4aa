"""Incidents and the staff directory: the people an incident names (action-item owners, role
holders) are checked against the directory once it has entries, and the review documents show
display names beside staff ids."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN, INCIDENT_MANAGER, ok

IM = INCIDENT_MANAGER
DUE = "2026-03-20T09:00:00+00:00"


def put_staff(client: FlaskClient, staff_id: str, display_name: str) -> None:
    body = {"display_name": display_name, "email": f"{staff_id}@staff.test", "level": "agent"}
    ok(client.put(f"/v1/staff/{staff_id}", json=body, headers=ADMIN))


def post(client: FlaskClient, iid: str, name: str, body: dict[str, Any]) -> Any:
    return client.post(f"/v1/incidents/{iid}/{name}", json=body, headers=IM)


def assessed(client: FlaskClient) -> str:
    body = {"title": "Gateway down", "description": "Card payments fail"}
    iid: str = ok(client.post("/v1/incidents", json=body, headers=IM), 201)["id"]
    ok(post(client, iid, "assess", {"level": "III", "impact": "i", "departments": ["technical"]}))
    return iid


def reviewed(client: FlaskClient, lead: str = "im-1") -> str:
    """An incident whose review is recorded, so action items can be added."""
    iid = assessed(client)
    ok(post(client, iid, "activate", {"plan": "p", "roles": {"incident_lead": lead}}))
    ok(post(client, iid, "mitigate", {"summary": "m"}))
    ok(post(client, iid, "resolve", {"summary": "r"}))
    ok(post(client, iid, "review", {"contributing_factors": ["c"], "went_badly": ["b"]}))
    return iid


def add_item(client: FlaskClient, iid: str, owner: str) -> Any:
    return post(client, iid, "action-items", {"description": "d", "owner": owner, "due": DUE})


def test_while_the_directory_is_empty_any_owner_is_accepted(client: FlaskClient) -> None:
    iid = reviewed(client)
    items = ok(add_item(client, iid, "quality-lead"))["action_items"]
    assert [item["owner"] for item in items] == ["quality-lead"]


def test_an_owner_missing_from_the_directory_is_a_409_naming_owner(client: FlaskClient) -> None:
    iid = reviewed(client)
    put_staff(client, "eng-4", "Eng Four")
    response = add_item(client, iid, "quality-lead")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["field"] == "owner"
    incident = ok(client.get(f"/v1/incidents/{iid}", headers=IM))
    assert incident["action_items"] == []


def test_an_owner_in_the_directory_is_accepted(client: FlaskClient) -> None:
    iid = reviewed(client)
    put_staff(client, "eng-4", "Eng Four")
    items = ok(add_item(client, iid, "eng-4"))["action_items"]
    assert [item["owner"] for item in items] == ["eng-4"]


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        (
            "activate",
            {"plan": "p", "roles": {"incident_lead": "im-1", "scribe": "nobody"}},
            "roles",
        ),
        ("assign-role", {"role": "incident_lead", "staff_id": "nobody"}, "staff_id"),
    ],
)
def test_a_role_holder_missing_from_the_directory_is_a_409_naming_the_field(
    client: FlaskClient, name: str, body: dict[str, Any], field: str
) -> None:
    put_staff(client, "im-1", "Iris Manager")
    iid = assessed(client)
    if name == "assign-role":
        ok(post(client, iid, "activate", {"plan": "p", "roles": {"incident_lead": "im-1"}}))
    response = post(client, iid, name, body)
    assert (response.status_code, response.get_json()["field"]) == (409, field)
    roles = ok(client.get(f"/v1/incidents/{iid}", headers=IM))["roles"]
    assert "nobody" not in roles.values()


def test_role_holders_in_the_directory_are_accepted(client: FlaskClient) -> None:
    put_staff(client, "im-1", "Iris Manager")
    put_staff(client, "im-2", "Ivan Manager")
    iid = assessed(client)
    ok(post(client, iid, "activate", {"plan": "p", "roles": {"incident_lead": "im-1"}}))
    body = ok(post(client, iid, "assign-role", {"role": "incident_lead", "staff_id": "im-2"}))
    assert body["roles"] == {"incident_lead": "im-2"}


def named_review(client: FlaskClient) -> str:
    """A review naming im-1 (lead) and eng-4 (owner), both in the directory, and `ghost`, who
    is not: the owner of an item added while the directory was still empty."""
    iid = reviewed(client)
    ok(add_item(client, iid, "ghost"))
    put_staff(client, "im-1", "Iris Manager")
    put_staff(client, "eng-4", "Eng Four")
    ok(add_item(client, iid, "eng-4"))
    return iid


def test_the_json_review_names_the_staff_the_directory_knows(client: FlaskClient) -> None:
    iid = named_review(client)
    review = ok(client.get(f"/v1/incidents/{iid}/review", headers=IM))
    assert review["staff_names"]["im-1"] == "Iris Manager"
    assert review["staff_names"]["eng-4"] == "Eng Four"
    assert "ghost" not in review["staff_names"]
    assert [a["owner"] for a in review["action_items"]] == ["ghost", "eng-4"]


@pytest.mark.parametrize("document", ["review.md", "review.html"])
def test_the_review_documents_show_names_beside_ids_and_unknown_ids_alone(
    client: FlaskClient, document: str
) -> None:
    iid = named_review(client)
    text = client.get(f"/v1/incidents/{iid}/{document}", headers=IM).get_data(as_text=True)
    assert "Eng Four (eng-4)" in text  # the owner
    assert "Iris Manager (im-1)" in text  # the incident lead
    assert "ghost" in text and "(ghost)" not in text


def test_the_html_review_escapes_a_display_name(client: FlaskClient) -> None:
    iid = reviewed(client)
    put_staff(client, "eng-4", "<i>Eng</i>")
    ok(add_item(client, iid, "eng-4"))
    html = client.get(f"/v1/incidents/{iid}/review.html", headers=IM).get_data(as_text=True)
    assert "&lt;i&gt;Eng&lt;/i&gt; (eng-4)" in html and "<i>Eng</i>" not in html
