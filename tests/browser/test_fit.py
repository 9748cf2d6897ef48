"""Every page on the district demo city at a laptop's 1366×768: no visible text is cut off (grid cells
and headers, dropdown values, chart titles, axis, bar and legend labels, buttons), nothing ends in an
ellipsis, no grid hides columns behind a sideways scroll and no page scrolls sideways. One city for the
module, served in demo mode and, for Load data, on a copy with an admin signed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import laptop
from tests.browser.conftest import console_errors

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def district_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("kith-home-fit")
    laptop.build_district(home)
    return home


@pytest.fixture(scope="module")
def district(district_home: Path) -> Iterator[str]:
    with laptop.serving(district_home) as url:
        yield url


@pytest.fixture(scope="module")
def district_admin(district_home: Path) -> Iterator[str]:
    with laptop.serving(district_home, admin=True) as url:
        yield url


@pytest.fixture()
def at_1366(driver) -> Iterator[object]:
    size = driver.get_window_size()
    driver.set_window_size(*laptop.LAPTOP)
    try:
        yield driver
    finally:
        driver.set_window_size(size["width"], size["height"])


@pytest.mark.parametrize("page", [p for p in laptop.PAGES if not p.admin], ids=lambda p: p.name)
def test_no_text_is_cut_off_at_1366(at_1366, district: str, page: laptop.Page) -> None:
    console_errors(at_1366)
    laptop.open_page(at_1366, district, page)
    cut = laptop.cut_text(at_1366)
    assert not cut, "\n".join(cut)
    assert console_errors(at_1366) == []


def test_no_text_is_cut_off_on_load_data_at_1366(at_1366, district_admin: str) -> None:
    page = next(p for p in laptop.PAGES if p.admin)
    try:
        laptop.sign_in(at_1366, district_admin)
        console_errors(at_1366)
        laptop.open_page(at_1366, district_admin, page)
        cut = laptop.cut_text(at_1366)
        assert not cut, "\n".join(cut)
        assert console_errors(at_1366) == []
    finally:
        at_1366.get(district_admin + "/logout")


def test_the_check_finds_text_cut_off(at_1366, district: str) -> None:
    """The check itself: text that overflows a hidden-overflow box, an ellipsis, a sideways scroll,
    a chart label outside its plot and a page wider than the window are each found."""
    laptop.open_page(at_1366, district, laptop.PAGES[0])
    at_1366.execute_script(
        """
        const add = (html) => { const d = document.createElement('div'); d.innerHTML = html;
                                document.querySelector('main').prepend(d.firstElementChild); };
        add('<div style="width:60px;overflow:hidden;white-space:nowrap">cut by a hidden overflow</div>');
        add('<div style="width:60px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis">with an ellipsis</div>');
        add('<div style="width:60px;overflow-x:auto;white-space:nowrap">behind a sideways scroll</div>');
        document.querySelector('.js-plotly-plot .bartext').setAttribute('x', '-4000');
        """
    )
    found = "\n".join(laptop.cut_text(at_1366))
    for text in ("cut by a hidden overflow", "with an ellipsis", "behind a sideways scroll", "outside the plot"):
        assert text in found
    assert "scrolls sideways" not in found
    at_1366.execute_script("document.querySelector('main').style.minWidth = '2000px';")
    assert any("scrolls sideways" in line for line in laptop.cut_text(at_1366))
