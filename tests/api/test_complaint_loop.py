"""The five-step loop through HTTP: receive, classify, dispatch, handle, feedback — and again."""

from datetime import timedelta

from flask.testing import FlaskClient

from ledger.clock import ManualClock
from tests.api.conftest import (
    AGENT,
    COURIER_DESK,
    MANAGER,
    SUPERVISOR,
    TECHNICIAN,
    command,
    ok,
    register,
    workable,
)


def test_registration_returns_the_complaint_with_a_reference_and_its_location(
    client: FlaskClient,
) -> None:
    response = client.post(
        "/v1/complaints",
        json={
            "channel": "email",
            "customer": {"name": "Wang Wu"},
            "summary": "Refund missing",
            "description": "Refund promised last week has not arrived.",
        },
        headers=AGENT,
    )
    body = ok(response, 201)
    assert body["reference"].startswith("CMP-2026-")
    assert body["status"] == "registered"
    assert body["department"] == "service"
    assert response.headers["Location"] == f"/v1/complaints/{body['id']}"


def test_references_are_sequential_and_unique(client: FlaskClient) -> None:
    references = [register(client)["reference"] for _ in range(3)]
    assert references == ["CMP-2026-000001", "CMP-2026-000002", "CMP-2026-000003"]


def test_a_complaint_is_found_by_its_reference(client: FlaskClient) -> None:
    complaint = register(client)
    found = ok(client.get(f"/v1/complaints/{complaint['reference']}", headers=AGENT))
    assert found["id"] == complaint["id"]


def test_classification_stores_deadlines_counted_from_registration(
    client: FlaskClient, clock: ManualClock
) -> None:
    complaint = register(client)
    clock.advance(timedelta(hours=1))
    body = ok(
        command(
            client, complaint["id"], "classify", {"category": "complaint", "priority": "urgent"}
        )
    )
    assert body["first_response_due"] == "2026-03-02T11:00:00+00:00"
    assert body["resolution_due"] == "2026-03-03T09:00:00+00:00"


def test_a_read_right_after_a_write_returns_the_write(client: FlaskClient) -> None:
    complaint = workable(client)
    written = ok(command(client, complaint["id"], "notes", {"note": "Called the courier."}))
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["version"] == written["version"]
    assert (
        client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT).headers["ETag"]
        == f'"{written["version"]}-full-json"'
    )


def test_the_whole_loop_runs_through_handoff_escalation_reopen_and_close(
    client: FlaskClient,
) -> None:
    complaint = register(client)
    cid = complaint["id"]
    ok(command(client, cid, "classify", {"category": "after_sales", "priority": "important"}))
    assert ok(command(client, cid, "assign"))["owner"] == "agent-7"
    assert (
        ok(command(client, cid, "respond", {"message": "We are on it."}))["status"] == "in_progress"
    )

    handoff = ok(
        client.post(
            "/v1/handoffs",
            json={"complaint_id": cid, "to_department": "technical", "reason": "System fault"},
            headers=AGENT,
        ),
        201,
    )
    ok(client.post(f"/v1/handoffs/{handoff['id']}/accept", json={}, headers=TECHNICIAN))
    assert ok(client.get(f"/v1/complaints/{cid}", headers=AGENT))["department"] == "technical"
    ok(
        client.post(
            f"/v1/handoffs/{handoff['id']}/complete",
            json={"result": "Firmware patched"},
            headers=TECHNICIAN,
        )
    )
    back = ok(client.get(f"/v1/complaints/{cid}", headers=AGENT))
    assert (back["department"], back["owner"]) == ("service", "agent-7")

    escalation = ok(
        client.post(
            "/v1/escalations",
            json={"complaint_id": cid, "level": "supervisor", "reason": "Customer upset"},
            headers=AGENT,
        ),
        201,
    )
    ok(client.post(f"/v1/escalations/{escalation['id']}/acknowledge", json={}, headers=SUPERVISOR))
    ok(
        client.post(
            f"/v1/escalations/{escalation['id']}/resolve",
            json={"outcome": "Goodwill voucher"},
            headers=SUPERVISOR,
        )
    )

    ok(command(client, cid, "resolve", {"resolution": "Replacement shipped"}))
    reopened = ok(command(client, cid, "feedback", {"satisfaction": 2, "comment": "Still slow"}))
    assert (reopened["status"], reopened["cycle"]) == ("reopened", 2)

    ok(command(client, cid, "resolve", {"resolution": "Refund issued"}))
    ok(command(client, cid, "feedback", {"satisfaction": 5}))
    closed = ok(command(client, cid, "close"))
    assert closed["status"] == "closed"

    events = [
        e["event"]
        for e in ok(client.get(f"/v1/complaints/{cid}/history", headers=MANAGER))["events"]
    ]
    assert events == [
        "Registered", "Classified", "Assigned", "Responded",
        "HandoffRequested", "HandoffAccepted", "HandoffCompleted",
        "Escalated", "EscalationResolved",
        "Resolved", "FeedbackRecorded", "Reopened",
        "Resolved", "FeedbackRecorded", "Closed",
    ]  # fmt: skip


def test_history_records_who_when_and_why(client: FlaskClient, clock: ManualClock) -> None:
    complaint = workable(client)
    clock.advance(timedelta(minutes=30))
    ok(
        command(
            client,
            complaint["id"],
            "assign",
            {"owner": "agent-9", "reason": "Shift change"},
            headers=SUPERVISOR,
        )
    )
    last = ok(client.get(f"/v1/complaints/{complaint['id']}/history", headers=AGENT))["events"][-1]
    assert last["event"] == "Assigned"
    assert last["actor"] == {"staff_id": "sup-1", "role": "supervisor", "department": "service"}
    assert last["at"] == "2026-03-02T09:30:00+00:00"
    assert last["data"] == {
        "owner": "agent-9",
        "previous_owner": "agent-7",
        "reason": "Shift change",
    }


def test_an_unsatisfied_rating_reopens_the_complaint_automatically(client: FlaskClient) -> None:
    complaint = workable(client)
    ok(command(client, complaint["id"], "resolve", {"resolution": "Done"}))
    ok(command(client, complaint["id"], "feedback", {"satisfaction": 1}))
    last = ok(client.get(f"/v1/complaints/{complaint['id']}/history", headers=AGENT))["events"][-1]
    assert last["event"] == "Reopened"
    assert last["data"]["automatic"] is True


def test_closing_without_feedback_needs_a_recorded_waiver(client: FlaskClient) -> None:
    complaint = workable(client)
    ok(command(client, complaint["id"], "resolve", {"resolution": "Done"}))
    refused = command(client, complaint["id"], "close")
    assert refused.status_code == 409
    assert refused.get_json()["field"] == "waiver_reason"
    closed = ok(
        command(
            client, complaint["id"], "close", {"waiver_reason": "Customer unreachable for 3 days"}
        )
    )
    assert closed["status"] == "closed"


def test_a_rejected_handoff_leaves_the_complaint_with_the_sender(client: FlaskClient) -> None:
    complaint = workable(client)
    handoff = ok(
        client.post(
            "/v1/handoffs",
            json={
                "complaint_id": complaint["id"],
                "to_department": "logistics",
                "reason": "Courier damage",
            },
            headers=AGENT,
        ),
        201,
    )
    rejected = ok(
        client.post(
            f"/v1/handoffs/{handoff['id']}/reject",
            json={"reason": "Not a courier issue"},
            headers=COURIER_DESK,
        )
    )
    assert rejected["status"] == "rejected"
    after = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert (after["department"], after["owner"], after["open_handoff"]) == (
        "service",
        "agent-7",
        None,
    )


def test_a_complaint_has_at_most_one_open_handoff(client: FlaskClient) -> None:
    complaint = workable(client)
    first = {"complaint_id": complaint["id"], "to_department": "logistics", "reason": "Courier"}
    ok(client.post("/v1/handoffs", json=first, headers=AGENT), 201)
    second = client.post("/v1/handoffs", json={**first, "to_department": "quality"}, headers=AGENT)
    assert second.status_code == 409
    assert "still open" in second.get_json()["detail"]


def test_a_department_sees_its_open_handoffs_oldest_first(
    client: FlaskClient, clock: ManualClock
) -> None:
    ids = []
    for _ in range(3):
        complaint = workable(client)
        clock.advance(timedelta(minutes=5))
        handoff = ok(
            client.post(
                "/v1/handoffs",
                json={
                    "complaint_id": complaint["id"],
                    "to_department": "technical",
                    "reason": "Fault",
                },
                headers=AGENT,
            ),
            201,
        )
        ids.append(handoff["id"])
    ok(
        client.post(
            f"/v1/handoffs/{ids[1]}/reject", json={"reason": "Not ours"}, headers=TECHNICIAN
        )
    )
    queue = ok(client.get("/v1/departments/technical/handoffs", headers=TECHNICIAN))
    assert [h["handoff_id"] for h in queue["handoffs"]] == [ids[0], ids[2]]
    assert queue["handoffs"][0]["accept_due"] == "2026-03-02T11:05:00+00:00"
    assert ok(client.get("/v1/departments/quality/handoffs", headers=SUPERVISOR))["handoffs"] == []


def test_skipping_an_escalation_level_needs_a_reason(client: FlaskClient) -> None:
    complaint = workable(client)
    body = {"complaint_id": complaint["id"], "level": "executive", "reason": "Press enquiry"}
    refused = client.post("/v1/escalations", json=body, headers=AGENT)
    assert refused.status_code == 409
    assert refused.get_json()["field"] == "skip_reason"
    raised = ok(
        client.post(
            "/v1/escalations", json={**body, "skip_reason": "Media exposure"}, headers=AGENT
        ),
        201,
    )
    assert raised["skip_reason"] == "Media exposure"


def test_only_the_escalation_level_or_above_acknowledges(client: FlaskClient) -> None:
    complaint = workable(client)
    escalation = ok(
        client.post(
            "/v1/escalations",
            json={
                "complaint_id": complaint["id"],
                "level": "manager",
                "reason": "Major",
                "skip_reason": "Supervisor absent",
            },
            headers=AGENT,
        ),
        201,
    )
    assert (
        client.post(
            f"/v1/escalations/{escalation['id']}/acknowledge", json={}, headers=SUPERVISOR
        ).status_code
        == 409
    )
    assert (
        ok(
            client.post(f"/v1/escalations/{escalation['id']}/acknowledge", json={}, headers=MANAGER)
        )["status"]
        == "acknowledged"
    )
