"""`make screenshots`: a PNG of each main console page, in English and in Chinese, with
realistic data (Chinese customer names on the Chinese pages), under var/screenshots/.

Runs a real `ledger serve` (its own embedded PostgreSQL in a temporary directory) per language,
seeds it through the API (tests/console/seed.py) and drives Debian's Chromium with Selenium.
CJK text needs a CJK font: Debian's fonts-noto-cjk (CI installs it).
"""

import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from ledger.access.tokens import Principal
from tests.console.seed import ADMIN, AGENT, INCIDENT_MANAGER, SUPERVISOR, TECHNICIAN, seed
from tests.served import Served, serve

OUT = Path("var/screenshots")
WIDTH = 1280
LANGUAGES = {"en": "en-GB,en", "zh": "zh-CN,zh"}


def chromium(profile: Path, accept_language: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-sync",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},900",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


def shoot(driver: webdriver.Chrome, path: Path) -> None:
    """The whole page, however long: the window is made as tall as the document first."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(WIDTH, max(600, min(height + 40, 6000)))
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, 900)


def as_person(driver: webdriver.Chrome, served: Served, token: str) -> None:
    driver.get(f"{served.base}/console/sign-in")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((By.ID, "sign-out"))
    )


def run(language: str, work: Path) -> list[Path]:
    written = []
    with serve(work / "data") as served:
        seeded = seed(served, language)
        first, second, _ = seeded.cases
        pages: dict[Principal, dict[str, str]] = {
            AGENT: {
                "my-work-agent": "/console/",
                "register": "/console/complaints/new",
                "case": f"/console/cases/{first}",
                "list-cases": "/console/lists/cases",
                "list-handoffs": "/console/lists/handoffs",
                "list-escalations": "/console/lists/escalations",
                "list-incidents": "/console/lists/incidents",
            },
            TECHNICIAN: {"my-work-department": "/console/"},
            SUPERVISOR: {
                "my-work-supervisor": "/console/",
                "case-escalated": f"/console/cases/{second}",
            },
            INCIDENT_MANAGER: {"my-work-incidents": "/console/"},
            ADMIN: {
                "admin-tokens": "/console/admin/tokens",
                "admin-staff": "/console/admin/staff",
                "admin-webhooks": "/console/admin/webhooks",
            },
        }
        driver = chromium(work / "profile", LANGUAGES[language])
        try:
            driver.get(f"{served.base}/console/sign-in")
            written.append(OUT / f"{language}-sign-in.png")
            shoot(driver, written[-1])
            for person, named in pages.items():
                as_person(driver, served, seeded.tokens[person.staff_id])
                for name, path in named.items():
                    driver.get(served.base + path)
                    written.append(OUT / f"{language}-{name}.png")
                    shoot(driver, written[-1])
                driver.find_element(By.ID, "sign-out").click()
        finally:
            driver.quit()
    return written


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        with tempfile.TemporaryDirectory(prefix="ledger-screens-") as work:
            for path in run(language, Path(work)):
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
