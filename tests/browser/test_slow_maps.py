"""A map that waits on the network (a slow network, a busy machine, a firewall) still draws its data.

Shapes. The access classes of a map share one GeoJSON URL. plotly fetches it for the first trace and has
the others poll for it, giving up after 5 s: the draw then failed and the map showed its tiles and nothing
else (seen as a what-if map with no clickable cell under a loaded CI run). Here every GeoJSON answer takes
longer than that.

Tiles. plotly adds a map's data once the map library says ``load``, which it says only while drawing a
frame once every tile is in or has failed. A tile that fails draws no frame, so when the last basemap tile
failed after the last frame (offline, behind a school's firewall, on a busy machine), ``load`` never came
and the map kept its data to itself until someone moved it (seen as the same CI failure). And when
``load`` came late, plotly drew the figure the map had been made for, undoing any drawn since (a ZIP
searched meanwhile). Here every tile server is one that holds each connection, then drops it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kith.dashboard import ids
from kith.graph.geo import distance_km
from tests.browser.conftest import TILE_HOSTS, _serving, chromium, console_errors, demo_app, wait_until
from tests.browser.test_maps import _farthest_area, _map_call, _search_zip
from tests.browser.test_pages import plot_traces

pytestmark = pytest.mark.browser

#: Seconds each GeoJSON answer is held back: more than plotly's 5 s of polling for a shared URL.
SLOW_S = 7
#: Seconds the tile server holds a page's tile connections before dropping them: longer than the page
#: takes to draw.
TILE_HOLD_S = 5

_LAYERS = """
    const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    const map = plot && plot._fullLayout.map && plot._fullLayout.map._subplot.map;
    if (!map) return null;
    const layers = map.getStyle().layers.map(l => l.id);
    return plot._fullData.filter(t => t.type === 'choroplethmap')
        .map(t => [t.name, layers.some(id => id.includes(t.uid))]);"""


def _every_trace_drawn(browser: object, graph_id: str, *, timeout: float) -> list[list[object]]:
    return wait_until(
        lambda: (found := browser.execute_script(_LAYERS, graph_id)) and all(d for _, d in found) and found,  # type: ignore[attr-defined]
        timeout=timeout,
        what="every cell trace of the what-if map drawn on the map",
    )


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
    drawn = _every_trace_drawn(driver, ids.GAPS_WHATIF_MAP, timeout=60)
    assert len(drawn) >= 3, drawn  # the clickable cells and at least two access classes, all from slow URLs
    assert console_errors(driver) == []


class _DroppingTileServer:
    """A loopback TCP server that answers no tile: from its first connection after :meth:`hold`, it holds every
    connection until :data:`TILE_HOLD_S` seconds have passed, then drops it with bytes that are not TLS (to
    the browser, a failed fetch, as offline, and not one to try again); later connections are dropped at
    once. ``connections`` counts them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._until: float | None = None
        threading.Thread(target=self._accept, name="tile-server", daemon=True).start()

    def hold(self) -> None:
        """Hold again, from the next connection (a new page's tiles)."""
        self._until = None

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.connections += 1
            if self._until is None:
                self._until = time.monotonic() + TILE_HOLD_S
            threading.Timer(max(0.0, self._until - time.monotonic()), self._drop, (conn,)).start()

    @staticmethod
    def _drop(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")
        conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def late_failing_tiles() -> Iterator[tuple[object, _DroppingTileServer]]:
    """A browser whose every tile server is a :class:`_DroppingTileServer`, and that server."""
    tiles = _DroppingTileServer()
    rules = ",".join(f"MAP {host} 127.0.0.1:{tiles.port}, MAP *.{host} 127.0.0.1:{tiles.port}" for host in TILE_HOSTS)
    try:
        with chromium(f"--host-resolver-rules={rules}") as browser:
            yield browser, tiles
    finally:
        tiles.close()


def test_a_map_whose_tiles_fail_late_draws_every_class(late_failing_tiles, server: str) -> None:
    browser, tiles = late_failing_tiles
    console_errors(browser)
    tiles.hold()
    browser.get(server + "/gaps?need=food&by=cell")
    drawn = _every_trace_drawn(browser, ids.GAPS_WHATIF_MAP, timeout=12 * TILE_HOLD_S)
    assert len(drawn) >= 3, drawn
    assert tiles.connections > 0  # the basemap did ask the dropping server for its tiles
    assert console_errors(browser) == []


def test_a_zip_searched_before_the_tiles_failed_stays_on_the_map_once_they_have(
    late_failing_tiles, server: str
) -> None:
    """plotly's first draw of a map, at "load", had put back the figure the map was made for: the map
    jumped back from the ZIP and dropped its outline once the tiles had failed."""
    browser, tiles = late_failing_tiles
    console_errors(browser)
    tiles.hold()
    browser.get(server + "/map?need=food")
    wait_until(lambda: plot_traces(browser, ids.MAP_GRAPH), timeout=60, what="the map")
    assert not _map_call(browser, ids.MAP_GRAPH, "return map.loaded();")  # its tiles still to come
    _, far = _farthest_area(browser)
    _search_zip(browser, far["text"][-5:])

    def on_the_zip() -> list[object] | None:  # loaded, every trace drawn, centred on the ZIP
        state = _map_call(browser, ids.MAP_GRAPH, _LOADED_CENTRE_DRAWN)
        return state if state[0] and distance_km(*state[1], far["lat"], far["lon"]) < 2.0 and state[2] else None

    _, _, traces = wait_until(on_the_zip, timeout=12 * TILE_HOLD_S, what="the map loaded, on the ZIP")
    assert any(name.startswith("ZIP ") for name in traces), traces
    time.sleep(1)  # and it stays there
    assert on_the_zip()
    assert console_errors(browser) == []


_LOADED_CENTRE_DRAWN = """
    const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    const layers = map.getStyle().layers.map(l => l.id);
    const drawn = plot._fullData.filter(t => t.name && layers.some(id => id.includes(t.uid))).map(t => t.name);
    const all = plot._fullData.every(t => layers.some(id => id.includes(t.uid)));
    const c = map.getCenter();
    return [map.loaded(), [c.lat, c.lng], all && drawn];"""
