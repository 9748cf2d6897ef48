"""Opening hours as people write them, read for "is it open now?"."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.queries._hours import Opening, is_open, parse_hours

MONDAY = dt.date(2025, 3, 3)  # a Monday


def at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    """Monday is day 0."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(hh, mm))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon-Fri 9:00-17:00", [Opening(d, 540, 1020) for d in range(5)]),
        ("Sat 10:00-14:00", [Opening(5, 600, 840)]),
        ("9:00am-5pm", [Opening(d, 540, 1020) for d in range(7)]),
        ("Mon, Wed 9am-1pm; Sat 10-2", [Opening(0, 540, 780), Opening(2, 540, 780), Opening(5, 600, 840)]),
        ("Tuesday through Thursday 8:30 a.m. - 4 p.m.", [Opening(d, 510, 960) for d in (1, 2, 3)]),
        ("1-5pm", [Opening(d, 780, 1020) for d in range(7)]),
        ("Fri-Mon 10-noon", [Opening(d, 600, 720) for d in (4, 5, 6, 0)]),
        ("Weekends 8:00-12:30", [Opening(5, 480, 750), Opening(6, 480, 750)]),
    ],
)
def test_parse_hours(text: str, expected: list[Opening]) -> None:
    assert list(parse_hours(text)) == expected


@pytest.mark.parametrize("text", ["", "by appointment", "Mon-Fri", "call us"])
def test_unreadable_hours_are_unknown(text: str) -> None:
    assert parse_hours(text) is None
    assert is_open(text, at(0, 10)) is None


@pytest.mark.parametrize(
    ("text", "when", "expected"),
    [
        ("Mon-Fri 9:00-17:00", at(0, 9, 0), True),  # opening minute is open
        ("Mon-Fri 9:00-17:00", at(0, 17, 0), False),  # closing minute is closed
        ("Mon-Fri 9:00-17:00", at(4, 16, 59), True),
        ("Mon-Fri 9:00-17:00", at(5, 12), False),  # Saturday
        ("Mon-Thu 15:00-19:00", at(3, 18), True),
        ("Mon-Thu 15:00-19:00", at(4, 18), False),  # Friday
        ("Fri 20:00-02:00", at(4, 23), True),  # past midnight: the evening ...
        ("Fri 20:00-02:00", at(5, 1, 30), True),  # ... and the small hours of Saturday
        ("Fri 20:00-02:00", at(5, 2, 0), False),
        ("Fri 20:00-02:00", at(3, 1), False),  # not the small hours of Friday
        ("24/7", at(6, 3), True),
        ("9:00am-5pm", at(6, 12), True),
    ],
)
def test_is_open(text: str, when: dt.datetime, expected: bool) -> None:
    assert is_open(text, when) is expected
