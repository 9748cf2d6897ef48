"""The pages on the district demo city, as its three users meet them, at 1366×768: a planner's gaps
grid and maps, a social worker's search, a coalition's network. One served app for the module (the
city takes a while to build); each test leaves the window as it found it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from kith.dashboard import ids
from kith.graph.memory import MemoryStore
from kith.ingest import demo_city
from kith.settings import KithSettings
from tests.browser.conftest import _serving, console_errors, wait_until
from tests.browser.test_pages import grid_rows, open_page

pytestmark = pytest.mark.browser

LAPTOP = (1366, 768)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the district demo city, in demo mode, at the returned base URL."""
    from kith.dashboard.app import create_app

    home = tmp_path_factory.mktemp("kith-home-district")
    store = MemoryStore.open(home / "graph.msgpack")
    demo_city.rebuild(store, "district", seed=7)
    store.close()
    app = create_app(KithSettings(_env_file=None, home=home, demo=True, neo4j_uri=None))
    with _serving(app) as url:
        yield url


@pytest.fixture()
def laptop(driver) -> Iterator[object]:
    """The browser at a common laptop's 1366×768, put back afterwards."""
    size = driver.get_window_size()
    driver.set_window_size(*LAPTOP)
    try:
        yield driver
    finally:
        driver.set_window_size(size["width"], size["height"])


def grid_api(browser, grid_id: str, script: str) -> object:
    """Run ``script`` with ``api`` bound to the AG Grid's API."""
    return browser.execute_script(
        "const api = dash_ag_grid.getApi(arguments[0]); " + script, grid_id)


def column_values(browser, grid_id: str, field: str) -> list[str]:
    """The displayed text of a column, in the grid's current order (all pages)."""
    return grid_api(browser, grid_id, f"""
        const out = [];
        api.forEachNodeAfterFilterAndSort(n => out.push(api.getCellValue({{rowNode: n, colKey: '{field}',
                                                                            useFormatter: true}})));
        return out.map(v => v === null || v === undefined ? '' : String(v));""")


def _order(text: str) -> float:
    """A shown count's place in a numeric order: "<10" below 10, "1,234" as 1234."""
    text = text.replace(",", "").strip()
    if text == "*":
        return 9.75
    return float(text[1:]) - 0.5 if text.startswith("<") else float(text)


@pytest.mark.parametrize("query", ["need=food&by=zip", "need=mental_health_counseling&by=school"])
def test_gaps_grid_shows_suppressed_counts_as_text_sorts_them_and_exports_them(laptop, district: str,
                                                                                query: str) -> None:
    open_page(laptop, district, f"/gaps?{query}")
    rows = wait_until(lambda: grid_rows(laptop, ids.GAPS_TABLE), timeout=60, what="the gap table")
    assert not any("Invalid Number" in r for r in rows)
    students = column_values(laptop, ids.GAPS_TABLE, "students")
    assert any(s.startswith("<") for s in students), "the district city has suppressed counts here"
    grid_api(laptop, ids.GAPS_TABLE,
             "api.applyColumnState({state: [{colId: 'students', sort: 'asc'}], defaultState: {sort: null}});")
    ordered = column_values(laptop, ids.GAPS_TABLE, "students")
    assert [_order(s) for s in ordered] == sorted(_order(s) for s in ordered)
    exported = grid_api(laptop, ids.GAPS_TABLE, "return api.getDataAsCsv();")
    table = list(csv.DictReader(io.StringIO(exported)))
    assert "Invalid Number" not in exported
    assert {row["Students with the need"] for row in table} == set(ordered)
    assert console_errors(laptop) == []


def test_totals_with_hidden_parts_read_at_least_and_chart_labels_are_not_cut(laptop, district: str) -> None:
    open_page(laptop, district, "/map?need=food")
    summary = wait_until(lambda: laptop.find_element(By.ID, ids.MAP_SUMMARY).text, timeout=60, what="the summary")
    assert "in deserts: 0" not in summary
    assert "in deserts: at least 46 (46 cells with a hidden count" in summary
    open_page(laptop, district, "/")
    wait_until(lambda: laptop.find_elements(By.CSS_SELECTOR, f"#{ids.OVERVIEW_GAPS} .bartext"), timeout=60,
               what="the desert chart's labels")
    heading = laptop.find_element(By.XPATH, f"//*[@id='{ids.OVERVIEW_GAPS}']/preceding::h2[1]").text
    assert heading.startswith("Neighbourhood cells that are service deserts")
    outside = laptop.execute_script("""
        const plot = document.querySelector('#' + arguments[0] + ' .main-svg').getBoundingClientRect();
        return [...document.querySelectorAll('#' + arguments[0] + ' .bartext')].map(t => {
            const box = t.getBoundingClientRect();
            return box.right > plot.right + 0.5 || box.left < plot.left - 0.5 ? t.textContent : null;
        }).filter(Boolean);""", ids.OVERVIEW_GAPS)
    assert outside == []
    assert all(t.startswith(("≥", "no ")) or t.endswith("students")
               for t in laptop.execute_script(
                   "return [...document.querySelectorAll('#' + arguments[0] + ' .bartext')].map(t => t.textContent)",
                   ids.OVERVIEW_GAPS))
    assert console_errors(laptop) == []
