"""Every console page in Debian's Chromium against a served app on PostgreSQL: axe-core (the
vendored tests/console/vendor/axe.min.js) finds no serious or critical violation, and a whole
journey works from the keyboard alone, with a visible focus outline on every stop."""

from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from ledger.access.tokens import Principal
from tests.console.seed import ADMIN, AGENT, INCIDENT_MANAGER, SUPERVISOR, TECHNICIAN, seed
from tests.console.test_browser import browser  # noqa: F401  (the Chromium fixture)
from tests.served import Served, serve

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (r) => done(r.violations.map((v) => [v.id, v.impact, v.help, v.nodes.map((n) => n.html)])));
"""
SERIOUS = ("serious", "critical")


def sign_in(driver: webdriver.Chrome, served: Served, token: str) -> None:
    driver.get(f"{served.base}/console/sign-in")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "sign-out"))
    )


def sign_out(driver: webdriver.Chrome) -> None:
    driver.find_element(By.ID, "sign-out").click()
    WebDriverWait(driver, 30).until(expected_conditions.url_contains("/console/sign-in"))


def violations(driver: webdriver.Chrome) -> list[str]:
    driver.set_script_timeout(60)
    driver.execute_script(AXE)
    found = driver.execute_async_script(_RUN_AXE)
    return [
        f"{driver.current_url}: {i} ({impact}) {help_} {nodes[:2]}"
        for i, impact, help_, nodes in found
        if impact in SERIOUS
    ]


def test_every_console_page_passes_axe_core_without_serious_or_critical_violations(
    browser: webdriver.Chrome,  # noqa: F811
    tmp_path: Path,
    postgres_schema_url: str,
) -> None:
    with serve(tmp_path / "data", postgres_schema_url) as served:
        seeded = seed(served)
        first, second, _ = seeded.cases
        pages: dict[Principal, tuple[str, ...]] = {
            AGENT: (
                "/console/",
                "/console/complaints/new",
                f"/console/cases/{first}",
                "/console/lists/cases",
                "/console/lists/incidents",
                "/console/lists/handoffs",
                "/console/lists/escalations",
            ),
            TECHNICIAN: ("/console/", f"/console/cases/{first}"),
            SUPERVISOR: ("/console/", f"/console/cases/{second}"),
            INCIDENT_MANAGER: ("/console/",),
            ADMIN: ("/console/admin/tokens", "/console/admin/staff", "/console/admin/webhooks"),
        }
        found: list[str] = []
        browser.get(f"{served.base}/console/sign-in")
        found += violations(browser)
        for person, paths in pages.items():
            sign_in(browser, served, seeded.tokens[person.staff_id])
            for path in paths:
                browser.get(served.base + path)
                found += violations(browser)
            sign_out(browser)
        assert found == [], "\n".join(found)


def _tab_to(driver: webdriver.Chrome, wanted: str, *, limit: int = 80) -> WebElement:
    """Press Tab until the element matching the CSS selector `wanted` has the focus; each stop on
    the way must show a focus outline."""
    target = driver.find_element(By.CSS_SELECTOR, wanted)
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        focused = driver.switch_to.active_element
        outline = driver.execute_script(
            "return getComputedStyle(arguments[0]).outlineStyle", focused
        )
        assert outline not in ("none", ""), (
            f"no visible focus on {focused.get_attribute('outerHTML')[:80]}"
        )
        if focused == target:
            return focused
    raise AssertionError(f"{wanted} is not reachable with Tab")


def test_an_agent_registers_a_complaint_and_notes_progress_with_the_keyboard_alone(
    browser: webdriver.Chrome,  # noqa: F811
    tmp_path: Path,
    postgres_schema_url: str,
) -> None:
    with serve(tmp_path / "data", postgres_schema_url) as served:
        token = served.issue_token(AGENT)
        browser.get(f"{served.base}/console/sign-in")
        _tab_to(browser, "#token").send_keys(token, Keys.ENTER)
        WebDriverWait(browser, 30).until(expected_conditions.title_contains("My work"))

        _tab_to(browser, "nav a[href='/console/complaints/new']").send_keys(Keys.ENTER)
        WebDriverWait(browser, 30).until(expected_conditions.url_contains("/complaints/new"))
        _tab_to(browser, "#channel").send_keys("p")  # a select answers to typed letters
        _tab_to(browser, "[id='customer.name']").send_keys("Margaret Okafor")
        _tab_to(browser, "#summary").send_keys("Router drops every evening")
        _tab_to(browser, "#description").send_keys("Since Monday, at about 19:00.")
        _tab_to(browser, "main form button[type=submit]").send_keys(Keys.ENTER)
        WebDriverWait(browser, 30).until(expected_conditions.url_contains("/console/cases/"))

        _tab_to(browser, "form[action$='/notes'] input[name=note]", limit=200).send_keys(
            "Line test booked", Keys.ENTER
        )
        WebDriverWait(browser, 30).until(expected_conditions.url_contains("#timeline"))
        assert "Line test booked" in browser.find_element(By.CLASS_NAME, "timeline").text


def test_the_axe_check_catches_a_known_violation(browser: webdriver.Chrome) -> None:  # noqa: F811
    browser.get("data:text/html,<html lang=en><title>t</title><main><img src=x></main></html>")
    assert any(" image-alt (critical) " in v for v in violations(browser))
