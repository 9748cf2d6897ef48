"""The pages on the district demo city, as its three users meet them, at 1366×768: a planner's gaps
grid and maps, a social worker's search, a coalition's network. One served app for the module (the
city takes a while to build); each test leaves the window as it found it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from kith.dashboard import figures, ids
from tests.browser.conftest import _serving, console_errors, demo_app, screenshot, wait_until
from tests.browser.test_pages import grid_rows, open_page, plot_traces

pytestmark = pytest.mark.browser

LAPTOP = (1366, 768)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the district demo city, in demo mode, at the returned base URL."""
    with _serving(demo_app(tmp_path_factory, "district")) as url:
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
    names the spot, not a school), among those the map has drawn where nothing covers them."""
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
    away = [spot for _, spot in spots if all(distance_km(*spot, *m) > 1.0 for m in markers)][:40]

    def clickable() -> tuple[float, float] | None:  # drawn now, in view, with nothing (a name, a legend) on top
        why = "no cell away from the markers"
        for spot in away:
            x, y = map_point(browser, graph_id, *spot)
            if (why := browser.execute_script(_DRAWN_UNDER, graph_id, x, y)) is True:
                return spot
        raise AssertionError(f"none of the {len(away)} cells nearest the middle; at the last, {why}")

    return wait_until(clickable, timeout=30, what="a clickable cell near the map's middle")


def click_at(browser, x: float, y: float) -> None:
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(x), int(y)).click()
    actions.perform()


_DRAWN_UNDER = """
    const [id, x, y] = arguments;
    const plot = document.querySelector('#' + id + ' .js-plotly-plot');
    const view = plot.getBoundingClientRect();
    if (view.top < 0 || view.bottom > window.innerHeight) {
        plot.scrollIntoView({block: 'center'});
        return `the map is not wholly in the window (top ${view.top}, bottom ${view.bottom} of ${window.innerHeight})`;
    }
    const map = plot._fullLayout.map._subplot.map;
    if (!map.loaded()) return 'the map is loading';
    if (map.isMoving()) return 'the map is moving';
    const box = map.getCanvas().getBoundingClientRect();
    const top = document.elementFromPoint(x, y);
    if (top !== map.getCanvas()) return `covered by ${top ? top.tagName + '.' + top.getAttribute('class') : 'nothing'}`;
    const uid = plot._fullData[0].uid;
    const drawn = map.queryRenderedFeatures([x - box.left, y - box.top]).some(f => f.layer.id.includes(uid));
    return drawn || 'no cell drawn there';"""


def click_map(browser, graph_id: str, lat: float, lon: float) -> None:
    """Click a plotly map at (lat, lon) once the map stands still and has drawn its first trace (the
    clickable cells, loaded from a URL after the figure) under that point, with nothing on top of it."""

    def drawn() -> tuple[float, float] | None:
        x, y = map_point(browser, graph_id, lat, lon)
        if (why := browser.execute_script(_DRAWN_UNDER, graph_id, x, y)) is not True:
            raise AssertionError(why)  # named in the message of a wait that times out
        return x, y

    x, y = wait_until(drawn, timeout=30, what=f"the map's clickable cell at {lat:.4f}, {lon:.4f} drawn")
    click_at(browser, x, y)


def test_find_help_a_click_on_the_map_searches_there_for_several_needs(laptop, district: str) -> None:
    open_page(laptop, district, "/find-help?need=food,housing&radius=3")
    traces = wait_until(lambda: plot_traces(laptop, ids.HELP_MAP), timeout=30, what="the map")
    outlines = laptop.execute_script(
        "const p = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');return p.data[0].marker.line.width;",
        ids.HELP_MAP,
    )
    assert traces[0]["type"] == "choroplethmap" and traces[0]["n"] > 100 and outlines > 0  # never a blank box
    lat, lon = open_spot(laptop, ids.HELP_MAP)
    click_map(laptop, ids.HELP_MAP, lat, lon)
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
    legend = wait_until(  # the map comes in the same answer as the rows, and Plotly draws it a moment later
        lambda: (
            "searching from the clicked spot" in (names := [t["name"] for t in plot_traces(laptop, ids.HELP_MAP)])
            and names
        ),
        what="the map of the search from the click",
    )
    assert "the family's place" not in legend
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
    first, phones = laptop.execute_script(
        """
        const row = document.querySelector('#' + arguments[0] + ' .ag-center-cols-container .ag-row');
        const phones = [...document.querySelectorAll('#' + arguments[0] + ' .ag-cell[col-id="phone"]')];
        return [row.getBoundingClientRect().bottom - window.innerHeight,
                phones.filter(c => {  // more than one line high
                    const value = c.querySelector('.ag-cell-value') || c;
                    return value.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(value).lineHeight);
                }).length];""",
        ids.HELP_TABLE,
    )
    assert first <= 0, f"the first row ends {first:.0f} px below the window"  # seen without scrolling
    assert phones == 0  # a ten-digit phone number reads on one line
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
    wait_until(
        lambda: any(t["name"].startswith("searching from the school") for t in plot_traces(laptop, ids.HELP_MAP)),
        what="the map of the search from the school",
    )
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


def cy_run(browser, script: str) -> object:
    """Run ``script`` with ``cy`` bound to the network drawing's cytoscape instance."""
    return browser.execute_script(f"const cy = document.querySelector('#{ids.NETWORK_GRAPH}')._cyreg.cy; " + script)


def open_network(browser, server: str, query: str = "") -> int:
    """Open the Network page and wait for its drawing; the number of organisations drawn."""
    open_page(browser, server, "/network" + query)
    return wait_until(
        lambda: cy_run(browser, "return cy.nodes('[kind]').length;"), timeout=120, what="the network drawing"
    )


def focused(browser) -> list[str]:
    return cy_run(browser, "return cy.nodes('.focus').map(n => n.id());")


def test_network_focus_by_name_fades_the_rest_and_shows_its_numbers_and_needs(laptop, district: str) -> None:
    from tests.browser.test_pages import pick

    drawn = open_network(laptop, district)
    pick(laptop, ids.NETWORK_SEARCH, "Russell High School")
    wait_until(lambda: focused(laptop), what="the focused organisation")
    node = focused(laptop)[0]
    counts = cy_run(
        laptop,
        "const f = cy.nodes('.focus'); return [cy.nodes('.tie').length, cy.nodes('.faded').length,"
        " f.neighborhood('node').length, f.data('name')];",
    )
    assert counts[3] == "Russell High School" and node.startswith("School:")
    assert counts[0] == counts[2] > 0 and counts[0] + counts[1] + 1 == drawn  # its ties marked, the rest faded
    details = wait_until(lambda: laptop.find_element(By.ID, ids.NETWORK_DETAILS).text, what="the details")
    assert "Russell High School" in details
    for word in ("ties", "betweenness", "community", "Its students' needs", "Not met by any partner"):
        assert word in details
    assert "focus=School%3A" in laptop.current_url or "focus=School:" in laptop.current_url
    screenshot(laptop, "network-1366")
    assert console_errors(laptop) == []


def test_network_legend_names_distinct_colours_groups_the_small_and_filters(laptop, district: str) -> None:
    from tests.browser.test_pages import pick

    open_network(laptop, district)
    colours = cy_run(laptop, "return [...new Set(cy.nodes('[kind]').map(n => n.data('colour')))];")
    legend = laptop.find_element(By.ID, ids.NETWORK_LEGEND)
    coloured = [c for c in colours if c != figures.COMMUNITY_OTHER]
    assert sorted(coloured) == sorted(figures.COMMUNITY_COLOURS)  # each coloured community a colour of its own
    assert "smaller communities" in legend.text and legend.text.count("community ") == len(coloured)
    total = cy_run(laptop, "return cy.nodes('[kind]').length;")
    pick(laptop, ids.NETWORK_NEED, "Food")
    unfiltered = "return cy.nodes('[kind]').not('.filtered').map(n => [n.data('community'), n.data('kind')]);"
    with_need = wait_until(
        lambda: (lambda k: k if 0 < len(k) < total else None)(cy_run(laptop, unfiltered)), what="the need filter"
    )
    pick(laptop, ids.NETWORK_COMMUNITY, "12:")
    kept = wait_until(
        lambda: (lambda k: k if {c for c, _ in k} == {12} else None)(cy_run(laptop, unfiltered)),
        what="the community filter",
    )
    assert len(kept) <= len(with_need)
    laptop.find_element(By.CSS_SELECTOR, f"#{ids.NETWORK_KIND} input[value=School]").click()  # agencies only
    wait_until(
        lambda: (lambda k: k and {kind for _, kind in k} == {"Agency"} and {c for c, _ in k} == {12})(
            cy_run(laptop, unfiltered)
        ),
        what="the kind filter",
    )
    assert (
        "community=12" in laptop.current_url
        and "need=food" in laptop.current_url
        and "kind=Agency" in laptop.current_url
    )
    assert console_errors(laptop) == []


def test_network_names_only_the_most_central_until_zoomed_in(laptop, district: str) -> None:
    open_network(laptop, district)
    shown = (
        "const r = cy.renderer(); const ext = cy.extent();"
        "const named = cy.nodes('[kind]').filter(n => n.style('label') && r.eleTextBiggerThanMin(n)"
        " && n.position('x') > ext.x1 && n.position('x') < ext.x2 && n.position('y') > ext.y1 && n.position('y') < ext.y2);"
        "const boxes = named.map(n => n.boundingBox({includeNodes: false, includeLabels: true}));"
        "let overlaps = 0; for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {"
        " const a = boxes[i], b = boxes[j]; if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlaps++; }"
        "return [named.length, overlaps, cy.zoom(), named.map(n => [n.data('short'), n.classes().join(' ')])];"
    )
    named, overlaps, zoom, which = cy_run(laptop, shown)
    assert 5 <= named <= 20 and overlaps <= 3, (named, overlaps, zoom, which)  # a few names, not a hairball
    cy_run(laptop, "const c = cy.nodes('.hub').first(); cy.zoom({level: 2.2, position: c.position()});")
    wait_until(lambda: cy_run(laptop, shown)[2] > 2, what="the zoom")
    assert (
        cy_run(laptop, shown)[0] > 0
        and cy_run(
            laptop,
            "return cy.nodes('[kind]').filter(n => !n.hasClass('hub')"
            " && cy.renderer().eleTextBiggerThanMin(n)).length;",
        )
        > 0
    )  # zoomed in, the others are named too
    assert console_errors(laptop) == []


def test_network_a_click_on_a_list_item_or_a_node_focuses_that_organisation(laptop, district: str) -> None:
    from tests.browser.conftest import settle

    open_network(laptop, district)
    lists = laptop.find_element(By.ID, ids.NETWORK_LISTS)
    broker = lists.find_elements(By.CSS_SELECTOR, "ol li button")[0]
    name = broker.text
    broker.click()
    wait_until(lambda: cy_run(laptop, "return cy.nodes('.focus').data('name');") == name, what="the broker's focus")
    assert laptop.find_element(By.ID, ids.NETWORK_DETAILS).find_element(By.TAG_NAME, "h2").text == name
    # no two organisations drawn on top of each other, so a click lands on the one under the pointer
    overlapping = cy_run(
        laptop,
        "const ns = cy.nodes('[kind]'); let k = 0; for (let i = 0; i < ns.length; i++) for (let j = i + 1; j < ns.length; j++) {"
        " const a = ns[i], b = ns[j]; if (Math.hypot(a.position('x') - b.position('x'), a.position('y') - b.position('y'))"
        " < (a.width() + b.width()) / 2) k++; } return k;",
    )
    assert overlapping == 0
    targets = cy_run(laptop, "return cy.nodes('[kind = \"School\"]').slice(0, 4).map(n => [n.id(), n.data('name')]);")
    for ref, title in targets:
        x, y = cy_run(
            laptop,
            f"const n = cy.getElementById('{ref}'); cy.zoom(1.5); cy.center(n); const p = n.renderedPosition();"
            " const box = cy.container().getBoundingClientRect(); return [box.left + p.x, box.top + p.y];",
        )
        click_at(laptop, x, y)
        wait_until(
            lambda ref=ref: cy_run(laptop, "return cy.nodes('.focus').map(n => n.id());") == [ref],
            what=f"the focus on {title}",
        )
        settle(laptop)
        assert laptop.find_element(By.ID, ids.NETWORK_DETAILS).find_element(By.TAG_NAME, "h2").text == title
    assert console_errors(laptop) == []


def test_network_layout_keeps_each_community_together(laptop, district: str) -> None:
    open_network(laptop, district)
    ratio = cy_run(
        laptop,
        "const P = cy.nodes('[kind]').filter(n => n.data('community') <= 9)"
        ".map(n => [n.position('x'), n.position('y'), n.data('community')]);"
        "let same = 0, ns = 0, all = 0, na = 0;"
        "for (let i = 0; i < P.length; i++) for (let j = i + 1; j < P.length; j++) {"
        " const d = Math.hypot(P[i][0] - P[j][0], P[i][1] - P[j][1]); all += d; na++;"
        " if (P[i][2] === P[j][2]) { same += d; ns++; } }"
        "return (same / ns) / (all / na);",
    )
    # members of one community are far nearer each other than organisations in general (a hairball: ~0.8)
    assert ratio < 0.4, ratio


def test_network_suggested_partnerships_say_what_their_counts_are(laptop, district: str) -> None:
    open_network(laptop, district)
    text = laptop.find_element(By.ID, ids.NETWORK_LISTS).text
    part = text.split("Partnerships that would close a gap", 1)[1]
    assert "for * students" not in part and "*" not in part
    assert "would meet" in part and "students)" in part  # each need with its count of students
    assert "Students with any of these needs: not shown" in part  # a hidden count reads as such, with why
    assert "fewer than 10 students" in part  # a small count reads as what it is
    assert "would tell how many students have two needs at once" in part
