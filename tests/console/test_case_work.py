"""The case page's remaining actions: a department's staff take, refuse and complete handoffs
(from My work and from the case page), a supervisor acknowledges and resolves an escalation, a
compliance officer places a legal hold; each judged by the record's own row."""

from flask import Flask
from flask.testing import FlaskClient

from ledger.access.tokens import Principal
from tests.console.conftest import AGENT, TECHNICIAN, register, signed_in

SUPERVISOR = Principal("sup-1", "Sup One", ("supervisor",))
COMPLIANCE = Principal("comp-1", "Comp One", ("compliance_officer",))


def _handed_to_technical(app: Flask) -> str:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    answer = client.post(
        f"{case}/hand-off",
        data={"csrf": csrf, "to_department": "technical", "reason": "needs an engineer"},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return case


def _handoff_form(page: str, action: str) -> str:
    start = page.index(f'/{action}"')
    return page[page.rindex("/console/handoffs/", 0, start) : start + len(action) + 1]


def _home(client: FlaskClient) -> str:
    return client.get("/console/").get_data(as_text=True)


def test_department_staff_see_an_incoming_handoff_on_my_work(app: Flask) -> None:
    _handed_to_technical(app)
    client, _ = signed_in(app, TECHNICIAN)
    page = _home(client)
    assert "Incoming handoffs" in page
    assert "/accept" in page and "/refuse" in page


def test_department_staff_accept_a_handoff_from_my_work(app: Flask) -> None:
    case = _handed_to_technical(app)
    client, csrf = signed_in(app, TECHNICIAN)
    answer = client.post(_handoff_form(_home(client), "accept"), data={"csrf": csrf})
    assert answer.status_code == 303
    assert "HandoffAccepted" in client.get(case).get_data(as_text=True)
    assert "No handoffs waiting." in _home(client)


def test_department_staff_refuse_a_handoff_with_a_reason(app: Flask) -> None:
    case = _handed_to_technical(app)
    client, csrf = signed_in(app, TECHNICIAN)
    path = _handoff_form(_home(client), "refuse")
    answer = client.post(path, data={"csrf": csrf, "reason": "not ours: a courier fault"})
    assert answer.status_code == 303
    assert "not ours: a courier fault" in client.get(case).get_data(as_text=True)


def test_refusing_a_handoff_without_a_reason_names_the_field(app: Flask) -> None:
    _handed_to_technical(app)
    client, csrf = signed_in(app, TECHNICIAN)
    answer = client.post(_handoff_form(_home(client), "refuse"), data={"csrf": csrf})
    assert answer.status_code == 422
    assert "reason" in answer.get_data(as_text=True)


def test_the_receiving_department_completes_a_handoff_from_the_case_page(app: Flask) -> None:
    case = _handed_to_technical(app)
    client, csrf = signed_in(app, TECHNICIAN)
    client.post(_handoff_form(_home(client), "accept"), data={"csrf": csrf})
    page = client.get(case).get_data(as_text=True)
    answer = client.post(
        _handoff_form(page, "complete"), data={"csrf": csrf, "result": "router replaced"}
    )
    assert answer.status_code == 303
    assert "router replaced" in client.get(case).get_data(as_text=True)


def test_the_sending_agent_is_offered_no_handoff_form(app: Flask) -> None:
    case = _handed_to_technical(app)
    client, _ = signed_in(app, AGENT)
    page = client.get(case).get_data(as_text=True)
    assert "Open handoff and escalations" in page
    assert '/accept"' not in page and '/complete"' not in page


def test_a_supervisor_acknowledges_and_resolves_an_escalation_on_the_case_page(
    app: Flask,
) -> None:
    agent, csrf = signed_in(app, AGENT)
    case = register(agent, csrf)
    agent.post(f"{case}/escalate", data={"csrf": csrf, "level": "supervisor", "reason": "angry"})
    client, csrf = signed_in(app, SUPERVISOR)
    page = client.get(case).get_data(as_text=True)
    start = page.index('/acknowledge"')
    path = page[page.rindex("/console/escalations/", 0, start) : start + len("/acknowledge")]
    assert client.post(path, data={"csrf": csrf}).status_code == 303
    resolve = path.replace("/acknowledge", "/resolve")
    assert client.post(resolve, data={"csrf": csrf, "outcome": "refund agreed"}).status_code == 303
    assert "refund agreed" in client.get(case).get_data(as_text=True)


def test_an_agent_may_not_acknowledge_an_escalation(app: Flask) -> None:
    agent, csrf = signed_in(app, AGENT)
    case = register(agent, csrf)
    agent.post(f"{case}/escalate", data={"csrf": csrf, "level": "supervisor", "reason": "angry"})
    page = signed_in(app, SUPERVISOR)[0].get(case).get_data(as_text=True)
    start = page.index('/acknowledge"')
    path = page[page.rindex("/console/escalations/", 0, start) : start + len("/acknowledge")]
    assert agent.post(path, data={"csrf": csrf}).status_code == 403


def test_a_compliance_officer_places_a_legal_hold_from_the_case_page(app: Flask) -> None:
    agent, csrf = signed_in(app, AGENT)
    case = register(agent, csrf)
    assert f"{case}/hold" not in agent.get(case).get_data(as_text=True)
    client, csrf = signed_in(app, COMPLIANCE)
    assert f"{case}/hold" in client.get(case).get_data(as_text=True)
    answer = client.post(f"{case}/hold", data={"csrf": csrf, "reason": "litigation 2024-17"})
    assert answer.status_code == 303
    assert "litigation 2024-17" in client.get(case).get_data(as_text=True)
