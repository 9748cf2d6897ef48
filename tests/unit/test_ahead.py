"""``graph/_ahead.py``: the next batch is made while the caller writes this one, in order, errors in place."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kith.graph._ahead import ahead

WAIT_S = 30


def test_the_next_item_is_made_while_the_caller_still_holds_this_one() -> None:
    second_made = threading.Event()

    def items() -> Iterator[int]:
        yield 1
        second_made.set()
        yield 2

    got = []
    for item in ahead(items()):
        if item == 1:  # a plain loop would make 2 only after this body: the wait would time out
            assert second_made.wait(WAIT_S), "the second item was not made while the first was in use"
        got.append(item)
    assert got == [1, 2]


def test_items_keep_their_order_and_an_error_comes_at_its_place() -> None:
    def items() -> Iterator[int]:
        yield from range(50)
        raise ValueError("row 50 is bad")

    got: list[int] = []
    with pytest.raises(ValueError, match="row 50 is bad"):
        for item in ahead(items(), depth=3):
            got.append(item)
    assert got == list(range(50))


def test_a_caller_that_stops_early_stops_the_worker() -> None:
    made: list[int] = []
    finished = threading.Event()

    def items() -> Iterator[int]:
        try:
            for i in range(1_000_000):
                made.append(i)
                yield i
        finally:
            finished.set()

    stream = ahead(items())
    assert next(stream) == 0
    stream.close()
    assert finished.wait(WAIT_S), "the worker still makes items nobody takes"
    assert len(made) <= 3
