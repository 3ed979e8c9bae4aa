"""Realistic data for a served console (browser tests, screenshots): complaints from customers
with names of the page's language, a classified one, a handoff, an escalation, an incident, the
staff directory and a webhook; written through the API as staff would."""

from dataclasses import dataclass
from typing import Any

from ledger.access.tokens import Principal
from tests.served import Served

AGENT = Principal("agent-7", "王小明", ("agent",), "service")
TECHNICIAN = Principal("tech-3", "李娜", ("department_staff",), "technical")
SUPERVISOR = Principal("sup-1", "陈静", ("supervisor",))
INCIDENT_MANAGER = Principal("im-1", "Grace Hopper", ("incident_manager",))
ADMIN = Principal("admin-1", "Ada Lovelace", ("administrator",))
PEOPLE = (AGENT, TECHNICIAN, SUPERVISOR, INCIDENT_MANAGER, ADMIN)

CUSTOMERS = {
    "en": (
        ("Margaret Okafor", "Router drops the connection every evening"),
        ("Tom Becker", "Parcel arrived crushed"),
        ("Priya Raman", "Charged twice for one order"),
    ),
    "zh": (
        ("张伟", "路由器每天晚上断线"),
        ("刘芳", "包裹送到时已经压坏"),
        ("黄丽娟", "同一订单被重复扣款"),
    ),
}


@dataclass
class Seeded:
    """What the seed made: each person's token and the case references."""

    tokens: dict[str, str]
    cases: list[str]


def _ok(answer: tuple[int, dict[str, Any], dict[str, str]]) -> dict[str, Any]:
    status, body, _ = answer
    if status >= 300:
        raise RuntimeError(f"seeding failed: {status} {body}")
    return body


def seed(served: Served, language: str = "en") -> Seeded:
    tokens = {p.staff_id: served.issue_token(p) for p in PEOPLE}

    def call(who: Principal, method: str, path: str, body: Any = None) -> dict[str, Any]:
        auth = {"Authorization": f"Bearer {tokens[who.staff_id]}"}
        return _ok(served.call(method, path, body, headers=auth))

    for person in PEOPLE:
        call(
            ADMIN,
            "PUT",
            f"/v1/staff/{person.staff_id}",
            {
                "display_name": person.name,
                "email": f"{person.staff_id}@example.com",
                "department": person.department,
                "level": person.roles[0],
            },
        )
    cases = []
    for (name, summary), department in zip(
        CUSTOMERS[language], ("service", "logistics", "quality"), strict=True
    ):
        made = call(
            AGENT,
            "POST",
            "/v1/complaints",
            {
                "channel": "phone",
                "customer": {"name": name, "phone": "13812345678", "email": "c@example.com"},
                "summary": summary,
                "description": summary,
                "department": department,
            },
        )
        cases.append(made)
    first, second = cases[0]["id"], cases[1]["id"]
    call(
        AGENT,
        "POST",
        f"/v1/complaints/{first}/classify",
        {"category": "technical_support", "priority": "urgent"},
    )
    call(AGENT, "POST", f"/v1/complaints/{first}/notes", {"note": "Line test booked for Tuesday"})
    call(
        AGENT,
        "POST",
        "/v1/handoffs",
        {"complaint_id": first, "to_department": "technical", "reason": "needs an engineer"},
    )
    call(
        AGENT,
        "POST",
        "/v1/escalations",
        {"complaint_id": second, "level": "supervisor", "reason": "third contact this week"},
    )
    call(
        INCIDENT_MANAGER,
        "POST",
        "/v1/incidents",
        {"title": "Evening outage in the north region", "description": "Routers drop at 19:00"},
    )
    call(
        ADMIN,
        "POST",
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/hook", "secret": "whsec_" + "Q" * 40, "departments": []},
    )
    return Seeded(tokens, [c["reference"] for c in cases])
