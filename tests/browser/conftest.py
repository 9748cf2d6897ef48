"""Browser tests: headless Debian Chromium (Selenium) against the dashboard served on the small
demo city, in a background thread on a free loopback port, one server and one browser per session
(and a second server with sign-in, for the pages of signed-in roles).

Screenshots go to a temporary folder, so a test run leaves the working tree alone (``KITH_SCREENSHOTS``
names another, relative to the repository); the README's are taken by ``tools/screenshots.py``.

Skips (with the reason, shown by ``-ra``) when Chromium or its driver is not installed; `make test`
installs both.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from kith.graph.memory import MemoryStore
from kith.ingest import demo_city
from kith.settings import KithSettings

ROOT = Path(__file__).resolve().parents[2]
#: Where the tests' screenshots go: KITH_SCREENSHOTS, else a temporary folder.
SCREENSHOTS = (
    ROOT / os.environ["KITH_SCREENSHOTS"]
    if os.environ.get("KITH_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / f"kith-screenshots-{os.getuid()}"
)
PASSWORD = "a long enough password"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: Map tile and glyph servers (glyphs: the numbers on pins): offline, their fetches fail, which is expected
#: noise and nothing else is.
TILE_HOSTS = ("tile.openstreetmap.org", "basemaps.cartocdn.com", "tiles.stadiamaps.com", "fonts.openmaptiles.org")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
    "--window-size=1400,1000",
    "--hide-scrollbars",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def demo_app(tmp_path_factory: pytest.TempPathFactory, size: str) -> Any:
    """The dashboard app on a fresh demo city of ``size`` (seed 7), in demo mode, in a home of its own."""
    from kith.dashboard.app import create_app

    home = tmp_path_factory.mktemp(f"kith-home-{size}")
    store = MemoryStore.open(home / "graph.msgpack")
    demo_city.rebuild(store, size, seed=7)
    store.close()
    return create_app(KithSettings(_env_file=None, home=home, demo=True, neo4j_uri=None))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the small demo city, in demo mode, at the returned base URL."""
    with _serving(demo_app(tmp_path_factory, "small")) as url:
        yield url


@pytest.fixture(scope="session")
def signed_in_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the small demo city with sign-in (not demo mode): users ``ada`` (admin) and
    ``pat`` (planner), both with :data:`PASSWORD`."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from kith.dashboard.app import create_app
    from kith.trust.users import Users

    home = tmp_path_factory.mktemp("kith-home-signed-in")
    store = MemoryStore.open(home / "graph.msgpack")
    demo_city.build(store, "small", seed=7)
    store.close()
    users = Users(home, hasher=PasswordHasher.from_parameters(CHEAPEST))
    users.add("ada", "admin", PASSWORD)
    users.add("pat", "planner", PASSWORD)
    settings = KithSettings(_env_file=None, home=home, demo=False, neo4j_uri=None, pseudonym_key=None)
    with _serving(create_app(settings)) as url:
        yield url


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    """Serve a dashboard app on a free loopback port in a thread; its URL."""
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=httpd.serve_forever, name="dashboard", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        app.server.config["KITH_DATA"].close()


@pytest.fixture(scope="session")
def driver() -> Iterator[object]:
    with chromium() as browser:
        yield browser


@contextlib.contextmanager
def chromium(*flags: str, size: tuple[int, int] | None = None, page_load_timeout: float = 30) -> Iterator[Any]:
    """Headless Debian Chromium as the browser tests drive it (:data:`FLAGS`, then ``flags``), its console
    logged, with a window of ``size`` if given. Without Chromium: a skip, and in CI a failure."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        missing = "Chromium or chromedriver is not installed (`make browser-deps` installs Debian's)"
        if os.environ.get("CI"):  # `make test` installs them: in CI their absence is a failure, not a skip
            pytest.fail(missing)
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kith-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, *flags, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(page_load_timeout)
    if size:
        browser.set_window_size(*size)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(browser: object) -> list[str]:
    """Severe browser-log entries since the last call, except failed fetches of map tiles
    (the network error, and the map library's report of the same failed fetch)."""
    errors = []
    for entry in browser.get_log("browser"):  # type: ignore[attr-defined]
        if entry["level"] != "SEVERE" or _tile_fetch(entry):
            continue
        errors.append(entry["message"])
    return errors


_MAP_FETCH_FAILED = re.compile(r"AJAXError: Failed to fetch \(0\): (\S+)")


def _tile_fetch(entry: dict) -> bool:
    message = entry["message"]
    if entry.get("source") == "network":
        url = message.split(" ", 1)[0]
    else:
        match = _MAP_FETCH_FAILED.search(message)
        if entry.get("source") != "console-api" or not match:
            return False
        url = match.group(1)
    return (urlparse(url).hostname or "").endswith(TILE_HOSTS)


def wait_until(condition: Callable[[], object], *, timeout: float = 20.0, what: str = "the condition") -> object:
    """Poll ``condition`` until it returns something truthy (it may raise meanwhile)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - the page is still changing
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))


def settle(browser: object, *, timeout: float = 20.0) -> None:
    """Wait until Dash has no callback in flight and the page is painted."""
    script = (
        "return document.readyState === 'complete' && !!document.querySelector('#react-entry-point')"
        " && !document.querySelector('[data-dash-is-loading=\"true\"]')"
        " && !document.querySelector('._dash-loading');"
    )
    wait_until(lambda: browser.execute_script(script), timeout=timeout, what="Dash to settle")  # type: ignore[attr-defined]
    time.sleep(0.3)


def screenshot(browser: object, name: str, *, max_height: int = 1800) -> Path:
    """Save the whole page (up to ``max_height`` px tall) to :data:`SCREENSHOTS`/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    width, height = browser.get_window_size()["width"], browser.get_window_size()["height"]  # type: ignore[attr-defined]
    full = browser.execute_script("return document.documentElement.scrollHeight")  # type: ignore[attr-defined]
    browser.set_window_size(width, min(max(full, height), max_height))  # type: ignore[attr-defined]
    time.sleep(0.5)
    try:
        browser.save_screenshot(str(path))  # type: ignore[attr-defined]
    finally:
        browser.set_window_size(width, height)  # type: ignore[attr-defined]
    return path
