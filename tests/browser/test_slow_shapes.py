"""A map whose cell shapes arrive slowly (a slow network, a busy machine) still draws every trace.

The access classes of a map share one GeoJSON URL. plotly fetches it for the first trace and has the
others poll for it, giving up after 5 s: the draw then failed and the map showed its tiles and nothing
else (seen as a what-if map with no clickable cell under a loaded CI run). Here every GeoJSON answer
takes longer than that."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from kith.dashboard import ids
from tests.browser.conftest import _serving, console_errors, demo_app, wait_until

pytestmark = pytest.mark.browser

#: Seconds each GeoJSON answer is held back: more than plotly's 5 s of polling for a shared URL.
SLOW_S = 7

_LAYERS = """
    const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    const map = plot && plot._fullLayout.map && plot._fullLayout.map._subplot.map;
    if (!map) return null;
    const layers = map.getStyle().layers.map(l => l.id);
    return plot._fullData.filter(t => t.type === 'choroplethmap')
        .map(t => [t.name, layers.some(id => id.includes(t.uid))]);"""


@pytest.fixture(scope="module")
def slow_shapes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the small demo city, each GeoJSON answer held back :data:`SLOW_S` seconds."""
    import flask

    app = demo_app(tmp_path_factory, "small")

    @app.server.before_request
    def slowly() -> None:
        if flask.request.path.endswith(".geojson"):
            time.sleep(SLOW_S)

    with _serving(app) as url:
        yield url


def test_a_map_whose_shapes_come_slowly_draws_every_class(driver, slow_shapes: str) -> None:
    console_errors(driver)
    driver.get(slow_shapes + "/gaps?need=food&by=cell")
    drawn = wait_until(
        lambda: (found := driver.execute_script(_LAYERS, ids.GAPS_WHATIF_MAP)) and all(d for _, d in found) and found,
        timeout=60,
        what="every cell trace of the what-if map drawn on the map",
    )
    assert len(drawn) >= 3, drawn  # the clickable cells and at least two access classes, all from slow URLs
    assert console_errors(driver) == []
