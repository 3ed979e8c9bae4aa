"""The notification endpoints: directory and subscriptions by administrators, the delivery
record of a complaint, replay; the secret never comes back."""

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from ledger.clock import ManualClock
from tests.api.conftest import ADMIN, AGENT, COMPLIANCE_OFFICER, ok, register
from tests.api.conftest import app as app
from tests.api.conftest import client as client
from tests.notifications.conftest import WebhookReceiver


def _staff(client: FlaskClient, staff_id: str, **body: Any) -> Any:
    return client.put(f"/v1/staff/{staff_id}", json=body, headers=ADMIN)


def test_an_administrator_keeps_the_staff_directory(client: FlaskClient) -> None:
    ok(
        _staff(
            client,
            "sup-1",
            display_name="Sup One",
            email="sup1@staff.test",
            level="supervisor",
            department="service",
        )
    )
    ok(
        _staff(
            client,
            "agent-7",
            display_name="Agent",
            email="a7@staff.test",
            level="agent",
            department="service",
            reports_to="sup-1",
        )
    )
    listed = ok(client.get("/v1/staff", headers=ADMIN))["staff"]
    assert [(m["staff_id"], m["reports_to"]) for m in listed] == [
        ("agent-7", "sup-1"),
        ("sup-1", None),
    ]


def test_a_reporting_line_to_nobody_is_refused_as_a_conflict_naming_the_field(
    client: FlaskClient,
) -> None:
    response = _staff(
        client,
        "agent-7",
        display_name="A",
        email="a7@staff.test",
        level="agent",
        reports_to="ghost",
    )
    assert response.status_code == 409
    assert response.get_json()["field"] == "reports_to"


def test_only_administrators_manage_the_directory(client: FlaskClient) -> None:
    response = _staff(client, "x", display_name="X", email="x@staff.test", level="agent")
    assert ok(response) and client.get("/v1/staff", headers=AGENT).status_code == 403


def test_a_webhook_secret_is_never_echoed(client: FlaskClient, webhook: WebhookReceiver) -> None:
    body = {"url": webhook.url, "secret": webhook.secret, "kinds": ["sla_breached"]}
    created = client.post("/v1/webhooks", json=body, headers=ADMIN)
    listed = client.get("/v1/webhooks", headers=ADMIN)
    assert created.status_code == 201 and listed.status_code == 200
    assert webhook.secret not in created.get_data(as_text=True)
    assert webhook.secret not in listed.get_data(as_text=True)
    assert listed.get_json()["webhooks"][0]["kinds"] == ["sla_breached"]


def test_a_malformed_secret_is_refused_naming_the_field(client: FlaskClient) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "secret": "not-a-standard-webhooks-secret-at-all"}
    response = client.post("/v1/webhooks", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert response.get_json()["field"] == "secret"


def test_the_delivery_record_of_a_complaint_is_one_query(
    app: Flask,
    client: FlaskClient,
    clock: ManualClock,
    webhook: WebhookReceiver,
) -> None:
    client.post("/v1/webhooks", json={"url": webhook.url, "secret": webhook.secret}, headers=ADMIN)
    complaint = register(client)
    ok(
        client.post(
            f"/v1/complaints/{complaint['id']}/classify",
            json={"category": "complaint", "priority": "urgent"},
            headers=AGENT,
        )
    )
    clock.advance(timedelta(hours=2, minutes=1))
    side = app.extensions["read_side"]
    side.catch_up()
    side.escalate_overdue()
    webhook.fail_next = 1
    notifier = app.extensions["notifications"].notifier
    notifier.run_once()
    found = ok(
        client.get(f"/v1/notifications?record={complaint['reference']}", headers=COMPLIANCE_OFFICER)
    )
    breach = next(n for n in found["notices"] if n["kind"] == "sla_breached")
    assert breach["reference"] == complaint["reference"]
    outcomes = sorted(a["outcome"] for n in found["notices"] for a in n["attempts"])
    assert outcomes == ["delivered", "failed"]
    failed = next(a for n in found["notices"] for a in n["attempts"] if a["outcome"] == "failed")
    assert failed["status"] == 503
    replayed = client.post(f"/v1/notifications/{failed['notification_id']}/replay", headers=ADMIN)
    assert ok(replayed)["state"] == "pending"
    delivered = next(
        a for n in found["notices"] for a in n["attempts"] if a["outcome"] == "delivered"
    )
    again = client.post(f"/v1/notifications/{delivered['notification_id']}/replay", headers=ADMIN)
    assert again.status_code == 409


def test_a_notice_with_nobody_in_the_directory_says_so_in_the_delivery_record(
    app: Flask, client: FlaskClient, clock: ManualClock
) -> None:
    complaint = register(client)  # the directory is empty: nobody to tell
    ok(
        client.post(
            f"/v1/complaints/{complaint['id']}/classify",
            json={"category": "complaint", "priority": "urgent"},
            headers=AGENT,
        )
    )
    clock.advance(timedelta(hours=2, minutes=1))
    side = app.extensions["read_side"]
    side.catch_up()
    side.escalate_overdue()
    app.extensions["notifications"].notifier.run_once()
    found = ok(
        client.get(f"/v1/notifications?record={complaint['reference']}", headers=COMPLIANCE_OFFICER)
    )
    breach = next(n for n in found["notices"] if n["kind"] == "sla_breached")
    assert (breach["recipients"], breach["nobody"]) == ([], ["owner", "next_level_up"])


def _sup(client: FlaskClient, **headers: str) -> Any:
    body = {"display_name": "Sup", "email": "sup1@staff.test", "level": "supervisor"}
    return client.put("/v1/staff/sup-1", json=body, headers={**ADMIN, **headers})


def test_a_staff_entry_is_tagged_and_read_again_as_304_while_unchanged(
    client: FlaskClient,
) -> None:
    tag = ok(_sup(client)) and _sup(client).headers["ETag"]
    read = client.get("/v1/staff/sup-1", headers={**ADMIN, "If-None-Match": tag})
    assert (read.status_code, read.headers["ETag"]) == (304, tag)


def test_a_staff_change_with_a_stale_if_match_is_412_and_changes_nothing(
    client: FlaskClient,
) -> None:
    stale = _sup(client).headers["ETag"]
    _staff(client, "sup-1", display_name="Renamed", email="sup1@staff.test", level="supervisor")
    refused = _sup(client, **{"If-Match": stale})
    removal = client.delete("/v1/staff/sup-1", headers={**ADMIN, "If-Match": stale})
    assert (refused.status_code, removal.status_code) == (412, 412)
    assert ok(client.get("/v1/staff/sup-1", headers=ADMIN))["display_name"] == "Renamed"


def test_a_staff_change_with_the_current_if_match_is_applied(client: FlaskClient) -> None:
    current = _sup(client).headers["ETag"]
    removal = client.delete("/v1/staff/sup-1", headers={**ADMIN, "If-Match": current})
    assert removal.status_code == 204
    assert client.get("/v1/staff/sup-1", headers=ADMIN).status_code == 404


def test_a_webhook_url_or_secret_outside_the_documented_pattern_is_refused(
    client: FlaskClient,
) -> None:
    secret = "whsec_" + "A" * 32
    for body, field in (
        ({"url": "ftp://hooks.example.com/x", "secret": secret}, "url"),
        ({"url": "http://hooks.example.com/x", "secret": "whsec_" + "A" * 30 + "=="}, "secret"),
    ):
        response = client.post("/v1/webhooks", json=body, headers=ADMIN)
        assert (response.status_code, response.get_json()["field"]) == (422, field)
