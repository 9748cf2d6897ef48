"""View state in the URL: a shared or hand-edited link gives a valid view, never an error."""

from __future__ import annotations

from kith.dashboard import _url


def test_choice_keeps_only_allowed_values() -> None:
    assert _url.choice({"need": "food"}, "need", {"food", "dental"}, "dental") == "food"
    assert _url.choice({"need": "<script>"}, "need", {"food"}, "food") == "food"
    assert _url.choice({}, "need", {"food"}, None) is None


def test_choices_split_and_filter() -> None:
    assert _url.choices({"layers": "schools,bogus,sites"}, "layers", ["schools", "sites"], []) == ["schools", "sites"]
    assert _url.choices({}, "layers", ["a"], ["a"]) == ["a"]
    assert _url.choices({"layers": ""}, "layers", ["a"], ["a"]) == []  # all switched off stays off


def test_number_within_bounds_else_default() -> None:
    assert _url.number({"age": "7"}, "age", None, low=0, high=25) == 7.0
    assert _url.number({"age": "70"}, "age", None, low=0, high=25) is None
    assert _url.number({"age": "seven"}, "age", 3, low=0, high=25) == 3


def test_text_and_flag() -> None:
    assert _url.text({"place": "  02119 "}, "place") == "02119"
    assert len(_url.text({"place": "x" * 500}, "place")) == 200
    assert _url.flag({"free": "1"}, "free") and not _url.flag({"free": "0"}, "free")
