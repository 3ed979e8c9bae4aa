"""Analytics over HTTP: the tables as JSON and as RFC 4180 CSV, targets, refusals, the report."""

import csv
import io
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from ledger.clock import ManualClock
from projections.analytics.report_files import write_report
from tests.api.conftest import AGENT, MANAGER, command, ok, workable


def _two_complaints(client: FlaskClient, clock: ManualClock) -> None:
    answered = workable(client)
    workable(client)
    clock.advance(timedelta(minutes=30))
    ok(command(client, answered["id"], "respond", {"message": "on it"}))
    ok(command(client, answered["id"], "resolve", {"resolution": "replaced"}))
    ok(command(client, answered["id"], "feedback", {"satisfaction": 2}))


def test_complaint_figures_come_as_rfc_4180_csv_without_personal_data(
    client: FlaskClient, clock: ManualClock
) -> None:
    _two_complaints(client, clock)
    response = client.get(
        "/v1/analytics/complaints?group_by=owner,period&period=month&format=csv", headers=MANAGER
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["owner", "period", "complaints"]
    assert {"response_p90_seconds", "csat", "csat_target", "csat_met", "csat_by"} <= set(header)
    assert rows == [[*rows[0][:2], "2", *rows[0][3:]]] and rows[0][:2] == ["agent-7", "2026-03"]
    values = dict(zip(header, rows[0], strict=True))
    assert (values["response_count"], values["response_p90_seconds"]) == ("1", "1800")
    assert (values["csat"], values["csat_met"], values["csat_by"]) == ("0", "false", "0.85")
    assert "Li Si" not in text and "138" not in text


def test_accept_text_csv_chooses_csv_as_the_format_parameter_does(
    client: FlaskClient, clock: ManualClock
) -> None:
    _two_complaints(client, clock)
    by_header = client.get(
        "/v1/analytics/hot-spots", headers={**MANAGER, "Accept": "text/csv"}
    ).get_data(as_text=True)
    by_parameter = client.get("/v1/analytics/hot-spots?format=csv", headers=MANAGER)
    assert by_header == by_parameter.get_data(as_text=True)
    assert by_header.splitlines()[:2] == [
        "category,complaints,breaches,reopened,dissatisfied",
        "complaint,2,0,1,1",
    ]


def test_the_json_answer_compares_each_group_with_the_targets(
    client: FlaskClient, clock: ManualClock
) -> None:
    _two_complaints(client, clock)
    body = ok(client.get("/v1/analytics/complaints?group_by=priority", headers=MANAGER))
    [group] = body["groups"]
    assert group["keys"] == {"priority": "urgent"} and group["complaints"] == 2
    assert group["targets"] == [
        {
            "figure": "csat",
            "target": 0.85,
            "actual": 0.0,
            "direction": "at_least",
            "met": False,
            "by": 0.85,
        }
    ]


def test_an_unknown_dimension_is_refused_naming_group_by(client: FlaskClient) -> None:
    response = client.get("/v1/analytics/complaints?group_by=customer_name", headers=MANAGER)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "group_by" in str(response.get_json())


def test_agents_may_not_read_the_scorecards(client: FlaskClient) -> None:
    assert client.get("/v1/analytics/complaints", headers=AGENT).status_code == 403


def test_incident_tables_answer_in_both_formats(client: FlaskClient) -> None:
    body = ok(client.get("/v1/analytics/incidents?group_by=level,period", headers=MANAGER))
    assert body["groups"] == [] and body["group_by"] == ["level", "period"]
    owners = client.get("/v1/analytics/action-items?format=csv", headers=MANAGER)
    assert owners.get_data(as_text=True) == "owner,open,awaiting_verification,overdue\r\n"


def test_the_latest_report_of_a_kind_is_served_once_written(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    missing = client.get("/v1/reports/latest?kind=weekly", headers=MANAGER)
    assert missing.status_code == 404
    for label in ("2026-W09", "2026-W10"):
        write_report(tmp_path / "reports", "weekly", label, f"<p>{label}</p>")
    page = client.get("/v1/reports/latest?kind=weekly", headers=MANAGER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.get_data(as_text=True) == "<p>2026-W10</p>"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
