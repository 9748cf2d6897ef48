"""The README's screenshots, taken from the district demo city at a laptop's 1366×768.

Builds the district city (as ``kith demo`` does) in a temporary KITH_HOME, serves the dashboard on a
free loopback port in demo mode (and, for Load data, on a copy with an admin signed in), opens each
page the README shows in headless Chromium as the browser tests do (tests/browser/laptop.py), waits
until it is drawn and saves the page, 1366 px wide and as tall as it is (up to --max-height), to
docs/screenshots/NAME.png. Gaps runs its what-if first, Load data a dry run of a small agencies file.

    .venv/bin/python tools/screenshots.py [--only gaps,map] [--out docs/screenshots] [--home DIR]

--home keeps the city in DIR and reuses it the next time (it takes a while to build).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.by import By  # noqa: E402

from kith.dashboard import ids  # noqa: E402
from tests.browser import laptop  # noqa: E402
from tests.browser.conftest import settle, wait_until  # noqa: E402

#: Every map on the page has its data drawn and has stopped moving.
MAPS_DRAWN = """
return [...document.querySelectorAll('.js-plotly-plot')].every(p => {
  const sub = p._fullLayout && p._fullLayout.map && p._fullLayout.map._subplot;
  return !sub || (sub.map.loaded() && !sub.map.isMoving());
});
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--home", type=Path, help="build the city here, or reuse the one built here before")
    parser.add_argument("--max-height", type=int, default=2800, help="tallest screenshot, in px")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    wanted = [p for p in laptop.PAGES if not args.only or p.name in args.only.split(",")]
    if not wanted:
        parser.error(f"--only names none of: {', '.join(p.name for p in laptop.PAGES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kith-screenshots-") as scratch:
        home = args.home or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        if not (home / "graph.msgpack").exists():
            started = time.monotonic()
            laptop.build_district(home)
            print(f"built the district city in {time.monotonic() - started:.0f} s", flush=True)
        failed = []
        with laptop.chromium() as browser:
            demo = [p for p in wanted if not p.admin]
            if demo:
                with laptop.serving(home) as url:
                    failed += [p.name for p in demo if not _try(browser, url, p, args)]
            for page in (p for p in wanted if p.admin):
                with laptop.serving(home, admin=True) as url:
                    failed += [] if _try(browser, url, page, args, sign_in=True) else [page.name]
    if failed:
        print(f"not taken: {', '.join(failed)} (run again with --only {','.join(failed)})", file=sys.stderr)
    return 1 if failed else 0


def _try(browser: Any, url: str, page: laptop.Page, args: argparse.Namespace, *, sign_in: bool = False) -> bool:
    """Take one page's screenshot, trying once more if the page was not drawn in time (a busy machine)."""
    for _ in (1, 2):
        try:
            if sign_in:
                laptop.sign_in(browser, url)
            _take(browser, url, page, args.out, args.max_height)
            return True
        except Exception as exc:  # noqa: BLE001 - say which page and why, then go on with the others
            print(f"{page.name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
    return False


def _take(browser: Any, url: str, page: laptop.Page, out: Path, max_height: int) -> None:
    laptop.open_page(browser, url, page)
    if page.name == "gaps":  # before beside after
        browser.find_element(By.ID, ids.GAPS_WHATIF_RUN).click()
        wait_until(lambda: browser.find_element(By.ID, ids.GAPS_WHATIF_RESULT).text, timeout=120, what="the what-if")
    _drawn(browser)
    width, height = laptop.LAPTOP
    chrome = height - browser.execute_script("return window.innerHeight")
    full = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(full + chrome, height), max_height))
    try:
        browser.execute_script("window.scrollTo(0, 0)")
        _drawn(browser)
        path = out / f"{page.name}.png"
        browser.save_screenshot(str(path))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
    finally:
        browser.set_window_size(width, height)


def _drawn(browser: Any) -> None:
    settle(browser, timeout=120)
    wait_until(lambda: browser.execute_script(MAPS_DRAWN), timeout=60, what="the maps drawn")
    time.sleep(1.5)  # the last frame painted (maps fade in, the network's layout settles)


if __name__ == "__main__":
    raise SystemExit(main())
