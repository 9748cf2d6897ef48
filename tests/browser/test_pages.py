"""Every page in a real browser: it loads without console errors, and its main interaction works."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from kith.dashboard import ids
from tests.browser.conftest import console_errors, screenshot, settle, wait_until

pytestmark = pytest.mark.browser


def open_page(browser, server: str, path: str) -> None:
    console_errors(browser)  # drop what earlier pages logged
    browser.get(server + path)
    settle(browser)


def plot_traces(browser, graph_id: str) -> list[dict]:
    """The traces a dcc.Graph has drawn: name, kind and number of points."""
    return browser.execute_script(
        """
        const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        if (!plot || !plot.data) { return null; }
        return plot.data.map(t => ({name: t.name || '', type: t.type,
            n: (t.lat || t.locations || t.x || []).length, visible: t.visible === undefined ? true : t.visible}));
        """,
        graph_id,
    )


#: The text of the rows the grid has drawn, and how many rows it means to show: all of them, or those of the
#: current page. AG Grid draws a page's rows over a few animation frames, and an autoHeight grid in steps as
#: it grows, so a grid being drawn shows fewer.
_DRAWN_ROWS = """
    const rows = [...document.querySelectorAll('#' + arguments[0] + ' .ag-center-cols-container .ag-row')];
    let meant = null;
    try {
        const api = dash_ag_grid.getApi(arguments[0]);
        meant = api.getDisplayedRowCount();
        if (api.getGridOption('pagination')) {
            const size = api.paginationGetPageSize();
            meant = Math.min(size, meant - api.paginationGetCurrentPage() * size);
        }
    } catch (e) { /* not ready yet */ }
    return [rows.map(r => r.innerText), meant];"""


def grid_rows(browser, grid_id: str, *, timeout: float = 20.0) -> list[str]:
    """The text of every row the grid shows, once it has drawn them all (an empty list while it has none)."""
    deadline = time.monotonic() + timeout
    while True:
        texts, meant = browser.execute_script(_DRAWN_ROWS, grid_id)
        if meant is not None and len(texts) == meant:
            return texts
        if time.monotonic() > deadline:
            raise AssertionError(f"the grid {grid_id} drew {len(texts)} of its {meant} rows")
        time.sleep(0.1)


def grid_data(browser, grid_id: str) -> list[str]:
    """Every row the grid holds, as JSON, in its order (drawn or not)."""
    return browser.execute_script(
        "const out = []; dash_ag_grid.getApi(arguments[0]).forEachNodeAfterFilterAndSort("
        "n => out.push(JSON.stringify(n.data))); return out;",
        grid_id,
    )


def pick(browser, dropdown_id: str, text: str) -> None:
    """Choose an option of a dcc.Dropdown the way a person does: open it, type, press Enter."""
    box = browser.find_element(By.ID, dropdown_id)
    box.click()
    field = wait_until(lambda: _focused_input(browser, dropdown_id), what=f"the search field of {dropdown_id}")
    field.send_keys(text)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "[role=option]"), what="the dropdown's options")
    field.send_keys(Keys.ENTER)


def _focused_input(browser, dropdown_id: str):
    """The dropdown's search field (open, it is the one search input on the page)."""
    found = [
        f
        for f in browser.find_elements(By.CSS_SELECTOR, "input.dash-dropdown-search, input[type=search]")
        if f.is_displayed()
    ]
    return found[0] if found else None


def test_overview_shows_suppressed_counts_and_the_demo_banner(driver, server: str) -> None:
    open_page(driver, server, "/")
    assert "Demo mode" in driver.find_element(By.ID, ids.BANNER).text
    stats = driver.find_element(By.ID, ids.OVERVIEW_COUNTS).text
    assert "schools" in stats and "students" in stats
    assert "2,000" in stats  # the small city's students, a count well above the threshold
    bars = wait_until(lambda: plot_traces(driver, ids.OVERVIEW_GAPS), timeout=40, what="the desert chart")
    assert {t["name"] for t in bars} == {"academic", "social emotional", "health", "family"}
    settle(driver)
    screenshot(driver, "overview")
    assert console_errors(driver) == []


def test_find_help_near_a_zip_lists_services_on_the_map_and_in_the_table(driver, server: str) -> None:
    open_page(driver, server, "/find-help")
    assert grid_rows(driver, ids.HELP_TABLE) == []
    field = driver.find_element(By.CSS_SELECTOR, f"#{ids.HELP_PLACE}")
    field.send_keys("02119", Keys.ENTER)
    rows = wait_until(lambda: grid_rows(driver, ids.HELP_TABLE), what="result rows")
    assert len(rows) >= 3
    assert "ZIP 02119" in driver.find_element(By.ID, ids.HELP_STATUS).text
    found = wait_until(
        lambda: [t for t in plot_traces(driver, ids.HELP_MAP) if t["name"].startswith("services found")],
        what="the services drawn on the map",
    )
    assert found[0]["n"] == len(rows)
    assert "place=02119" in driver.current_url
    settle(driver)
    screenshot(driver, "find-help")
    assert console_errors(driver) == []


def test_find_help_switches_the_referral_list_to_spanish(driver, server: str) -> None:
    open_page(driver, server, "/find-help?place=02119")
    rows = wait_until(lambda: grid_rows(driver, ids.HELP_TABLE), what="result rows")
    held = grid_data(driver, ids.HELP_TABLE)
    frame = driver.find_element(By.ID, ids.HELP_REFERRAL)
    wait_until(lambda: "Help near ZIP code 02119" in (frame.get_attribute("srcdoc") or ""), what="the English list")
    driver.find_element(By.ID, ids.HELP_LIST_LANGUAGE).click()
    option = wait_until(
        lambda: [o for o in driver.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text.strip() == "Español"],
        what="the Spanish option",
    )
    option[0].click()
    spanish = wait_until(
        lambda: (lambda doc: doc if "Ayuda cerca de" in doc else None)(frame.get_attribute("srcdoc") or ""),
        what="the Spanish list",
    )
    assert '<html lang="es">' in spanish and "<dt>Teléfono</dt>" in spanish and "<dt>Phone</dt>" not in spanish
    first_service = rows[0].split("\n")[1]  # the row's number, then the service's name as the agency wrote it
    assert first_service in spanish
    assert "list=es" in driver.current_url
    assert grid_data(driver, ids.HELP_TABLE) == held  # the search itself is the same
    driver.get(driver.current_url)  # a shared link opens the list in Spanish
    settle(driver)
    frame = driver.find_element(By.ID, ids.HELP_REFERRAL)
    wait_until(lambda: "Ayuda cerca de" in (frame.get_attribute("srcdoc") or ""), what="the Spanish list from the link")
    assert console_errors(driver) == []


def test_map_changes_when_another_need_is_picked(driver, server: str) -> None:
    open_page(driver, server, "/map?need=food")
    first = wait_until(lambda: plot_traces(driver, ids.MAP_GRAPH), what="the map")
    assert [t["type"] for t in first][:1] == ["choroplethmap"]
    assert "food" in driver.find_element(By.ID, ids.MAP_RULE).text
    before = driver.find_element(By.ID, ids.MAP_SUMMARY).text
    pick(driver, ids.MAP_NEED, "Dental")
    wait_until(lambda: "dental" in driver.find_element(By.ID, ids.MAP_RULE).text, what="the dental map")
    wait_until(lambda: driver.find_element(By.ID, ids.MAP_SUMMARY).text != before, what="the new summary")
    assert "need=dental" in driver.current_url
    after = plot_traces(driver, ids.MAP_GRAPH)
    assert after[0]["type"] == "choroplethmap" and after[0]["n"] > 0
    settle(driver)
    screenshot(driver, "map")
    assert console_errors(driver) == []


def test_gaps_table_ranks_areas_and_what_if_runs_in_the_background(driver, server: str) -> None:
    open_page(driver, server, "/gaps?need=food")
    rows = wait_until(lambda: grid_rows(driver, ids.GAPS_TABLE), what="the gap table")
    assert rows[0].split("\n")[0] == "1"
    assert "food" in driver.find_element(By.ID, ids.GAPS_SUMMARY).text
    wait_until(
        lambda: driver.find_element(By.ID, ids.GAPS_WHATIF_LAT).get_attribute("value"),
        what="the what-if site pre-filled",
    )
    driver.find_element(By.ID, ids.GAPS_WHATIF_RUN).click()
    result = wait_until(
        lambda: driver.find_element(By.ID, ids.GAPS_WHATIF_RESULT).text, timeout=40, what="the what-if result"
    )
    assert "before" in result and "after" in result
    assert driver.find_element(By.ID, ids.GAPS_WHATIF_PROGRESS).get_attribute("value") == "3"
    settle(driver)
    screenshot(driver, "gaps")
    assert console_errors(driver) == []


def test_network_draws_organisations_and_a_click_shows_details(driver, server: str) -> None:
    open_page(driver, server, "/network")
    count = wait_until(
        lambda: driver.execute_script(
            f"const c = document.querySelector('#{ids.NETWORK_GRAPH}')._cyreg; return c && c.cy ? c.cy.nodes().length : 0;"
        ),
        what="the network nodes",
    )
    assert count == 50  # the small city's 10 schools and 40 agencies
    assert "Brokers" in driver.find_element(By.ID, ids.NETWORK_LISTS).text
    driver.execute_script(
        f"document.querySelector('#{ids.NETWORK_GRAPH}')._cyreg.cy.nodes('[kind = \"School\"]').first().emit('tap');"
    )
    wait_until(lambda: "betweenness" in driver.find_element(By.ID, ids.NETWORK_DETAILS).text, what="the node's details")
    settle(driver)
    screenshot(driver, "network")
    assert console_errors(driver) == []


def test_paths_between_two_picked_nodes_are_drawn_and_explained(driver, server: str) -> None:
    open_page(driver, server, "/paths")
    pick(driver, ids.PATHS_FROM, "Adams Elementary")
    pick(driver, ids.PATHS_TO, "Need: Food")
    edges = wait_until(
        lambda: driver.execute_script(
            f"const c = document.querySelector('#{ids.PATHS_GRAPH}')._cyreg; return c && c.cy ? c.cy.edges().length : 0;"
        ),
        what="a path drawn",
    )
    assert edges >= 1
    explained = driver.find_element(By.ID, ids.PATHS_EXPLAIN).text
    assert "Adams Elementary School" in explained and "hops" in explained
    assert "to=need%3Afood" in driver.current_url or "to=need:food" in driver.current_url
    settle(driver)
    screenshot(driver, "paths")
    assert console_errors(driver) == []
