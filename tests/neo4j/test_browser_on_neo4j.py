"""The dashboard served on Neo4j, in a real browser: the Find help page lists the same services as it
does on the embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from kith._cli_export import copy_graph
from kith.dashboard import ids
from kith.graph.memory import MemoryStore
from kith.graph.neo4j_store import Neo4jStore
from tests.browser.conftest import _serving, console_errors, driver, server, settle, wait_until  # noqa: F401
from tests.browser.test_pages import grid_data, grid_rows, open_page, plot_traces
from tests.conftest import neo4j_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def neo4j_server(tmp_path: Path, small_store: MemoryStore, neo4j_store: Neo4jStore) -> Iterator[str]:
    """The dashboard in demo mode on this run's Neo4j holding the small demo city."""
    from kith.dashboard.app import create_app

    copy_graph(small_store, neo4j_store)
    neo4j_store.mark_demo_city("small")  # as `kith demo` marks what it builds: demo mode serves only that
    with _serving(create_app(neo4j_settings(home=tmp_path / "home", demo=True))) as url:
        yield url


def _find_help(browser, url: str, place: str) -> list[str]:
    open_page(browser, url, "/find-help")
    browser.find_element(By.CSS_SELECTOR, f"#{ids.HELP_PLACE}").send_keys(place, Keys.ENTER)
    wait_until(lambda: grid_rows(browser, ids.HELP_TABLE), what="result rows", timeout=60)
    assert wait_until(lambda: plot_traces(browser, ids.HELP_MAP), what="the map", timeout=60)
    settle(browser)
    return grid_data(browser, ids.HELP_TABLE)


def test_find_help_on_neo4j_lists_what_the_embedded_store_lists(driver, server: str, neo4j_server: str) -> None:  # noqa: F811
    on_neo4j = _find_help(driver, neo4j_server, "02119")
    assert len(on_neo4j) >= 3
    assert console_errors(driver) == []
    assert on_neo4j == _find_help(driver, server, "02119")
