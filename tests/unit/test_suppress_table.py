"""Complementary suppression: no small count can be worked out from the totals and the other cells."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.trust.suppression import COMPLEMENTARY, is_suppressed, suppress, suppress_lines, suppress_table


def _grid(t) -> list[list]:
    return [[*row, total] for row, total in zip(t.cells, t.row_totals)] + [[*t.column_totals, t.grand_total]]


def _feasible_values(shown: list[list], threshold: int, cap: int) -> dict[tuple[int, int], set[int]]:
    """Brute force, independent of the implementation: every 2x2 table a reader could believe
    (markers read as '<t' = 1..t-1, '*' = t..cap, numbers exact), and the values each inner cell takes."""

    def choices(value) -> range:
        if value == COMPLEMENTARY:
            return range(threshold, cap + 1)
        if isinstance(value, str):
            return range(1, threshold)
        return range(value, value + 1)

    axes = [np.array(choices(shown[r][c])) for r in range(2) for c in range(2)]
    a, b, c, d = np.meshgrid(*axes, indexing="ij", sparse=False)
    ok = np.ones(a.shape, dtype=bool)
    for total, value in (
        (shown[0][2], a + b),
        (shown[1][2], c + d),
        (shown[2][0], a + c),
        (shown[2][1], b + d),
        (shown[2][2], a + b + c + d),
    ):
        ok &= np.isin(value, np.array(choices(total)))
    return {cell: set(np.unique(arr[ok]).tolist()) for cell, arr in zip([(0, 0), (0, 1), (1, 0), (1, 1)], (a, b, c, d))}


def test_a_lone_small_cell_in_a_row_takes_the_next_smallest_with_it() -> None:
    table = suppress_table([[3, 40, 50], [20, 30, 60]])
    # 3 alone in its row would be 93 - 40 - 50; 3 with 40 in the row would still be 23 - 20 in its column:
    # the smallest rectangle of hidden cells protects it.
    assert table.cells == [["<10", "*", 50], ["*", "*", 60]]
    assert table.row_totals == [93, 110] and table.column_totals == [23, 70, 110] and table.grand_total == 203


def test_a_small_cell_with_nothing_else_in_its_line_hides_the_total() -> None:
    table = suppress_table([[12, 0], [0, 40]], threshold=10)
    assert table.cells == [[12, 0], [0, 40]]  # nothing small: unchanged
    table = suppress_table([[3, 0, 0], [15, 20, 40]])
    # row 0 total equals the cell itself: it is small, so suppressed by the primary rule
    assert table.row_totals[0] == "<10"
    assert table.cells[0][0] == "<10"
    grid = _grid(table)
    assert sum(1 for row in grid for v in row if is_suppressed(v)) >= 3


def test_nothing_small_means_nothing_hidden_and_zero_stays_zero() -> None:
    table = suppress_table([[0, 10], [25, 0]])
    assert table.cells == [[0, 10], [25, 0]] and table.grand_total == 35


@pytest.mark.parametrize("bad", [[], [[]], [[1, 2], [3]], [[-1, 2]]])
def test_bad_tables_are_refused(bad) -> None:
    with pytest.raises(ValueError):
        suppress_table(bad)


def test_markers_are_recognised() -> None:
    assert is_suppressed("<10") and is_suppressed(COMPLEMENTARY) and not is_suppressed(0)
    assert not is_suppressed("Lincoln") and suppress(0) == 0


small_tables = st.lists(st.lists(st.integers(0, 14), min_size=2, max_size=2), min_size=2, max_size=2)


@settings(max_examples=60, deadline=None)
@given(small_tables)
def test_no_small_cell_of_a_2x2_table_can_be_worked_out(counts) -> None:
    threshold = 4
    table = suppress_table(counts, threshold)
    shown = _grid(table)
    true = [[*row, sum(row)] for row in counts] + [[sum(c) for c in zip(*[[*r, sum(r)] for r in counts])]]
    for r, c in itertools.product(range(3), range(3)):
        value = shown[r][c]
        if 0 < true[r][c] < threshold:
            assert value == f"<{threshold}", (counts, shown)
        elif not is_suppressed(value):
            assert value == true[r][c]
    cap = sum(map(sum, counts)) + threshold
    values = _feasible_values(shown, threshold, cap)
    # With every non-zero count hidden, the markers alone may pin a cell (three cells of at least 1 under
    # a total "<4" are all 1): a table that small says no more than its markers, and nothing is left to hide.
    everything_hidden = all(is_suppressed(v) or v == 0 for row in shown for v in row)
    for (r, c), seen in values.items():
        assert counts[r][c] in seen  # the truth is one of the tables a reader could believe
        if shown[r][c] == f"<{threshold}" and not everything_hidden:
            assert len(seen) >= 2, (counts, shown, (r, c), seen)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(st.integers(0, 40), min_size=n, max_size=n), min_size=1, max_size=8)
    )
)
def test_no_small_cell_is_alone_in_a_line_with_a_shown_total(counts) -> None:
    table = suppress_table(counts)
    grid = _grid(table)
    for line in [*grid, *zip(*grid)]:
        *parts, total = line
        hidden = [v for v in parts if is_suppressed(v)]
        if not is_suppressed(total) and len(hidden) == 1:  # it is the total minus the others:
            assert hidden[0] == COMPLEMENTARY, (counts, grid)  # fine for a large cell, never for a small one


def test_a_lone_hidden_count_in_a_line_takes_the_next_smallest_with_it() -> None:
    shown = suppress_lines({"a": 3, "b": 40, "c": 12, "d": 0, "all": 55}, [(["a", "b", "c", "d"], "all")])
    assert shown == {"a": "<10", "b": 40, "c": COMPLEMENTARY, "d": 0, "all": 55}  # zero stays zero


def test_a_complement_that_still_pins_the_small_count_brings_a_third() -> None:
    # "<10" + "*" = 11 would mean 1 + 10: the reader knows both; a third hidden count frees them
    shown = suppress_lines({"a": 1, "b": 10, "c": 30, "all": 41}, [(["a", "b", "c"], "all")])
    assert shown == {"a": "<10", "b": COMPLEMENTARY, "c": COMPLEMENTARY, "all": 41}


def test_nested_lines_protect_a_small_count_through_the_upper_total() -> None:
    # cells x (3) and y (20) in area A; areas A and B (50) in the total. With y hidden beside x, A (23)
    # gives x + y = 23 with y >= 10: x is anywhere in 1..9, and the total adds nothing more.
    values = {"x": 3, "y": 20, "A": 23, "B": 50, "all": 73}
    shown = suppress_lines(values, [(["x", "y"], "A"), (["A", "B"], "all")])
    assert shown == {"x": "<10", "y": COMPLEMENTARY, "A": 23, "B": 50, "all": 73}
    # a small area: hidden with its cells, and the upper line then needs a second hidden count
    values = {"x": 3, "y": 4, "A": 7, "B": 50, "C": 12, "all": 69}
    shown = suppress_lines(values, [(["x", "y"], "A"), (["A", "B", "C"], "all")])
    assert shown["A"] == "<10" and shown["C"] == COMPLEMENTARY and shown["B"] == 50


def test_lines_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError):
        suppress_lines({"a": 1, "b": 2, "all": 4}, [(["a", "b"], "all")])
