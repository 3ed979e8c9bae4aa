"""The Reports page: the latest service reports and the complaint figures per owner and period,
with a CSV download; for the roles the analytics rows allow."""

import csv
import io
from pathlib import Path

from flask import Flask

from ledger.access.tokens import Principal
from ledger.clock import ManualClock
from projections.analytics.report import VIEWS, build_report, render_report
from projections.analytics.report_files import write_report
from tests.console.conftest import AGENT, register, signed_in

MANAGER = Principal("mgr-1", "Mia Manager", ("manager",))


def _write_weekly_report(app: Flask, clock: ManualClock, reports: Path) -> str:
    """Write the weekly report as `ledger report weekly` does; its file name."""
    ledger = app.extensions["ledger"]
    side = app.extensions["read_side"]
    side.catch_up(VIEWS)
    report = build_report(side, "weekly", clock.now())
    html = render_report(report, ledger.policy.service_targets.csat)
    return write_report(reports, "weekly", report.label, html).name


def test_a_manager_sees_the_reports_page_and_its_nav_link(app: Flask) -> None:
    client, _ = signed_in(app, MANAGER)
    page = client.get("/console/reports")
    assert page.status_code == 200
    assert 'href="/console/reports"' in client.get("/console/").get_data(as_text=True)


def test_an_agent_is_refused_the_reports_page_and_has_no_link(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    assert client.get("/console/reports").status_code == 403
    assert client.get("/console/reports/latest?kind=weekly").status_code == 403
    assert 'href="/console/reports"' not in client.get("/console/").get_data(as_text=True)


def test_the_page_links_the_report_ledger_report_wrote_and_serves_it(
    app: Flask, clock: ManualClock, tmp_path: Path
) -> None:
    name = _write_weekly_report(app, clock, tmp_path / "reports")
    client, _ = signed_in(app, MANAGER)
    page = client.get("/console/reports").get_data(as_text=True)
    assert name in page and 'id="report-monthly"' in page
    served = client.get("/console/reports/latest?kind=weekly")
    assert served.status_code == 200
    assert served.get_data() == (tmp_path / "reports" / name).read_bytes()
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_kind_of_report_not_yet_written_is_a_404_page(app: Flask) -> None:
    client, _ = signed_in(app, MANAGER)
    assert client.get("/console/reports/latest?kind=monthly").status_code == 404


def test_the_figures_table_counts_complaints_per_owner_and_period(app: Flask) -> None:
    agent, csrf = signed_in(app, AGENT)
    register(agent, csrf)
    register(agent, csrf)
    client, _ = signed_in(app, MANAGER)
    page = client.get("/console/reports").get_data(as_text=True)
    assert '<th scope="col">owner</th><th scope="col">period</th>' in page
    assert "<td>2</td>" in page


def test_the_csv_download_holds_the_table_shown(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    register(agent, agent_csrf)
    client, csrf = signed_in(app, MANAGER)
    answer = client.post("/console/reports?group_by=period", data={"csrf": csrf})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["complaints"] for row in rows] == ["1"]
    assert "attachment" in answer.headers["Content-Disposition"]


def test_the_csv_download_needs_the_csrf_token(app: Flask) -> None:
    client, _ = signed_in(app, MANAGER)
    assert client.post("/console/reports", data={}).status_code == 400


def test_an_unknown_grouping_is_refused_naming_the_field(app: Flask) -> None:
    client, _ = signed_in(app, MANAGER)
    page = client.get("/console/reports?group_by=colour")
    assert page.status_code == 422 and "group_by" in page.get_data(as_text=True)
