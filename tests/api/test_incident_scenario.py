"""An incident run end to end through the API on each store, and the review it yields.

Report, handle before assessing, assess at level II, upgrade to I, activate, log actions,
notify customers, link three complaints, resolve, review with three action items, complete
and verify them, close: the review's timeline, durations, verdicts and plan must say exactly that.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from ledger.clock import ManualClock
from tests.api.conftest import (
    AGENT,
    DEPUTY_INCIDENT_MANAGER,
    ENGINEER,
    INCIDENT_MANAGER,
    ok,
    register,
)
from tests.conftest import START

IM = INCIDENT_MANAGER


def at(hh: int, mm: int, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=UTC)


def post(client: FlaskClient, path: str, body: dict[str, Any], headers: dict[str, str] = IM) -> Any:
    return ok(client.post(f"/v1/incidents{path}", json=body, headers=headers))


def run_scenario(client: FlaskClient, clock: ManualClock) -> tuple[str, list[str]]:
    """Drive the incident; returns its id and the references of the linked complaints."""
    assert clock.now() == START == at(9, 0)
    incident = ok(
        client.post(
            "/v1/incidents",
            json={"title": "Payment gateway down", "description": "Card payments fail."},
            headers=IM,
        ),
        201,
    )
    iid = incident["id"]
    clock.set(at(9, 5))
    post(client, f"/{iid}/log", {"kind": "action", "text": "Switched traffic to the standby"})
    clock.set(at(9, 10))
    post(
        client,
        f"/{iid}/milestones",
        {"name": "impact_started", "occurred_at": "2026-03-02T08:40:00+00:00"},
    )
    post(
        client,
        f"/{iid}/milestones",
        {"name": "detected", "occurred_at": "2026-03-02T08:55:00+00:00"},
    )
    clock.set(at(9, 30))
    assessed = post(
        client,
        f"/{iid}/assess",
        {
            "level": "II",
            "impact": "Card checkout unavailable in two regions",
            "affected_customers": [
                {"name": "Zhao Liu", "phone": "13900001111", "region": "Hangzhou"},
                {"name": "Qian Qi", "region": "Suzhou"},
            ],
            "departments": ["technical", "service"],
        },
    )
    first_customer = assessed["affected_customers"][0]["subject_id"]
    clock.set(at(9, 50))
    post(client, f"/{iid}/change-level", {"level": "I", "reason": "A third region failed"})
    clock.set(at(10, 0))
    post(
        client,
        f"/{iid}/activate",
        {
            "plan": "Fail over to the standby gateway; inform affected customers",
            "roles": {"incident_lead": "im-1", "communications": "agent-7", "scribe": "eng-4"},
        },
    )
    clock.set(at(10, 10))
    post(
        client,
        f"/{iid}/milestones",
        {"name": "acknowledged", "occurred_at": "2026-03-02T09:12:00+00:00"},
    )
    clock.set(at(10, 15))
    post(client, f"/{iid}/log", {"kind": "action", "text": "Renewed the gateway certificate"})
    clock.set(at(10, 20))
    post(
        client,
        f"/{iid}/log",
        {
            "kind": "customer_notification",
            "text": "Phoned Zhao Liu: refund issued",
            "subject_id": first_customer,
        },
        headers=AGENT,
    )
    clock.set(at(10, 25))
    post(client, f"/{iid}/log", {"kind": "resource_allocation", "text": "Two engineers on call"})
    clock.set(at(10, 30))
    post(client, f"/{iid}/assign-role", {"role": "incident_lead", "staff_id": "im-2"})
    references = []
    for minute in (35, 36, 37):
        clock.set(at(10, minute))
        references.append(register(client)["reference"])
    for minute, reference in zip((40, 41, 42), references, strict=True):
        clock.set(at(10, minute))
        post(client, f"/{iid}/complaints", {"complaint_id": reference}, DEPUTY_INCIDENT_MANAGER)
    clock.set(at(11, 30))
    post(
        client, f"/{iid}/mitigate", {"summary": "Standby gateway serving"}, DEPUTY_INCIDENT_MANAGER
    )
    clock.set(at(12, 0))
    resolved = post(
        client, f"/{iid}/resolve", {"summary": "Primary repaired"}, DEPUTY_INCIDENT_MANAGER
    )
    assert resolved["review_plan_due"] == "2026-03-04T12:00:00+00:00"
    clock.set(at(10, 0, day=3))
    post(
        client,
        f"/{iid}/review",
        {
            "contributing_factors": ["Certificate expired unnoticed", "No failover drill"],
            "went_well": ["Failover within minutes"],
            "went_badly": ["Customers told late"],
        },
    )
    for minute, (owner, text, due_day) in enumerate(
        (
            ("eng-4", "Alert before certificates expire", 10),
            ("agent-7", "Notification template", 12),
            ("im-2", "Quarterly failover drill", 20),
        ),
        start=10,
    ):
        clock.set(at(10, minute, day=3))
        post(
            client,
            f"/{iid}/action-items",
            {"description": text, "owner": owner, "due": f"2026-03-{due_day}T17:00:00+00:00"},
        )
    clock.set(at(9, 0, day=6))
    for item, who in (("A1", ENGINEER), ("A2", AGENT), ("A3", DEPUTY_INCIDENT_MANAGER)):
        post(client, f"/{iid}/action-items/{item}/complete", {"note": "Done"}, who)
    clock.set(at(9, 0, day=9))
    for item in ("A1", "A2", "A3"):
        post(client, f"/{iid}/action-items/{item}/verify", {})
    clock.set(at(12, 0, day=9))
    closed = post(client, f"/{iid}/close", {})
    assert closed["status"] == "closed"
    return iid, references


def test_the_review_states_exactly_what_happened(client: FlaskClient, clock: ManualClock) -> None:
    iid, references = run_scenario(client, clock)
    review = ok(client.get(f"/v1/incidents/{iid}/review", headers=IM))

    phases = {p["name"]: (p["seconds"], p["verdict"]) for p in review["phases"]}
    assert phases == {
        "detect": (15 * 60.0, None),
        "assess": (30 * 60.0, "met"),
        "activate": (60 * 60.0, "met"),
        "mitigate": (150 * 60.0, None),
        "resolve": (180 * 60.0, None),
        "review_plan": (22 * 3600.0, "met"),
    }
    assert review["level"] == "I"
    assert review["level_changes"] == [
        {
            "at": "2026-03-02T09:50:00+00:00",
            "from": "II",
            "to": "I",
            "direction": "upgrade",
            "reason": "A third region failed",
            "by": "im-1",
        }
    ]
    assert review["counts"] == {
        "affected_customers": 2,
        "linked_complaints": 3,
        "escalations": 0,
        "handoffs": 0,
    }
    assert [c["reference"] for c in review["linked_complaints"]] == references
    assert review["departments"] == ["technical", "service"]
    assert review["roles"] == [
        {
            "role": "incident_lead",
            "staff_id": "im-1",
            "from": "2026-03-02T10:00:00+00:00",
            "until": "2026-03-02T10:30:00+00:00",
        },
        {
            "role": "communications",
            "staff_id": "agent-7",
            "from": "2026-03-02T10:00:00+00:00",
            "until": None,
        },
        {"role": "scribe", "staff_id": "eng-4", "from": "2026-03-02T10:00:00+00:00", "until": None},
        {
            "role": "incident_lead",
            "staff_id": "im-2",
            "from": "2026-03-02T10:30:00+00:00",
            "until": None,
        },
    ]
    assert review["contributing_factors"] == ["Certificate expired unnoticed", "No failover drill"]
    assert (review["went_well"], review["went_badly"]) == (
        ["Failover within minutes"],
        ["Customers told late"],
    )
    items = [
        (a["item_id"], a["owner"], a["due"], a["status"], a["verified_by"], a["overdue"])
        for a in review["action_items"]
    ]
    assert items == [
        ("A1", "eng-4", "2026-03-10T17:00:00+00:00", "verified", "im-1", False),
        ("A2", "agent-7", "2026-03-12T17:00:00+00:00", "verified", "im-1", False),
        ("A3", "im-2", "2026-03-20T17:00:00+00:00", "verified", "im-1", False),
    ]


def test_the_review_timeline_lists_every_event_in_order(
    client: FlaskClient, clock: ManualClock
) -> None:
    iid, (c1, c2, c3) = run_scenario(client, clock)
    timeline = ok(client.get(f"/v1/incidents/{iid}/review", headers=IM))["timeline"]
    inc = timeline[0]["record"]
    seen = [(t["at"][5:16], t["record"], t["event"], t["actor"]) for t in timeline]
    assert seen == [
        ("03-02T09:00", inc, "Reported", "im-1"),
        ("03-02T09:05", inc, "EntryLogged", "im-1"),
        ("03-02T09:10", inc, "MilestoneSet", "im-1"),
        ("03-02T09:10", inc, "MilestoneSet", "im-1"),
        ("03-02T09:30", inc, "Assessed", "im-1"),
        ("03-02T09:50", inc, "LevelChanged", "im-1"),
        ("03-02T10:00", inc, "ResponseActivated", "im-1"),
        ("03-02T10:10", inc, "MilestoneSet", "im-1"),
        ("03-02T10:15", inc, "EntryLogged", "im-1"),
        ("03-02T10:20", inc, "EntryLogged", "agent-7"),
        ("03-02T10:25", inc, "EntryLogged", "im-1"),
        ("03-02T10:30", inc, "RoleAssigned", "im-1"),
        ("03-02T10:35", c1, "Registered", "agent-7"),
        ("03-02T10:36", c2, "Registered", "agent-7"),
        ("03-02T10:37", c3, "Registered", "agent-7"),
        ("03-02T10:40", inc, "ComplaintLinked", "im-2"),
        ("03-02T10:40", c1, "LinkedToIncident", "im-2"),
        ("03-02T10:41", inc, "ComplaintLinked", "im-2"),
        ("03-02T10:41", c2, "LinkedToIncident", "im-2"),
        ("03-02T10:42", inc, "ComplaintLinked", "im-2"),
        ("03-02T10:42", c3, "LinkedToIncident", "im-2"),
        ("03-02T11:30", inc, "Mitigated", "im-2"),
        ("03-02T12:00", inc, "Resolved", "im-2"),
        ("03-03T10:00", inc, "Reviewed", "im-1"),
        ("03-03T10:10", inc, "ActionItemAdded", "im-1"),
        ("03-03T10:11", inc, "ActionItemAdded", "im-1"),
        ("03-03T10:12", inc, "ActionItemAdded", "im-1"),
        ("03-06T09:00", inc, "ActionItemCompleted", "eng-4"),
        ("03-06T09:00", inc, "ActionItemCompleted", "agent-7"),
        ("03-06T09:00", inc, "ActionItemCompleted", "im-2"),
        ("03-09T09:00", inc, "ActionItemVerified", "im-1"),
        ("03-09T09:00", inc, "ActionItemVerified", "im-1"),
        ("03-09T09:00", inc, "ActionItemVerified", "im-1"),
        ("03-09T12:00", inc, "Closed", "im-1"),
    ]
    elapsed = {t["event"]: t["elapsed_seconds"] for t in timeline if t["record"] == inc}
    assert (elapsed["Reported"], elapsed["Assessed"], elapsed["Closed"]) == (
        0.0,
        1800.0,
        (timedelta(days=7, hours=3)).total_seconds(),
    )


def test_an_action_item_past_its_due_date_is_overdue_in_the_review(
    client: FlaskClient, clock: ManualClock
) -> None:
    iid = ok(
        client.post("/v1/incidents", json={"title": "t", "description": "d"}, headers=IM), 201
    )["id"]
    post(
        client, f"/{iid}/assess", {"level": "III", "impact": "small", "departments": ["technical"]}
    )
    post(client, f"/{iid}/activate", {"plan": "p", "roles": {"incident_lead": "im-1"}})
    post(client, f"/{iid}/mitigate", {"summary": "m"})
    post(client, f"/{iid}/resolve", {"summary": "r"})
    post(client, f"/{iid}/review", {"contributing_factors": ["x"], "went_well": ["y"]})
    post(
        client,
        f"/{iid}/action-items",
        {"description": "a", "owner": "eng-4", "due": "2026-03-05T09:00:00+00:00"},
    )
    before = ok(client.get(f"/v1/incidents/{iid}/review", headers=IM))["action_items"][0]["overdue"]
    clock.set(at(9, 1, day=5))
    after = ok(client.get(f"/v1/incidents/{iid}/review", headers=IM))["action_items"][0]["overdue"]
    assert (before, after) == (False, True)
