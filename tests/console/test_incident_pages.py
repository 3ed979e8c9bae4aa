"""Incident pages: the board, the incident page and its actions, the review editor and the
printable review; each for the roles the table allows, scoped and masked as the API."""

from flask import Flask
from flask.testing import FlaskClient

from ledger.access.tokens import Principal
from ledger.staff.directory import StaffMember
from ledger.values import Actor
from tests.console.conftest import AGENT, COURIER_DESK, TECHNICIAN, signed_in

MANAGER = Principal("im-1", "Iris Manager", ("incident_manager",))
PRIVACY = Principal("po-1", "Pat Privacy", ("privacy_officer",))


def report(client: FlaskClient, csrf: str, title: str = "Courier depot flooded") -> str:
    answer = client.post(
        "/console/incidents/new",
        data={"csrf": csrf, "title": title, "description": "Parcels stuck at the depot."},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return str(answer.headers["Location"])


def post(client: FlaskClient, path: str, csrf: str, **fields: str | list[str]) -> int:
    return client.post(path, data={"csrf": csrf, **fields}).status_code


def test_an_incident_manager_reports_an_incident_and_sees_it_on_the_board(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    page = client.get(report(client, csrf)).get_data(as_text=True)
    assert "Courier depot flooded" in page and "Phases and deadlines" in page
    board = client.get("/console/incidents").get_data(as_text=True)
    assert "Courier depot flooded" in board and 'id="report-incident"' in board


def test_the_board_offers_no_report_form_to_a_role_that_may_not_report(app: Flask) -> None:
    client, _ = signed_in(app, PRIVACY)
    board = client.get("/console/incidents")
    assert board.status_code == 200
    assert 'id="report-incident"' not in board.get_data(as_text=True)


def test_a_role_that_may_not_report_is_refused(app: Flask) -> None:
    client, csrf = signed_in(app, PRIVACY)
    answer = client.post("/console/incidents/new", data={"csrf": csrf, "title": "x"})
    assert answer.status_code == 403


def test_department_staff_do_not_see_an_incident_that_does_not_involve_them(app: Flask) -> None:
    manager, csrf = signed_in(app, MANAGER)
    incident = report(manager, csrf)
    assert (
        post(
            manager,
            f"{incident}/assess",
            csrf,
            level="III",
            impact="slow",
            departments=["logistics"],
        )
        == 303
    )
    outsider, _ = signed_in(app, TECHNICIAN)
    assert outsider.get(incident).status_code == 404
    assert "Courier depot" not in outsider.get("/console/incidents").get_data(as_text=True)
    insider, _ = signed_in(app, COURIER_DESK)
    assert insider.get(incident).status_code == 200


def test_an_action_without_its_csrf_token_is_refused(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = report(client, csrf)
    answer = client.post(f"{incident}/assess", data={"level": "III", "impact": "x"})
    assert answer.status_code == 400


def test_a_form_missing_a_field_names_it(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = report(client, csrf)
    answer = client.post(f"{incident}/assess", data={"csrf": csrf, "level": "III"})
    assert answer.status_code == 422
    assert "departments" in answer.get_data(as_text=True)


def test_a_refused_assessment_keeps_the_level_and_departments_chosen(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = report(client, csrf)
    answer = client.post(
        f"{incident}/assess", data={"csrf": csrf, "level": "III", "departments": ["logistics"]}
    )
    assert answer.status_code == 422  # no impact given
    page = answer.get_data(as_text=True)
    assert '<option value="III" selected>' in page
    assert 'value="logistics" checked>' in page


def test_the_ledger_refusing_an_action_shows_its_reason(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = report(client, csrf)
    answer = client.post(f"{incident}/close", data={"csrf": csrf})
    assert answer.status_code == 409
    assert "The ledger refused:" in answer.get_data(as_text=True)


def test_an_agent_may_log_but_not_assess(app: Flask) -> None:
    manager, csrf = signed_in(app, MANAGER)
    incident = report(manager, csrf)
    agent, agent_csrf = signed_in(app, AGENT)
    page = agent.get(incident).get_data(as_text=True)
    assert "form-incident_log" in page and "form-incident_assess" not in page
    assert (
        post(
            agent,
            f"{incident}/assess",
            agent_csrf,
            level="III",
            impact="x",
            departments="logistics",
        )
        == 403
    )


def run_to_review(app: Flask, client: FlaskClient, csrf: str) -> str:
    """Report, assess, activate, mitigate, resolve: an incident whose review is owed."""
    app.extensions["notifications"].directory.put(
        StaffMember("im-1", "Iris Manager", "iris@example.com", "logistics", "incident_manager")
    )
    incident = report(client, csrf)
    steps = [
        ("assess", {"level": "II", "impact": "Deliveries late", "departments": ["logistics"]}),
        ("activate", {"plan": "Reroute", "roles": "incident_lead=im-1"}),
        ("mitigate", {"summary": "Rerouted through the north depot"}),
        ("resolve", {"summary": "Depot dry again"}),
    ]
    for step, fields in steps:
        assert post(client, f"{incident}/{step}", csrf, **fields) == 303, step
    return incident


def test_the_review_editor_records_factors_and_an_action_item_owned_from_the_directory(
    app: Flask,
) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = run_to_review(app, client, csrf)
    editor = client.get(f"{incident}/review/edit").get_data(as_text=True)
    assert "Iris Manager (im-1" in editor  # owners offered from the staff directory
    factors = "Drains blocked\nNo flood sensor"
    assert (
        post(
            client,
            f"{incident}/review",
            csrf,
            contributing_factors=factors,
            went_well="Fast reroute",
        )
        == 303
    )
    assert (
        post(
            client,
            f"{incident}/action-items",
            csrf,
            description="Fit a flood sensor",
            owner="im-1",
            due="2030-01-31T00:00:00+00:00",
        )
        == 303
    )
    page = client.get(f"{incident}/review/edit").get_data(as_text=True)
    assert "No flood sensor" in page and "Fit a flood sensor" in page


def test_the_printable_review_opens_with_the_session_under_its_own_policy(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = run_to_review(app, client, csrf)
    answer = client.get(f"{incident}/review.html")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "Courier depot flooded" in answer.get_data(as_text=True)
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_printable_review_without_a_session_goes_to_sign_in(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = report(client, csrf)
    answer = app.test_client().get(f"{incident}/review.html")
    assert answer.status_code == 303 and "/console/sign-in" in answer.headers["Location"]


def test_a_role_that_may_not_review_cannot_open_the_editor(app: Flask) -> None:
    manager, csrf = signed_in(app, MANAGER)
    incident = report(manager, csrf)
    agent, _ = signed_in(app, AGENT)
    assert agent.get(f"{incident}/review/edit").status_code == 403


def test_the_incident_page_masks_affected_customers_as_the_api_does(app: Flask) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = report(client, csrf)
    ledger = app.extensions["ledger"]
    ledger.assess_incident(
        ledger.find_incident(incident.rsplit("/", 1)[1]).id,
        level="III",
        impact="late parcels",
        affected_customers=[{"name": "张伟", "phone": "13900001111"}],
        departments=["logistics"],
        actor=Actor("im-1", "incident_manager"),
    )
    masked = client.get(incident).get_data(as_text=True)  # incident managers see masks
    assert "张伟" not in masked and "13900001111" not in masked
    full, _ = signed_in(app, PRIVACY)  # privacy officers see personal data in full
    assert "张伟" in full.get(incident).get_data(as_text=True)


def test_the_board_reads_in_chinese_when_the_browser_asks(app: Flask) -> None:
    client, _ = signed_in(app, MANAGER)
    page = client.get("/console/incidents", headers={"Accept-Language": "zh-CN"})
    assert "报告事件" in page.get_data(as_text=True)


def test_an_owner_missing_from_the_staff_directory_is_named_in_the_review_editor(
    app: Flask,
) -> None:
    client, csrf = signed_in(app, MANAGER)
    incident = run_to_review(app, client, csrf)  # the directory now holds im-1
    post(client, f"{incident}/review", csrf, contributing_factors="Drains", went_well="Reroute")
    answer = client.post(
        f"{incident}/action-items",
        data={
            "csrf": csrf,
            "description": "Fit a flood sensor",
            "owner": "quality-lead",
            "due": "2030-01-31T00:00:00+00:00",
        },
    )
    assert answer.status_code == 409
    assert "owner names nobody in the staff directory" in answer.get_data(as_text=True)
