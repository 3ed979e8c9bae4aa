"""An agent's journey in Debian's Chromium, driven by Selenium through Debian's chromedriver,
against a real `ledger serve` on PostgreSQL: sign in, register a complaint, see its case page,
sign out. No browser or driver is downloaded; without them the test skips loudly (fails under CI).
"""

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from ledger.access.tokens import Principal
from tests.served import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AGENT = Principal("agent-7", "王小明", ("agent",), "service")


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"{', '.join(missing)} missing (apt-get install chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set: the browser test must run", pytrace=False)
    pytest.skip(f"SKIPPING BROWSER TEST: {reason}")


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[webdriver.Chrome]:
    _require_browser()
    # Selenium logs every command's body at DEBUG, the typed token among them.
    monkeypatch.setattr(logging.getLogger("selenium"), "level", logging.INFO)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def _arrive(browser: webdriver.Chrome, path: str) -> None:
    """Wait for the navigation a click started (the page's load, not a duration)."""
    WebDriverWait(browser, 30).until(expected_conditions.url_contains(path))
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def test_an_agent_signs_in_registers_a_complaint_sees_its_case_and_signs_out(
    browser: webdriver.Chrome, tmp_path: Path, postgres_schema_url: str
) -> None:
    with serve(tmp_path / "data", postgres_schema_url) as served:
        token = served.issue_token(AGENT)
        browser.get(f"{served.base}/console/")
        assert "/console/sign-in" in browser.current_url  # no session: sign in first
        browser.find_element(By.ID, "token").send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(browser, 30).until(expected_conditions.title_contains("My work"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "My work"
        assert "王小明" in browser.find_element(By.CLASS_NAME, "who").text

        browser.get(f"{served.base}/console/complaints/new")
        Select(browser.find_element(By.ID, "channel")).select_by_value("phone")
        browser.find_element(By.ID, "customer.name").send_keys("李四")
        browser.find_element(By.ID, "customer.phone").send_keys("13812345678")
        browser.find_element(By.ID, "summary").send_keys("Parcel arrived broken")
        browser.find_element(By.ID, "description").send_keys("Crushed on arrival.")
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        _arrive(browser, "/console/cases/")
        heading = browser.find_element(By.TAG_NAME, "h1").text
        assert heading.startswith("Case ")
        assert browser.find_element(By.CLASS_NAME, "status").text == "registered"
        assert "Registered" in browser.find_element(By.CLASS_NAME, "timeline").text

        browser.find_element(By.ID, "sign-out").click()
        _arrive(browser, "/console/sign-in")
        browser.get(f"{served.base}/console/")
        assert "/console/sign-in" in browser.current_url
