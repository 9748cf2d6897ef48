"""Load data in a real browser, signed in: an admin uploads an agencies CSV, sees the ingest report and
then the new agencies in the dashboard; a planner has no link to the page and is refused it."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from kith.dashboard import ids
from tests.browser.conftest import PASSWORD, console_errors, screenshot, settle, wait_until
from tests.browser.test_pages import pick

pytestmark = pytest.mark.browser

AGENCIES = (
    "agency_id,agency_name,site_id,lat,lon,address,zip,service_name,need,capacity,languages,cost,hours\n"
    "up-1,Harbor Family Pantry,up-s1,42.331,-71.081,,,Weekend Meals,food,40,es,Free,\n"
    "up-2,Northside Tutoring Hub,up-s2,42.351,-71.061,,,Homework Help,tutoring,25,,sliding scale,\n"
    "up-3,Nowhere Clinic,up-s3,91,-71,,,Checkups,dental,10,,,\n"
)


def sign_in(browser, server: str, name: str) -> None:
    browser.get(server + "/logout")
    browser.get(server + "/login")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: "/login" not in browser.current_url, what="the sign-in")
    settle(browser)


def nav_links(browser) -> list[str]:
    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, f"#{ids.NAV} a")]


def test_a_planner_has_no_link_to_load_data_and_is_refused_it(driver, signed_in_server: str) -> None:
    try:
        sign_in(driver, signed_in_server, "pat")
        assert nav_links(driver) == ["Overview", "Map", "Gaps"]
        driver.get(signed_in_server + "/load")
        settle(driver)
        assert "The planner role does not include this page." in driver.find_element(By.ID, ids.CONTENT).text
        assert not driver.find_elements(By.ID, ids.LOAD_UPLOAD)
        assert console_errors(driver) == []
    finally:
        driver.get(signed_in_server + "/logout")


def test_an_admin_uploads_agencies_and_sees_the_report(driver, signed_in_server: str, tmp_path: Path) -> None:
    upload = tmp_path / "new agencies.csv"
    upload.write_text(AGENCIES, encoding="utf-8")
    try:
        sign_in(driver, signed_in_server, "ada")
        assert nav_links(driver)[-1] == "Load data"
        driver.find_element(By.LINK_TEXT, "Load data").click()
        settle(driver)
        console_errors(driver)
        driver.find_element(By.CSS_SELECTOR, f"#{ids.LOAD_DRY_RUN} input[type=checkbox]").click()  # really load
        driver.find_element(By.CSS_SELECTOR, f"#{ids.LOAD_UPLOAD} input[type=file]").send_keys(str(upload))
        wait_until(
            lambda: "Chosen: new agencies.csv" in driver.find_element(By.ID, ids.LOAD_FILE).text, what="the chosen file"
        )
        driver.find_element(By.ID, ids.LOAD_RUN).click()
        status = wait_until(
            lambda: driver.find_element(By.ID, ids.LOAD_STATUS).text, timeout=40, what="the ingest's status"
        )
        assert status.startswith("Loaded new agencies.csv as agencies: 3 rows read: 2 loaded, 1 quarantined.")
        report = driver.find_element(By.ID, ids.LOAD_REPORT).text
        assert "new agencies.csv 3 2 1" in report
        assert "lat: Input should be less than or equal to 90" in report
        settle(driver)
        screenshot(driver, "load-data")
        assert console_errors(driver) == []
        driver.get(signed_in_server + "/paths")  # the new agencies are in the graph the dashboard reads
        settle(driver)
        pick(driver, ids.PATHS_FROM, "Harbor Family")
        wait_until(
            lambda: "Harbor Family Pantry" in driver.find_element(By.ID, ids.PATHS_FROM).text,
            what="the new agency picked",
        )
    finally:
        driver.get(signed_in_server + "/logout")


def test_an_admin_loads_a_travel_matrix_and_the_gaps_page_reaches_by_it(
    driver, signed_in_server: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    upload = tmp_path / "osrm durations.csv"
    upload.write_text("origin,destination,minutes\nsch-0001,site-0001,12.5\nsch-0002,site-0001,45\n", "utf-8")
    try:
        sign_in(driver, signed_in_server, "ada")
        driver.get(signed_in_server + "/load")
        settle(driver)
        content = driver.find_element(By.ID, ids.CONTENT).text
        assert "Travel measure in use on the Gaps page: straight-line distance, 5 km." in content
        driver.find_element(By.CSS_SELECTOR, f"#{ids.LOAD_KIND} input[value=travel]").click()
        driver.find_element(By.CSS_SELECTOR, f"#{ids.LOAD_DRY_RUN} input[type=checkbox]").click()  # really load
        driver.find_element(By.CSS_SELECTOR, f"#{ids.LOAD_UPLOAD} input[type=file]").send_keys(str(upload))
        wait_until(lambda: "osrm durations.csv" in driver.find_element(By.ID, ids.LOAD_FILE).text, what="the file")
        driver.find_element(By.ID, ids.LOAD_RUN).click()
        status = wait_until(lambda: driver.find_element(By.ID, ids.LOAD_STATUS).text, timeout=40, what="the status")
        assert status.startswith("Loaded osrm durations.csv as the travel-time matrix: 2 (origin, destination) pairs")
        assert "Travel measure in use on the Gaps page: travel matrix, 20 minutes" in status
        driver.get(signed_in_server + "/gaps?need=food&by=school")
        settle(driver)
        summary = wait_until(
            lambda: "Reach:" in (text := driver.find_element(By.ID, ids.GAPS_SUMMARY).text) and text,
            timeout=40,
            what="the gaps summary",
        )
        assert "Reach: travel matrix, 20 minutes" in summary
        driver.get(signed_in_server + "/load")
        settle(driver)
        assert "in use on the Gaps page: travel matrix, 20 minutes" in driver.find_element(By.ID, ids.CONTENT).text
        driver.find_element(By.ID, ids.LOAD_TRAVEL_REMOVE).click()  # and taken back
        wait_until(
            lambda: "removed" in driver.find_element(By.ID, ids.LOAD_TRAVEL_NOTE).text, what="the matrix removed"
        )
        assert driver.find_element(By.ID, ids.LOAD_TRAVEL_NOTE).text.endswith("straight-line distance, 5 km.")
        assert not driver.find_element(By.ID, ids.LOAD_TRAVEL_REMOVE).is_enabled()
        assert console_errors(driver) == []
    finally:
        for kept in tmp_path_factory.getbasetemp().glob("kith-home-signed-in*/travel/matrix.csv"):
            kept.unlink()  # the other tests' Gaps page reaches by straight-line km again
        driver.get(signed_in_server + "/logout")
