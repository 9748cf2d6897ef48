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
from tests.browser.conftest import _serving, console_errors, screenshot, wait_until
from tests.browser.test_pages import grid_rows, open_page, plot_traces

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
    return browser.execute_script("const api = dash_ag_grid.getApi(arguments[0]); " + script, grid_id)


def column_values(browser, grid_id: str, field: str) -> list[str]:
    """The displayed text of a column, in the grid's current order (all pages)."""
    return grid_api(
        browser,
        grid_id,
        f"""
        const out = [];
        api.forEachNodeAfterFilterAndSort(n => out.push(api.getCellValue({{rowNode: n, colKey: '{field}',
                                                                            useFormatter: true}})));
        return out.map(v => v === null || v === undefined ? '' : String(v));""",
    )


def _order(text: str) -> float:
    """A shown count's place in a numeric order: "<10" below 10, "1,234" as 1234."""
    text = text.replace(",", "").strip()
    if text == "*":
        return 9.75
    return float(text[1:]) - 0.5 if text.startswith("<") else float(text)


@pytest.mark.parametrize("query", ["need=food&by=zip", "need=mental_health_counseling&by=school"])
def test_gaps_grid_shows_suppressed_counts_as_text_sorts_them_and_exports_them(
    laptop, district: str, query: str
) -> None:
    open_page(laptop, district, f"/gaps?{query}")
    rows = wait_until(lambda: grid_rows(laptop, ids.GAPS_TABLE), timeout=60, what="the gap table")
    assert not any("Invalid Number" in r for r in rows)
    students = column_values(laptop, ids.GAPS_TABLE, "students")
    assert any(s.startswith("<") for s in students), "the district city has suppressed counts here"
    grid_api(
        laptop,
        ids.GAPS_TABLE,
        "api.applyColumnState({state: [{colId: 'students', sort: 'asc'}], defaultState: {sort: null}});",
    )
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
    wait_until(
        lambda: laptop.find_elements(By.CSS_SELECTOR, f"#{ids.OVERVIEW_GAPS} .bartext"),
        timeout=60,
        what="the desert chart's labels",
    )
    heading = laptop.find_element(By.XPATH, f"//*[@id='{ids.OVERVIEW_GAPS}']/preceding::h2[1]").text
    assert heading.startswith("Neighbourhood cells that are service deserts")
    outside = laptop.execute_script(
        """
        const plot = document.querySelector('#' + arguments[0] + ' .main-svg').getBoundingClientRect();
        return [...document.querySelectorAll('#' + arguments[0] + ' .bartext')].map(t => {
            const box = t.getBoundingClientRect();
            return box.right > plot.right + 0.5 || box.left < plot.left - 0.5 ? t.textContent : null;
        }).filter(Boolean);""",
        ids.OVERVIEW_GAPS,
    )
    assert outside == []
    assert all(
        t.startswith(("≥", "no ")) or t.endswith("students")
        for t in laptop.execute_script(
            "return [...document.querySelectorAll('#' + arguments[0] + ' .bartext')].map(t => t.textContent)",
            ids.OVERVIEW_GAPS,
        )
    )
    assert console_errors(laptop) == []


def map_point(browser, graph_id: str, lat: float, lon: float) -> tuple[float, float]:
    """The page offset (x, y) of a point on a plotly map."""
    return tuple(
        browser.execute_script(
            """
        const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        const map = plot._fullLayout.map._subplot.map;
        const p = map.project([arguments[2], arguments[1]]);
        const box = map.getCanvas().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];""",
            graph_id,
            lat,
            lon,
        )
    )


def open_spot(browser, graph_id: str) -> tuple[float, float]:
    """A clickable cell's centre near the map's middle and away from every marker (so a click there
    names the spot, not a school)."""
    import h3

    from kith.graph.geo import distance_km

    cells, markers, centre = browser.execute_script(
        """
        const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        const marks = plot.data.slice(1).filter(t => t.lat).flatMap(t => t.lat.map((v, i) => [v, t.lon[i]]));
        const c = plot._fullLayout.map._subplot.map.getCenter();
        return [plot.data[0].locations, marks, [c.lat, c.lng]];""",
        graph_id,
    )
    spots = sorted((distance_km(*centre, *h3.cell_to_latlng(c)), h3.cell_to_latlng(c)) for c in cells)
    return next(spot for _, spot in spots if all(distance_km(*spot, *m) > 1.0 for m in markers))


def click_at(browser, x: float, y: float) -> None:
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(x), int(y)).click()
    actions.perform()


def test_find_help_a_click_on_the_map_searches_there_for_several_needs(laptop, district: str) -> None:
    open_page(laptop, district, "/find-help?need=food,housing&radius=3")
    traces = wait_until(lambda: plot_traces(laptop, ids.HELP_MAP), timeout=30, what="the map")
    outlines = laptop.execute_script(
        "const p = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');return p.data[0].marker.line.width;",
        ids.HELP_MAP,
    )
    assert traces[0]["type"] == "choroplethmap" and traces[0]["n"] > 100 and outlines > 0  # never a blank box
    lat, lon = open_spot(laptop, ids.HELP_MAP)
    x, y = map_point(laptop, ids.HELP_MAP, lat, lon)
    click_at(laptop, x, y)
    wait_until(
        lambda: "," in (laptop.find_element(By.ID, ids.HELP_PLACE).get_attribute("value") or ""),
        what="the clicked spot as the place",
    )
    status = wait_until(
        lambda: (
            "within 3 km" in laptop.find_element(By.ID, ids.HELP_STATUS).text
            and laptop.find_element(By.ID, ids.HELP_STATUS).text
        ),
        what="the search from the click",
    )
    assert "food assistance or housing" in status.lower()
    rows = wait_until(lambda: grid_rows(laptop, ids.HELP_TABLE), what="result rows")
    needs = " ".join(
        laptop.execute_script(
            "const out = []; dash_ag_grid.getApi(arguments[0]).forEachNode(n => out.push(n.data.needs));return out;",
            ids.HELP_TABLE,
        )
    )
    assert "food" in needs and "housing" in needs
    legend = [t["name"] for t in plot_traces(laptop, ids.HELP_MAP)]
    assert "searching from the clicked spot" in legend and "the family's place" not in legend
    found = next(t for t in plot_traces(laptop, ids.HELP_MAP) if t["name"].startswith("services found"))
    assert found["n"] == len(rows)
    assert console_errors(laptop) == []


def test_find_help_rows_show_name_address_hours_and_phone_without_a_scroll(laptop, district: str) -> None:
    open_page(laptop, district, "/find-help?place=school%3Asch-0001&need=food")
    wait_until(lambda: grid_rows(laptop, ids.HELP_TABLE), timeout=30, what="result rows")
    scroll = laptop.execute_script(
        """
        const v = document.querySelector('#' + arguments[0] + ' .ag-center-cols-viewport');
        return [v.scrollWidth, v.clientWidth];""",
        ids.HELP_TABLE,
    )
    assert scroll[0] <= scroll[1] + 1, scroll  # no horizontal scroll
    cut = laptop.execute_script(
        """
        return [...document.querySelectorAll('#' + arguments[0] + ' .ag-cell')]
            .filter(c => c.scrollWidth > c.clientWidth + 1 || c.getBoundingClientRect().right > window.innerWidth)
            .map(c => c.getAttribute('col-id'));""",
        ids.HELP_TABLE,
    )
    assert cut == [], cut
    shown = laptop.execute_script(
        "return [...document.querySelectorAll('#' + arguments[0] + ' .ag-header-cell-text')].map(h => h.textContent)",
        ids.HELP_TABLE,
    )
    assert {"Service", "Agency", "Phone", "Hours", "Address", "Languages"} <= set(shown)
    cut_headers = laptop.execute_script(
        "return [...document.querySelectorAll('#' + arguments[0] + ' .ag-header-cell-text')]"
        ".filter(h => h.scrollWidth > h.clientWidth + 1).map(h => h.textContent)",
        ids.HELP_TABLE,
    )
    assert cut_headers == []
    languages = laptop.execute_script(
        "const out = []; dash_ag_grid.getApi(arguments[0]).forEachNode(n => out.push(n.data.languages));"
        "return out.join(', ');",
        ids.HELP_TABLE,
    )
    assert "English" in languages or "Spanish" in languages
    legend = [t["name"] for t in plot_traces(laptop, ids.HELP_MAP)]
    assert any(name.startswith("searching from the school") for name in legend), legend
    screenshot(laptop, "find-help-1366")
    assert console_errors(laptop) == []


def test_paths_say_which_limit_stopped_them_and_how_to_reach_the_last_hop(laptop, district: str) -> None:
    open_page(laptop, district, "/paths?from=School%3Asch-0008&to=need%3Acrisis&radius=5")
    status = wait_until(lambda: laptop.find_element(By.ID, ids.PATHS_STATUS).text, timeout=30, what="the status")
    assert "No provider of crisis intervention within 5 km" in status and "widen the radius" in status
    laptop.find_element(By.CSS_SELECTOR, f"#{ids.PATHS_RADIUS} input[value='15']").click()
    wait_until(
        lambda: "routes" in laptop.find_element(By.ID, ids.PATHS_STATUS).text, timeout=30, what="routes within 15 km"
    )
    items = [li.text for li in laptop.find_elements(By.CSS_SELECTOR, f"#{ids.PATHS_EXPLAIN} li")]
    assert items and len(set(items)) == len(items)  # no two routes read word for word the same
    assert all("How to reach them:" in item and "(617)" in item for item in items)
    assert "radius=15" in laptop.current_url
    screenshot(laptop, "paths-1366")
    assert console_errors(laptop) == []


def test_map_colours_come_in_named_classes_with_deserts_solid(laptop, district: str) -> None:
    open_page(laptop, district, "/map?need=food")
    traces = wait_until(lambda: plot_traces(laptop, ids.MAP_GRAPH), timeout=60, what="the map")
    classes = [t for t in traces if t["type"] == "choroplethmap"]
    assert classes[0]["name"].startswith("desert") and classes[0]["n"] == 46
    assert len(classes) == 6 and all("places per student" in t["name"] for t in classes[1:])
    sizes = [t["n"] for t in classes[1:]]
    assert max(sizes) - min(sizes) <= max(sizes) // 4  # quantiles: no class swallows the rest
    legend = laptop.find_elements(By.CSS_SELECTOR, f"#{ids.MAP_GRAPH} .legend .traces")
    assert len(legend) >= 6
    summary = laptop.find_element(By.ID, ids.MAP_SUMMARY).text
    drawn = next(t["n"] for t in traces if t["name"].startswith("service sites"))
    assert f"at {drawn} site(s)" in summary  # the count says what the map draws
    screenshot(laptop, "map-1366")
    assert console_errors(laptop) == []


def test_network_focus_on_one_organisation_fades_the_rest_and_names_communities(laptop, district: str) -> None:
    open_page(laptop, district, "/network?focus=School%3Asch-0001")
    counts = wait_until(
        lambda: laptop.execute_script(
            "const c = document.querySelector('#' + arguments[0])._cyreg; if (!c || !c.cy) { return null; }"
            "const n = c.cy.nodes().length;"
            "return n ? [c.cy.nodes('.focus').length, c.cy.nodes('.faded').length, n] : null;",
            ids.NETWORK_GRAPH,
        ),
        timeout=120,
        what="the focused network",
    )
    assert counts[0] == 1 and 0 < counts[1] < counts[2]
    assert "betweenness" in laptop.find_element(By.ID, ids.NETWORK_DETAILS).text
    assert "community 1" in laptop.find_element(By.ID, ids.NETWORK_LEGEND).text
    screenshot(laptop, "network-1366")
    assert console_errors(laptop) == []
