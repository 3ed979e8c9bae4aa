"""Registering a complaint and its case page: clocks, timeline, actions, scope and masking."""

import re

from flask import Flask

from tests.console.conftest import AGENT, COURIER_DESK, EXECUTIVE, TECHNICIAN, register, signed_in


def test_an_agent_registers_a_complaint_and_lands_on_its_case_page(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    page = client.get(register(client, csrf)).get_data(as_text=True)
    assert "Parcel arrived broken" in page and "李四" in page
    assert "Registered" in page  # the timeline's first event


def test_a_registration_missing_a_field_names_it(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    answer = client.post("/console/complaints/new", data={"csrf": csrf, "channel": "phone"})
    assert answer.status_code == 422
    assert "customer.name" in answer.get_data(as_text=True) or "Name" in answer.get_data(
        as_text=True
    )


def test_the_case_page_offers_the_actions_the_policy_allows(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    page = client.get(register(client, csrf)).get_data(as_text=True)
    assert "/classify" in page and "/escalate" in page


def test_an_action_refused_by_the_ledger_shows_its_reason(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    answer = client.post(f"{case}/close", data={"csrf": csrf})
    assert answer.status_code == 409
    assert "The ledger refused:" in answer.get_data(as_text=True)


def test_a_refused_escalation_keeps_the_level_chosen(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    answer = client.post(
        f"{case}/escalate", data={"csrf": csrf, "level": "manager", "reason": "Angry"}
    )
    assert answer.status_code == 409  # skipping the supervisor needs a reason
    page = answer.get_data(as_text=True)
    chosen = re.findall(r"<option selected>([a-z]+)</option>", page)
    assert chosen == ["manager"], chosen  # resubmitting must not escalate to the first level


def test_an_action_the_ledger_accepts_appears_in_the_timeline(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    answer = client.post(f"{case}/notes", data={"csrf": csrf, "note": "Called the courier"})
    assert answer.status_code == 303
    page = client.get(case).get_data(as_text=True)
    assert "ProgressNoted" in page or "Called the courier" in page


def test_department_staff_cannot_open_another_departments_case_page(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)  # owned by logistics
    outsider, _ = signed_in(app, TECHNICIAN)
    assert outsider.get(case).status_code == 404
    insider, _ = signed_in(app, COURIER_DESK)
    assert insider.get(case).status_code == 200


def test_a_masked_role_sees_the_customer_masked(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    executive, _ = signed_in(app, EXECUTIVE)
    page = executive.get(case).get_data(as_text=True)
    assert "13812345678" not in page and "li@example.com" not in page
    assert "李四" not in page


def test_a_role_the_table_refuses_gets_403(app: Flask) -> None:
    executive, csrf = signed_in(app, EXECUTIVE)
    answer = executive.post("/console/complaints/new", data={"csrf": csrf, "channel": "phone"})
    assert answer.status_code == 403


def test_a_case_page_view_records_what_it_revealed(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    client.get(register(client, csrf))
    ops = app.extensions["access"].oplog.query(staff_id="agent-7", limit=20)
    assert any(o.operation == "console.case" and o.target.startswith("complaint:") for o in ops)
