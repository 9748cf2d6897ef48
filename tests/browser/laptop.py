"""Every page of the dashboard on the district demo city, as a laptop's 1366×768 window shows it: the
pages and what each must have drawn before it is read, a check that finds every piece of visible text
the page cuts off, and the district city served in demo mode and, for Load data, with an admin signed in.

Used by ``test_fit.py`` (nothing may be cut off) and by ``tools/screenshots.py`` (the README's pictures).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from kith.dashboard import ids
from kith.graph.memory import MemoryStore
from kith.ingest import demo_city
from kith.settings import KithSettings
from tests.browser import conftest
from tests.browser.conftest import PASSWORD, _serving, settle, wait_until

LAPTOP = (1366, 768)
ADMIN = "ada"


@dataclass(frozen=True)
class Page:
    """A page as a person opens it: its address, and a script that is true once its content is drawn."""

    name: str
    path: str
    ready: str
    admin: bool = False


PAGES = (
    Page("overview", "/", f"return document.querySelectorAll('#{ids.OVERVIEW_GAPS} .bartext').length > 0;"),
    Page("map", "/map?need=food", f"return document.querySelectorAll('#{ids.MAP_GRAPH} .legend .traces').length > 0;"),
    Page(
        "gaps",
        "/gaps?need=food",
        f"return document.querySelectorAll('#{ids.GAPS_TABLE} .ag-center-cols-container .ag-row').length > 0"
        f" && document.querySelectorAll('#{ids.GAPS_DOMAIN_CHART} .bartext').length > 0"
        f" && document.querySelectorAll('#{ids.GAPS_SCHOOL_CHART} .bars path').length > 0;",
    ),
    Page(
        "network",
        "/network",
        f"const c = document.querySelector('#{ids.NETWORK_GRAPH}')._cyreg;"
        f" return !!(c && c.cy && c.cy.nodes().length) && !!document.querySelector('#{ids.NETWORK_LISTS} li');",
    ),
    Page(
        "find-help",
        "/find-help?place=school%3Asch-0001&need=food",
        f"return document.querySelectorAll('#{ids.HELP_TABLE} .ag-center-cols-container .ag-row').length > 0"
        f" && document.querySelectorAll('#{ids.HELP_MAP} .legend .traces').length > 0;",
    ),
    Page(
        "paths",
        "/paths?from=School%3Asch-0008&to=need%3Acrisis&radius=15",
        f"return document.querySelectorAll('#{ids.PATHS_EXPLAIN} li').length > 0;",
    ),
    Page("load-data", "/load", f"return !!document.querySelector('#{ids.LOAD_REPORT} table');", admin=True),
)

#: An agencies file for Load data's dry run: a column map to show, rows loaded and one quarantined with its reason.
AGENCIES = (
    "agency_id,agency_name,site_id,lat,lon,address,zip,service_name,need,capacity,languages,cost,hours\n"
    "up-1,Harbor Family Pantry,up-s1,42.331,-71.081,,,Weekend Meals,food,40,es,Free,\n"
    "up-2,Northside Tutoring Hub,up-s2,42.351,-71.061,,,Homework Help,tutoring,25,,sliding scale,\n"
    "up-3,Nowhere Clinic,up-s3,91,-71,,,Checkups,dental,10,,,\n"
)

#: Every piece of visible text the page cuts off, as "where: text (how)": text that ends in an ellipsis,
#: text partly outside a box that hides its overflow (a grid cell, a dropdown's value, a header), text
#: half out of sight sideways in a box that scrolls (a grid wider than its place), text of a chart
#: (titles, axis, bar and legend labels) outside its plot, and a page that scrolls sideways.
#: Text fully out of sight in a box that scrolls up and down (grid rows below its fold) is not cut.
CUT_TEXT = r"""
const out = [];
const shown = (el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true});
const where = (el) => {
  const owner = el.closest('[id]');
  const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/)[0] : '';
  return (owner ? '#' + owner.id + ' ' : '') + el.tagName.toLowerCase() + cls;
};
const page = document.documentElement;
if (page.scrollWidth > page.clientWidth + 1) out.push(`the page scrolls sideways (${page.scrollWidth} > ${page.clientWidth} px)`);
const scrolls = (o) => o === 'auto' || o === 'scroll';
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.textContent.trim();
  const el = node.parentElement;
  if (!text || !el || el.closest('svg, script, style, noscript, [aria-hidden="true"]') || !shown(el)) continue;
  const range = document.createRange();
  range.selectNodeContents(node);
  const box = range.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  for (let a = el; a && a !== document.body; a = a.parentElement) {
    const style = getComputedStyle(a);
    const outer = a.getBoundingClientRect();
    if (outer.width <= 2 || outer.height <= 2) break;  // a screen reader's text, hidden on purpose
    if (style.textOverflow === 'ellipsis' && a.scrollWidth > a.clientWidth + 1) {
      out.push(`${where(a)}: "${text}" (ends in an ellipsis)`);
      break;
    }
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const left = outer.left + a.clientLeft, right = left + a.clientWidth;
    const top = outer.top + a.clientTop, bottom = top + a.clientHeight;
    if (scrolls(style.overflowY) && (box.bottom <= top || box.top >= bottom)) break;  // scrolled out of sight
    const sideways = box.left < left - 1 || box.right > right + 1;
    const below = !scrolls(style.overflowY) && (box.top < top - 1 || box.bottom > bottom + 1);
    if (sideways || below) {
      const how = scrolls(style.overflowX) && sideways ? 'behind a sideways scroll' : 'cut off';
      out.push(`${where(el)} in ${where(a)}: "${text}" (${how})`);
      break;
    }
  }
}
for (const plot of document.querySelectorAll('.js-plotly-plot')) {
  const svg = plot.querySelector('.main-svg');
  if (!svg || !shown(svg)) continue;
  const edge = svg.getBoundingClientRect();
  for (const t of plot.querySelectorAll('text')) {
    if (!t.textContent.trim() || !shown(t)) continue;
    const b = t.getBoundingClientRect();
    if (b.width === 0) continue;
    if (b.left < edge.left - 1 || b.right > edge.right + 1 || b.top < edge.top - 1 || b.bottom > edge.bottom + 1) {
      out.push(`${where(plot)} chart text: "${t.textContent}" (outside the plot)`);
    }
  }
}
return [...new Set(out)];
"""


def cut_text(browser: Any) -> list[str]:
    """What :data:`CUT_TEXT` finds on the page the browser shows."""
    return browser.execute_script(CUT_TEXT)


def open_page(browser: Any, base: str, page: Page, *, timeout: float = 120) -> None:
    """Open a page and wait until its content is drawn (Load data: after a dry run of :data:`AGENCIES`)."""
    browser.get(base + page.path)
    settle(browser, timeout=timeout)
    if page.admin:
        _dry_run(browser)
    wait_until(lambda: browser.execute_script(page.ready), timeout=timeout, what=f"the {page.name} page drawn")
    settle(browser, timeout=timeout)


def _dry_run(browser: Any) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kith-upload-"))
    try:
        upload = folder / "new agencies.csv"
        upload.write_text(AGENCIES, encoding="utf-8")
        browser.find_element(By.CSS_SELECTOR, f"#{ids.LOAD_UPLOAD} input[type=file]").send_keys(str(upload))
        wait_until(lambda: "new agencies.csv" in browser.find_element(By.ID, ids.LOAD_FILE).text, what="the file")
        settle(browser)
        browser.find_element(By.ID, ids.LOAD_RUN).click()
        wait_until(lambda: browser.find_element(By.ID, ids.LOAD_STATUS).text, timeout=60, what="the dry run")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sign_in(browser: Any, base: str, name: str = ADMIN) -> None:
    """Sign in as ``name`` (with the tests' password) on the server at ``base``."""
    browser.get(base + "/logout")
    browser.get(base + "/login")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # not waiting for the page it lands on: the caller opens its own (the Overview's every-need chart, on the
    # district city with nothing computed ahead, takes a while)
    wait_until(lambda: "/login" not in browser.current_url, what="the sign-in")


def build_district(home: Path) -> None:
    """The district demo city, as ``kith demo`` builds it, in ``home``."""
    store = MemoryStore.open(home / "graph.msgpack")
    demo_city.rebuild(store, "district", seed=7)
    store.close()


@contextlib.contextmanager
def serving(home: Path, *, admin: bool = False) -> Iterator[str]:
    """The dashboard on the graph in ``home``: in demo mode, or (``admin``) on a copy of that graph with
    sign-in and the admin :data:`ADMIN`. Its base URL."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from kith.dashboard.app import create_app
    from kith.trust.users import Users

    copy = None
    if admin:
        copy = Path(tempfile.mkdtemp(prefix="kith-home-admin-"))
        shutil.copy2(home / "graph.msgpack", copy / "graph.msgpack")
        Users(copy, hasher=PasswordHasher.from_parameters(CHEAPEST)).add(ADMIN, "admin", PASSWORD)
    settings = KithSettings(_env_file=None, home=copy or home, demo=not admin, neo4j_uri=None, pseudonym_key=None)
    try:
        with _serving(create_app(settings, warm_up=not admin)) as url:
            yield url
    finally:
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)


def chromium(size: tuple[int, int] = LAPTOP) -> contextlib.AbstractContextManager[Any]:
    """Headless Debian Chromium, as the browser tests drive it, with a window of ``size``."""
    return conftest.chromium(size=size, page_load_timeout=60)
