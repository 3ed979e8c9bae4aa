"""Two journeys in Debian's Chromium (Selenium, Debian's chromedriver) against a real
`ledger serve` on PostgreSQL: an incident manager runs an incident to its review and opens the
printable review; a privacy officer erases a person, confirming first."""

from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from ledger.access.tokens import Principal
from tests.console.test_browser import AGENT, _arrive, browser  # noqa: F401  (the fixture)
from tests.served import Served, serve

MANAGER = Principal("im-1", "Iris Manager", ("incident_manager",))
PRIVACY = Principal("po-1", "Pat Privacy", ("privacy_officer",))
ADMIN = Principal("admin-1", "Ada Admin", ("administrator",))


def _sign_in(driver: webdriver.Chrome, served: Served, principal: Principal) -> None:
    driver.get(f"{served.base}/console/")
    driver.find_element(By.ID, "token").send_keys(served.issue_token(principal))
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 30).until(expected_conditions.title_contains("My work"))


def _submit(driver: webdriver.Chrome, form_id: str, **fields: str) -> None:
    form = driver.find_element(By.ID, form_id)
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        elif field.get_attribute("type") == "checkbox":
            form.find_element(By.CSS_SELECTOR, f'[name="{name}"][value="{value}"]').click()
        else:
            field.clear()
            field.send_keys(value)
    driver.execute_script("window.leaving = true")  # gone once the next page is loaded
    try:
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    except WebDriverException as error:
        # Chromium may answer the click after the navigation it started has replaced the page;
        # the wait below shows whether the form was sent.
        if "does not belong to the document" not in str(error):
            raise
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.leaving === undefined && document.readyState === 'complete'"
        )
    )


def test_an_incident_manager_runs_an_incident_to_its_review_and_prints_it(
    browser: webdriver.Chrome,  # noqa: F811
    tmp_path: Path,
    postgres_schema_url: str,
) -> None:
    with serve(tmp_path / "data", postgres_schema_url) as served:
        admin = {"Authorization": f"Bearer {served.issue_token(ADMIN)}"}
        staff = {
            "display_name": "Iris Manager",
            "email": "iris@example.com",
            "department": "logistics",
            "level": "incident_manager",
        }
        assert served.call("PUT", "/v1/staff/im-1", staff, admin)[0] in (200, 201)
        _sign_in(browser, served, MANAGER)
        browser.get(f"{served.base}/console/incidents")
        _submit(browser, "report-incident", title="Depot flooded", description="Water in bay 3")
        assert "Depot flooded" in browser.find_element(By.TAG_NAME, "h1").text
        _submit(
            browser,
            "form-incident_assess",
            level="II",
            impact="Late parcels",
            departments="logistics",
        )
        _submit(browser, "form-incident_activate", plan="Reroute", roles="incident_lead=im-1")
        _submit(browser, "form-incident_mitigate", summary="Rerouted north")
        _submit(browser, "form-incident_resolve", summary="Bay dry")
        assert browser.find_element(By.CLASS_NAME, "status").text == "resolved"

        browser.find_element(By.ID, "review-editor").click()
        _arrive(browser, "/review/edit")
        _submit(
            browser,
            "form-incident_review_save",
            contributing_factors="Blocked drain",
            went_well="Quick reroute",
        )
        _submit(
            browser,
            "form-incident_add_item",
            description="Fit a flood sensor",
            owner="im-1",
            due="2030-01-31T00:00:00+00:00",
        )
        assert (
            "Fit a flood sensor"
            in browser.find_element(By.ID, "items").find_element(By.XPATH, "..").text
        )

        browser.find_element(By.ID, "printable-review").click()
        _arrive(browser, "/review.html")
        page = browser.find_element(By.TAG_NAME, "body").text
        assert "Depot flooded" in page and "Blocked drain" in page


def test_a_privacy_officer_erases_a_person_after_confirming(
    browser: webdriver.Chrome,  # noqa: F811
    tmp_path: Path,
    postgres_schema_url: str,
) -> None:
    with serve(tmp_path / "data", postgres_schema_url) as served:
        agent = {"Authorization": f"Bearer {served.issue_token(AGENT)}"}
        complaint = {
            "channel": "phone",
            "customer": {"name": "李四", "phone": "13812345678"},
            "summary": "Parcel broken",
            "description": "Crushed on arrival.",
        }
        status, body, _ = served.call("POST", "/v1/complaints", complaint, agent)
        assert status == 201, body
        subject = body["customer"]["subject_id"]

        _sign_in(browser, served, PRIVACY)
        browser.get(f"{served.base}/console/subjects")
        _submit(browser, "find-person", kind="phone", value="13812345678")
        browser.find_element(By.LINK_TEXT, subject).click()
        _arrive(browser, f"/console/subjects/{subject}")
        assert (
            body["reference"]
            in browser.find_element(By.ID, "records").find_element(By.XPATH, "..").text
        )
        _submit(browser, "erasure", legal_basis="GDPR Art. 17 request 42")
        _submit(browser, "confirm-erasure", confirm="yes")
        assert browser.find_element(By.ID, "erased").text.startswith("yes")
        browser.get(f"{served.base}/console/")
        assert (
            "GDPR Art. 17 request 42"
            in browser.find_element(By.ID, "erasures").find_element(By.XPATH, "..").text
        )
