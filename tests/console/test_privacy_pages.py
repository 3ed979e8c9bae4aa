"""Privacy pages: a person's page, lookup by contact, holds, erasure with its legal basis and a
confirmation, the retention report; privacy officers only (holds: compliance officers too)."""

from uuid import UUID

from flask import Flask

from ledger.access.tokens import Principal
from tests.console.conftest import AGENT, register, signed_in

PRIVACY = Principal("po-1", "Pat Privacy", ("privacy_officer",))
COMPLIANCE = Principal("co-1", "Cora Compliance", ("compliance_officer",))


def subject_of(app: Flask, case: str) -> UUID:
    complaint = app.extensions["ledger"].find_complaint(case.rsplit("/", 1)[1])
    return UUID(str(complaint.customer.subject_id))


def test_a_persons_page_lists_the_records_holding_their_data(app: Flask) -> None:
    agent, csrf = signed_in(app, AGENT)
    case = register(agent, csrf)
    client, _ = signed_in(app, PRIVACY)
    page = client.get(f"/console/subjects/{subject_of(app, case)}").get_data(as_text=True)
    assert case.rsplit("/", 1)[1] in page and 'id="erasure"' in page


def test_lookup_by_phone_finds_the_person(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    case = register(agent, agent_csrf)
    client, csrf = signed_in(app, PRIVACY)
    answer = client.post(
        "/console/subjects", data={"csrf": csrf, "kind": "phone", "value": "13812345678"}
    )
    assert str(subject_of(app, case)) in answer.get_data(as_text=True)


def test_erasure_asks_for_confirmation_before_it_erases(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    case = register(agent, agent_csrf)
    person = f"/console/subjects/{subject_of(app, case)}"
    client, csrf = signed_in(app, PRIVACY)
    confirm = client.get(f"{person}/erasure?legal_basis=GDPR+Art.+17+request+9")
    assert 'id="confirm-erasure"' in confirm.get_data(as_text=True)
    unconfirmed = client.post(
        f"{person}/erasure", data={"csrf": csrf, "legal_basis": "GDPR Art. 17 request 9"}
    )
    assert unconfirmed.status_code == 422
    assert "李四" in agent.get(case).get_data(as_text=True)  # nothing erased yet
    erased = client.post(
        f"{person}/erasure",
        data={"csrf": csrf, "legal_basis": "GDPR Art. 17 request 9", "confirm": "yes"},
    )
    assert erased.status_code == 303
    assert "李四" not in agent.get(case).get_data(as_text=True)
    assert "GDPR Art. 17 request 9" in client.get("/console/").get_data(as_text=True)


def test_the_unconfirmed_erasure_is_explained_in_the_chosen_language(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    person = f"/console/subjects/{subject_of(app, register(agent, agent_csrf))}"
    client, csrf = signed_in(app, PRIVACY)
    client.post("/console/preferences", data={"csrf": csrf, "language": "zh_Hans"})
    unconfirmed = client.post(f"{person}/erasure", data={"csrf": csrf, "legal_basis": "请求"})
    assert unconfirmed.status_code == 422
    assert "confirm: 确认删除</p>" in unconfirmed.get_data(as_text=True)


def test_an_erasure_without_a_legal_basis_names_the_field(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    person = f"/console/subjects/{subject_of(app, register(agent, agent_csrf))}"
    client, csrf = signed_in(app, PRIVACY)
    answer = client.post(f"{person}/erasure", data={"csrf": csrf, "confirm": "yes"})
    assert answer.status_code == 422 and "legal_basis" in answer.get_data(as_text=True)


def test_a_person_under_hold_cannot_be_erased_and_the_page_says_why(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    person = f"/console/subjects/{subject_of(app, register(agent, agent_csrf))}"
    client, csrf = signed_in(app, PRIVACY)
    held = client.post(f"{person}/legal-hold", data={"csrf": csrf, "reason": "Court order 7"})
    assert held.status_code == 303
    assert "Court order 7" in client.get("/console/").get_data(as_text=True)
    answer = client.post(
        f"{person}/erasure", data={"csrf": csrf, "legal_basis": "request", "confirm": "yes"}
    )
    assert answer.status_code == 409 and "legal hold" in answer.get_data(as_text=True)


def test_other_roles_may_not_open_privacy_pages(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    person = f"/console/subjects/{subject_of(app, register(agent, agent_csrf))}"
    for principal in (AGENT, COMPLIANCE):
        client, _ = signed_in(app, principal)
        assert client.get(person).status_code == 403
        assert client.get("/console/subjects").status_code == 403
        assert client.get(f"{person}/erasure?legal_basis=x").status_code == 403
        assert client.get("/console/retention").status_code == (
            200 if principal is COMPLIANCE else 403
        )


def test_the_retention_report_renders_for_a_privacy_officer(app: Flask) -> None:
    client, _ = signed_in(app, PRIVACY)
    answer = client.get("/console/retention")
    assert answer.status_code == 200 and "Due for archiving now" in answer.get_data(as_text=True)


def test_the_access_export_downloads_the_persons_values_as_json(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    subject = subject_of(app, register(agent, agent_csrf))
    client, csrf = signed_in(app, PRIVACY)
    person = client.get(f"/console/subjects/{subject}").get_data(as_text=True)
    assert 'id="access-export"' in person
    answer = client.post(
        f"/console/subjects/{subject}/access-export", data={"csrf": csrf, "format": "json"}
    )
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    export = answer.get_json()
    assert export["subject_id"] == str(subject)
    values = {value["value"] for value in export["values"]}
    assert {"李四", "13812345678", "li@example.com"} <= values
    assert "attachment" in answer.headers["Content-Disposition"]


def test_the_access_export_as_html_is_a_page_holding_the_values(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    subject = subject_of(app, register(agent, agent_csrf))
    client, csrf = signed_in(app, PRIVACY)
    answer = client.post(
        f"/console/subjects/{subject}/access-export", data={"csrf": csrf, "format": "html"}
    )
    assert answer.mimetype == "text/html" and "li@example.com" in answer.get_data(as_text=True)


def test_the_access_export_is_recorded_in_the_access_log(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    subject = subject_of(app, register(agent, agent_csrf))
    client, csrf = signed_in(app, PRIVACY)
    client.post(f"/console/subjects/{subject}/access-export", data={"csrf": csrf})
    entries = app.extensions["ledger"].access_log.query(subject_id=subject)
    assert any(e.staff_id == "po-1" and "access-export" in e.purpose for e in entries)


def test_the_access_export_is_for_privacy_officers_only(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    subject = subject_of(app, register(agent, agent_csrf))
    client, csrf = signed_in(app, COMPLIANCE)
    answer = client.post(f"/console/subjects/{subject}/access-export", data={"csrf": csrf})
    assert answer.status_code == 403


def test_the_access_export_of_an_erased_person_is_a_410_page(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    subject = subject_of(app, register(agent, agent_csrf))
    client, csrf = signed_in(app, PRIVACY)
    client.post(
        f"/console/subjects/{subject}/erasure",
        data={"csrf": csrf, "legal_basis": "GDPR Art. 17", "confirm": "yes"},
    )
    answer = client.post(f"/console/subjects/{subject}/access-export", data={"csrf": csrf})
    assert answer.status_code == 410 and "erased" in answer.get_data(as_text=True)
