"""Lists: filters, sorting, cursor pages and a CSV of the page shown, scoped as the API's lists."""

import re

from flask import Flask

from tests.console.conftest import AGENT, TECHNICIAN, register, signed_in

_NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def test_the_case_list_pages_with_the_apis_cursor(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    references = {register(client, csrf).rsplit("/", 1)[1] for _ in range(2)}
    page = client.get("/console/lists/cases?limit=1&sort=registered").get_data(as_text=True)
    shown = {r for r in references if r in page}
    assert len(shown) == 1
    found = _NEXT.search(page)
    assert found, "no next-page link"
    following = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert {r for r in references if r in following} == references - shown


def test_the_csv_of_a_later_page_opens_that_pages_cursor(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    references = {register(client, csrf).rsplit("/", 1)[1] for _ in range(2)}
    page = client.get("/console/lists/cases?limit=1").get_data(as_text=True)
    found = _NEXT.search(page)
    assert found, "no next-page link"
    answer = client.post(found.group(1).replace("&amp;", "&"), data={"csrf": csrf})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = answer.get_data(as_text=True).splitlines()[1:]
    assert len(rows) == 1 and rows[0].split(",")[0] in references
    assert rows[0].split(",")[0] not in page


def test_a_filter_narrows_the_case_list(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    reference = case.rsplit("/", 1)[1]
    assert reference in client.get("/console/lists/cases?status=registered").get_data(as_text=True)
    assert reference not in client.get("/console/lists/cases?status=closed").get_data(as_text=True)


def test_a_bad_filter_value_is_named_not_a_crash(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    answer = client.get("/console/lists/cases?status=sleeping")
    assert answer.status_code == 422
    assert "status" in answer.get_data(as_text=True)


def test_a_number_that_is_not_ascii_digits_is_named_not_a_crash(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    for limit in ("--1", "\u00b2", "9" * 5000):
        answer = client.get(f"/console/lists/cases?limit={limit}")
        assert answer.status_code == 422, limit[:8]
        assert "limit" in answer.get_data(as_text=True)


def test_the_csv_holds_the_page_shown_and_no_personal_data(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    references = {register(client, csrf).rsplit("/", 1)[1] for _ in range(2)}
    answer = client.post("/console/lists/cases?limit=1", data={"csrf": csrf})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = answer.get_data(as_text=True).splitlines()
    assert lines[0].startswith("reference,status,department")
    assert len(lines) == 2 and lines[1].split(",")[0] in references
    assert "李四" not in answer.get_data(as_text=True)


def test_the_csv_download_needs_the_sessions_csrf_token(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    assert client.post("/console/lists/cases", data={"csrf": "forged"}).status_code == 400


def test_department_staff_list_only_their_departments_cases(app: Flask) -> None:
    agent, csrf = signed_in(app, AGENT)
    reference = register(agent, csrf).rsplit("/", 1)[1]  # held by logistics
    client, _ = signed_in(app, TECHNICIAN)
    page = client.get("/console/lists/cases").get_data(as_text=True)
    assert reference not in page and "Nothing matches." in page
    assert reference not in client.get("/console/lists/cases?department=logistics").get_data(
        as_text=True
    )


def test_the_handoff_list_shows_a_requested_handoff(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    client.post(
        f"{case}/hand-off", data={"csrf": csrf, "to_department": "technical", "reason": "x"}
    )
    page = client.get("/console/lists/handoffs?state=requested").get_data(as_text=True)
    assert case.rsplit("/", 1)[1] in page and "technical" in page


def test_the_escalation_list_shows_waiting_time(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    case = register(client, csrf)
    client.post(f"{case}/escalate", data={"csrf": csrf, "level": "supervisor", "reason": "angry"})
    page = client.get("/console/lists/escalations?status=raised").get_data(as_text=True)
    assert case.rsplit("/", 1)[1] in page and "supervisor" in page


def test_the_incident_list_answers_empty_before_any_incident(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    answer = client.get("/console/lists/incidents")
    assert answer.status_code == 200 and "Nothing matches." in answer.get_data(as_text=True)
