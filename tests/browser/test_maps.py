"""Maps a planner can read and a what-if drawn on the map, on the district demo city at 1366×768 (the
small city has too few areas to crowd a map): area names that make room for each other, a ZIP search,
and a new site placed by a click with its result drawn before and after, hidden counts as ranges."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from kith.dashboard import ids
from kith.graph.geo import distance_km
from tests.browser import test_district
from tests.browser.conftest import console_errors, screenshot, settle, wait_until
from tests.browser.test_district import click_map, open_spot
from tests.browser.test_pages import open_page, plot_traces

pytestmark = pytest.mark.browser

#: The district city served once for this module, and the browser at 1366×768 (fixtures of test_district).
district = test_district.district
laptop = test_district.laptop

_LABELS = """
    const box = document.querySelector('#' + arguments[0] + ' .maplibregl-map');
    const frame = box.getBoundingClientRect();
    return [...box.querySelectorAll('.kith-labels .kith-label')].map(el => {
        const r = el.getBoundingClientRect();
        return {text: el.textContent, focus: el.classList.contains('kith-label-focus'),
                x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
                inside: r.left >= frame.left && r.right <= frame.right && r.top >= frame.top
                        && r.bottom <= frame.bottom};
    });"""


def labels(browser, graph_id: str) -> list[dict]:
    """The area names written over a map, as the page shows them."""
    return browser.execute_script(_LABELS, graph_id)


def _overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


def _map_call(browser, graph_id: str, script: str) -> object:
    return browser.execute_script(
        "const map = document.querySelector('#' + arguments[0] + ' .js-plotly-plot')._fullLayout.map._subplot.map;"
        + script,
        graph_id,
    )


def test_map_names_its_areas_without_the_map_fonts_and_more_as_one_zooms_in(laptop, district: str) -> None:
    console_errors(laptop)
    laptop.get(district + "/map?need=food")
    settle(laptop, timeout=120)
    traces = wait_until(lambda: plot_traces(laptop, ids.MAP_GRAPH), timeout=60, what="the map")
    screenshot(laptop, "map-names-1366")
    # never blank offline: every class is a layer of cell shapes with outlines, whatever the tiles do
    widths = laptop.execute_script(
        "return document.querySelector('#' + arguments[0] + ' .js-plotly-plot').data"
        ".filter(t => t.type === 'choroplethmap').map(t => t.marker.line.width);",
        ids.MAP_GRAPH,
    )
    assert sum(t["n"] for t in traces if t["type"] == "choroplethmap") > 300 and widths and min(widths) > 0
    named = wait_until(lambda: labels(laptop, ids.MAP_GRAPH), what="area names on the map")
    assert len(named) >= 8, named
    assert all(re.fullmatch(r".+ \d{5}", n["text"]) for n in named)  # a town and its ZIP code
    assert all(n["inside"] for n in named)
    assert not any(_overlap(a, b) for i, a in enumerate(named) for b in named[i + 1 :])
    every = laptop.execute_script(
        "return document.querySelector('#' + arguments[0] + ' .js-plotly-plot').layout.meta.kith_labels"
        ".map(l => l.text);",
        ids.MAP_GRAPH,
    )
    assert len(named) < len(every)  # zoomed out, not every name fits: the largest areas are named
    before = {n["text"] for n in named}
    _map_call(laptop, ids.MAP_GRAPH, "map.jumpTo({zoom: map.getZoom() + 1.5});")
    zoomed = wait_until(
        lambda: (found := labels(laptop, ids.MAP_GRAPH)) and {n["text"] for n in found} != before and found,
        what="the names redrawn for the new zoom",
    )
    assert {n["text"] for n in zoomed} - before  # zoomed in, names left out before have room
    assert not any(_overlap(a, b) for i, a in enumerate(zoomed) for b in zoomed[i + 1 :])
    assert console_errors(laptop) == []


def _search_zip(browser, text: str) -> None:
    box = browser.find_element(By.ID, ids.MAP_ZIP)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text, Keys.ENTER)


def _farthest_area(browser) -> tuple[list[float], dict]:
    """The Map page's centre (lat, lon), and the area name written on the map farthest from it."""
    every = browser.execute_script(
        "return document.querySelector('#' + arguments[0] + ' .js-plotly-plot').layout.meta.kith_labels;",
        ids.MAP_GRAPH,
    )
    centre = _map_call(browser, ids.MAP_GRAPH, "const c = map.getCenter(); return [c.lat, c.lng];")
    return centre, max(every, key=lambda label: distance_km(*centre, label["lat"], label["lon"]))


def test_map_zip_search_centres_on_the_zip_outlines_it_and_names_an_unknown_one(laptop, district: str) -> None:
    open_page(laptop, district, "/map?need=food")
    wait_until(lambda: plot_traces(laptop, ids.MAP_GRAPH), timeout=60, what="the map")
    centre, far = _farthest_area(laptop)
    code = far["text"][-5:]
    _search_zip(laptop, code)
    status = wait_until(
        lambda: code in (text := laptop.find_element(By.ID, ids.MAP_ZIP_STATUS).text) and text,
        what="what the ZIP search found",
    )
    assert "outlined" in status and "not" not in status
    settle(laptop)
    outline = wait_until(
        lambda: [t for t in plot_traces(laptop, ids.MAP_GRAPH) if t["name"].startswith(f"ZIP {code}")],
        what="the ZIP's outline",
    )
    assert outline[0]["n"] > 6
    moved = wait_until(
        lambda: (
            (c := _map_call(laptop, ids.MAP_GRAPH, "const c = map.getCenter(); return [c.lat, c.lng];"))
            and distance_km(*c, far["lat"], far["lon"]) < 2.0
            and c
        ),
        what="the map centred on the ZIP",
    )
    assert distance_km(*moved, far["lat"], far["lon"]) < 2.0 < distance_km(*centre, far["lat"], far["lon"])
    focus = wait_until(lambda: [n for n in labels(laptop, ids.MAP_GRAPH) if n["focus"]], what="the ZIP named")
    assert focus[0]["text"] == far["text"]
    assert f"zip={code}" in laptop.current_url
    screenshot(laptop, "map-zip-1366")

    _search_zip(laptop, "02999")
    wait_until(
        lambda: "No ZIP code 02999 is known" in laptop.find_element(By.ID, ids.MAP_ZIP_STATUS).text,
        what="the unknown ZIP named",
    )
    wait_until(  # the status and the figure come in one answer, but Plotly draws the figure a moment later
        lambda: not [t for t in plot_traces(laptop, ids.MAP_GRAPH) if t["name"].startswith("ZIP ")],
        what="the last ZIP's outline gone",
    )
    _search_zip(laptop, "Roxbury")
    wait_until(
        lambda: "is not a ZIP code" in laptop.find_element(By.ID, ids.MAP_ZIP_STATUS).text,
        what="a word that is no ZIP code named",
    )
    assert console_errors(laptop) == []


_HIDDEN_TEXTS = """
    const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    return plot.data.filter(t => t.customdata && t.legendgroup === 'access').flatMap(t => t.customdata
        .map(c => [String(c[1]), String(c[4])]));"""


def _caption(browser) -> str:
    """What the what-if map says it shows (its title, on the map itself)."""
    return browser.execute_script(
        "const p = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "return p && p.layout.title ? (p.layout.title.text || '') : '';",
        ids.GAPS_WHATIF_MAP,
    )


def test_what_if_a_click_on_the_map_places_the_site_and_draws_before_and_after(laptop, district: str) -> None:
    """No typed coordinates: a click places the new site and runs the what-if; the map shows after and,
    toggled, before, on one colour scale; hidden counts stay ranges and "+N hidden" stays said."""
    console_errors(laptop)
    laptop.get(district + "/gaps?need=food&by=cell")
    settle(laptop, timeout=120)  # the first page of the module may wait for the city's gaps to be computed
    wait_until(lambda: plot_traces(laptop, ids.GAPS_WHATIF_MAP), timeout=60, what="the what-if map")
    before = wait_until(lambda: _caption(laptop).startswith("Before:") and _caption(laptop), what="the caption")
    assert "with a hidden count" in before  # the "+N hidden" caveat, on the map too
    classes = [t for t in plot_traces(laptop, ids.GAPS_WHATIF_MAP) if "places per student" in t["name"]]
    assert classes and sum(t["n"] for t in classes) > 300
    laptop.find_element(By.ID, ids.GAPS_WHATIF_MAP).location_once_scrolled_into_view  # noqa: B018 - scrolls
    settle(laptop)
    for _ in range(3):  # on a loaded machine the map may still move between aiming and clicking: aim again
        lat, lon = open_spot(laptop, ids.GAPS_WHATIF_MAP)
        typed = laptop.find_element(By.ID, ids.GAPS_WHATIF_LAT).get_attribute("value")  # the field before
        click_map(laptop, ids.GAPS_WHATIF_MAP, lat, lon)
        placed = wait_until(
            lambda typed=typed: (
                (v := laptop.find_element(By.ID, ids.GAPS_WHATIF_LAT).get_attribute("value")) != typed and float(v)
            ),
            what="the clicked spot as the new site's latitude",
        )
        if abs(placed - lat) < 0.01:
            break
        settle(laptop)
    assert abs(placed - lat) < 0.01
    after = wait_until(lambda: _caption(laptop).startswith("After:") and _caption(laptop), timeout=90, what="after")
    assert "<br>students in deserts: at least" in after or "<br>students in deserts: 0" in after
    assert "at least" not in after or "with a hidden count" in after
    result = laptop.find_element(By.ID, ids.GAPS_WHATIF_RESULT).text
    assert "before" in result and "after" in result and "hidden count" in result  # the table keeps it too
    checked = laptop.find_element(By.CSS_SELECTOR, f"#{ids.GAPS_WHATIF_VIEW} input[value=after]")
    assert checked.is_selected()
    settle(laptop)
    new_site = wait_until(
        lambda: [t for t in plot_traces(laptop, ids.GAPS_WHATIF_MAP) if t["name"] == "the new site (in the result)"],
        what="the new site on the map",
    )
    assert new_site
    site = laptop.execute_script(
        "const p = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "const t = p.data.find(t => t.name === 'the new site (in the result)'); return [t.lat[0], t.lon[0]];",
        ids.GAPS_WHATIF_MAP,
    )
    assert distance_km(*site, lat, lon) < 0.3
    # never a full-precision value for an area whose count is hidden: its range, or "about" when it has none
    texts = laptop.execute_script(_HIDDEN_TEXTS, ids.GAPS_WHATIF_MAP)
    hidden = [text for count, text in texts if count.startswith("<") or count == "*"]
    assert hidden and all("hidden" in t and not re.search(r"\d\.\d{3}", t) for t in hidden), hidden[:5]
    assert any("range" in t for t in hidden)
    assert any(
        re.search(r"\d\.\d{3} places", text) for count, text in texts if count not in ("*",) and "<" not in count
    )
    screenshot(laptop, "gaps-what-if-1366")

    laptop.find_element(By.CSS_SELECTOR, f"#{ids.GAPS_WHATIF_VIEW} input[value=before]").click()
    wait_until(lambda: _caption(laptop).startswith("Before:"), what="before again")
    settle(laptop)
    names = [t["name"] for t in plot_traces(laptop, ids.GAPS_WHATIF_MAP)]
    assert "the new site (placed: run the what-if)" in names
    before_classes = [n for n in names if "places per student" in n]
    laptop.find_element(By.CSS_SELECTOR, f"#{ids.GAPS_WHATIF_VIEW} input[value=after]").click()
    wait_until(lambda: _caption(laptop).startswith("After:"), what="after again")
    settle(laptop)
    after_classes = [t["name"] for t in plot_traces(laptop, ids.GAPS_WHATIF_MAP) if "places per student" in t["name"]]
    # one scale: the classes start where the baseline's do (only the last may reach further)
    assert [re.match(r"[\d.]+", n)[0] for n in after_classes][:1] == [
        re.match(r"[\d.]+", n)[0] for n in before_classes
    ][:1]
    assert console_errors(laptop) == []
