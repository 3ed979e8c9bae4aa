"""A case with every kind of stream an evidence bundle gathers, driven through the HTTP API."""

from typing import Any

from tests.api.conftest import (
    AGENT,
    INCIDENT_MANAGER,
    NEW_COMPLAINT,
    SUPERVISOR,
)

Call = Any  # (method, path, body, headers) -> (status, body)


def full_case(call: Call) -> dict[str, Any]:
    """A complaint with a handoff, an escalation and a linked incident naming its customer."""
    status, complaint = call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)
    assert status == 201, complaint
    cid = complaint["id"]
    for name, body in (
        ("classify", {"category": "complaint", "priority": "urgent"}),
        ("assign", {}),
    ):
        status, answer = call("POST", f"/v1/complaints/{cid}/{name}", body, AGENT)
        assert status == 200, answer
    status, handoff = call(
        "POST",
        "/v1/handoffs",
        {"complaint_id": cid, "to_department": "technical", "reason": "system fault"},
        AGENT,
    )
    assert status == 201, handoff
    status, escalation = call(
        "POST",
        "/v1/escalations",
        {"complaint_id": cid, "level": "supervisor", "reason": "customer is upset"},
        AGENT,
    )
    assert status == 201, escalation
    status, incident = call(
        "POST",
        "/v1/incidents",
        {"title": "Courier depot flooded", "description": "Parcels damaged"},
        INCIDENT_MANAGER,
    )
    assert status == 201, incident
    status, linked = call(
        "POST",
        f"/v1/incidents/{incident['id']}/complaints",
        {"complaint_id": complaint["reference"]},
        INCIDENT_MANAGER,
    )
    assert status == 200, linked
    status, read = call("GET", f"/v1/complaints/{cid}", None, SUPERVISOR)
    assert status == 200, read
    return {
        "complaint": complaint,
        "handoff": handoff,
        "escalation": escalation,
        "incident": incident,
    }
