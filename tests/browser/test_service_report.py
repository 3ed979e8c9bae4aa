"""The weekly service report, written by `ledger report weekly`, renders with its charts in
headless Chromium; the screenshot lands in var/test-artifacts/service-report-weekly.png."""

import stat
from pathlib import Path
from uuid import UUID

from ledger.application.service import LedgerApplication
from tests.analytics.conftest import (  # noqa: F401 - the fixtures this test runs on
    clock,
    fortnight,
    ledger,
    read_side,
    store,
)
from tests.api.test_cli import URL_FILE, ledger_command
from tests.browser.test_review_page import ARTIFACTS, chromium, console_errors, require_chromium
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64

# The business calendar the scripted fortnight ran on, as the service's policy file says it.
POLICY = """
[calendar]
timezone = "UTC"
opens = "09:00"
closes = "18:00"

[targets]
csat_percent = 85
reopen_rate_max_percent = 10
response_p90 = "2h"
"""


def _weekly_report(tmp_path: Path, database_url: str) -> Path:
    (tmp_path / URL_FILE).write_text(database_url)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    result = ledger_command(
        tmp_path,
        "report",
        "weekly",
        "--at",
        "2026-03-09T09:00:00+00:00",
        LEDGER_MASTER_KEY=TEST_MASTER_KEY_B64,
        LEDGER_SIGNING_KEY=TEST_SIGNING_KEY_B64,
        LEDGER_POLICY_FILE=str(policy),
    )
    assert result.returncode == 0, result.stderr
    path = tmp_path / "reports" / "weekly-2026-W10.html"
    assert str(path) in result.stdout
    return path


def test_the_weekly_report_renders_with_its_charts_in_chromium(
    tmp_path: Path,
    database_url: str,
    ledger: LedgerApplication,  # noqa: F811
    fortnight: dict[str, UUID],  # noqa: F811
) -> None:
    require_chromium()
    report = _weekly_report(tmp_path, database_url)
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "Wang Wu" not in html  # no customer's personal data
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "service-report-weekly.html"
    page.write_text(html, encoding="utf-8")
    screenshot = ARTIFACTS / "service-report-weekly.png"
    screenshot.unlink(missing_ok=True)
    profile = tmp_path / "profile"

    dom = chromium(profile, "--dump-dom", page.as_uri())
    shot = chromium(
        profile,
        f"--screenshot={screenshot}",
        "--window-size=1200,2400",
        "--hide-scrollbars",
        page.as_uri(),
    )

    assert dom.returncode == 0 and shot.returncode == 0, dom.stderr[-2000:]
    assert console_errors(dom.stderr + shot.stderr) == []
    assert dom.stdout.count("<svg") == 4 and "<rect" in dom.stdout
    assert "Service report: weekly 2026-W10" in dom.stdout
    assert "missed</span> by 18 %" in dom.stdout  # CSAT 2 of 3 (67 %) against 85 %
    assert screenshot.stat().st_size > 20_000
