"""The printable review page renders in headless Chromium without console errors.

A real `ledger serve` process runs an incident through its phases over HTTP; the page it serves
at /review.html is saved (the browser cannot send the caller's identity headers) and opened in
Debian's `chromium`. The screenshot lands in var/test-artifacts/incident-review.png for a person
to look at. Without chromium the test skips loudly, and under CI (CI=1) it fails.
"""

import os
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import (
    AGENT,
    DEPUTY_INCIDENT_MANAGER,
    ENGINEER,
    INCIDENT_MANAGER,
    TokenClient,
)
from tests.identities import with_bearer
from tests.served import Served, serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
# What Chromium writes to stderr when a page's script fails or the console reports an error.
CONSOLE_ERROR_MARKS = ("Uncaught", ":CONSOLE(", "Refused to")


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set: the browser test must run", pytrace=False)
    pytest.skip(f"SKIPPING BROWSER TEST: {reason}")


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if any(m in line for m in CONSOLE_ERROR_MARKS)]


def _post(served: Served, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    status, answer, _ = served.call("POST", f"/v1/incidents{path}", body, headers)
    assert status in (200, 201), answer
    return answer


def _run_incident(served: Served) -> str:
    im, deputy = INCIDENT_MANAGER, DEPUTY_INCIDENT_MANAGER
    iid = _post(served, "", {"title": "Payment gateway down", "description": "Cards fail"}, im)[
        "id"
    ]
    now = datetime.now(UTC)
    _post(served, f"/{iid}/log", {"kind": "action", "text": "Switched to standby"}, im)
    for name, minutes in (("impact_started", 40), ("detected", 10)):
        occurred = (now - timedelta(minutes=minutes)).isoformat()
        _post(served, f"/{iid}/milestones", {"name": name, "occurred_at": occurred}, im)
    customer = {"name": "Zhao Liu", "region": "Hangzhou"}
    assessed = _post(
        served,
        f"/{iid}/assess",
        {
            "level": "II",
            "impact": "Checkout <unavailable> & slow",
            "affected_customers": [customer],
            "departments": ["technical", "service"],
        },
        im,
    )
    _post(served, f"/{iid}/change-level", {"level": "I", "reason": "Third region down"}, im)
    roles = {"incident_lead": "im-1", "communications": "agent-7"}
    _post(served, f"/{iid}/activate", {"plan": "Fail over", "roles": roles}, im)
    subject = assessed["affected_customers"][0]["subject_id"]
    notice = {"kind": "customer_notification", "text": "Refund issued", "subject_id": subject}
    _post(served, f"/{iid}/log", notice, AGENT)
    _post(served, f"/{iid}/assign-role", {"role": "incident_lead", "staff_id": "im-2"}, im)
    _post(served, f"/{iid}/mitigate", {"summary": "Standby serving"}, deputy)
    _post(served, f"/{iid}/resolve", {"summary": "Primary repaired"}, deputy)
    review = {"contributing_factors": ["Expired certificate"], "went_badly": ["Late notice"]}
    _post(served, f"/{iid}/review", review, im)
    due = (now + timedelta(days=7)).isoformat()
    _post(
        served, f"/{iid}/action-items", {"description": "Alerts", "owner": "eng-4", "due": due}, im
    )
    _post(served, f"/{iid}/action-items/A1/complete", {"note": "Configured"}, ENGINEER)
    return str(iid)


def _fetch_page(served: Served, iid: str) -> str:
    request = urllib.request.Request(f"{served.base}/v1/incidents/{iid}/review.html")
    for name, value in with_bearer(INCIDENT_MANAGER, served.tokens).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get_content_type() == "text/html"
        return str(response.read().decode("utf-8"))


def test_the_console_check_catches_a_failing_script(tmp_path: Path) -> None:
    require_chromium()
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><script>noSuchFunction()</script>", encoding="utf-8")
    result = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert console_errors(result.stderr) != []


def test_the_review_page_renders_in_chromium_without_console_errors(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    require_chromium()
    with serve(tmp_path, postgres_schema_url) as served:
        iid = _run_incident(served)
        html = _fetch_page(served, iid)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "incident-review.html"
    page.write_text(html, encoding="utf-8")
    screenshot = ARTIFACTS / "incident-review.png"
    screenshot.unlink(missing_ok=True)

    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    shot = chromium(
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1200,1600",
        "--hide-scrollbars",
        page.as_uri(),
    )

    assert dom.returncode == 0 and shot.returncode == 0, dom.stderr[-2000:]
    assert console_errors(dom.stderr + shot.stderr) == []
    assert "<svg" in dom.stdout and "<rect" in dom.stdout
    assert "Checkout &lt;unavailable&gt; &amp; slow" in dom.stdout
    assert screenshot.stat().st_size > 10_000


def test_the_scenario_review_renders_with_its_phases_and_deadlines(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    """The full scenario (a moved clock, so the phases have real lengths) as a second picture."""
    require_chromium()
    from api.app import create_app
    from api.config import Settings
    from ledger.clock import ManualClock
    from tests.api.test_incident_scenario import run_scenario
    from tests.conftest import START, TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64

    clock = ManualClock(START)
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgres_schema_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
    )
    app = create_app(settings, clock=clock)
    app.test_client_class = TokenClient
    try:
        client = app.test_client()
        iid, _ = run_scenario(client, clock)
        html = client.get(f"/v1/incidents/{iid}/review.html", headers=INCIDENT_MANAGER)
    finally:
        app.extensions["ledger"].close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "incident-review-scenario.html"
    page.write_text(html.get_data(as_text=True), encoding="utf-8")
    screenshot = ARTIFACTS / "incident-review-scenario.png"
    screenshot.unlink(missing_ok=True)
    shot = chromium(
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1200,1600",
        "--hide-scrollbars",
        page.as_uri(),
    )
    assert shot.returncode == 0
    assert console_errors(shot.stderr) == []
    assert screenshot.stat().st_size > 10_000
