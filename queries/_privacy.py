"""Small-cell suppression: the one place every aggregate count passes before it leaves kith.

Counts from 1 to ``threshold - 1`` are replaced by a marker (``"<10"`` for the
default threshold of 10), as US education data releases do; zero stays zero,
since "no student" discloses nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

SUPPRESSED = "<{threshold}"


def suppress(count: int, threshold: int = 10) -> int | str:
    """``count`` if it is safe to show, else the marker ``"<threshold"``."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    if 0 < count < threshold:
        return SUPPRESSED.format(threshold=threshold)
    return count


def is_suppressed(value: object) -> bool:
    """Whether a shown value is a marker (a small count, or a cell hidden to protect one)."""
    return isinstance(value, str) and (value.startswith("<") or value == COMPLEMENTARY)


# ---------------------------------------------------------------- tables with totals

#: The marker of a cell hidden only so that a small cell cannot be derived from a total.
COMPLEMENTARY = "*"


class SuppressedTable(NamedTuple):
    """A table of counts ready to leave kith: cells, row totals, column totals and the grand total,
    each an ``int`` or a marker (``"<10"`` for a small count, ``"*"`` for a complementary cell)."""

    cells: list[list[int | str]]
    row_totals: list[int | str]
    column_totals: list[int | str]
    grand_total: int | str


def suppress_table(counts: Sequence[Sequence[int]], threshold: int = 10) -> SuppressedTable:
    """Suppress a table of counts shown with its row, column and grand totals.

    Primary suppression hides every count from 1 to ``threshold - 1`` (as
    :func:`suppress`). That alone is not enough where totals are shown: a row
    with one hidden cell gives it away as the total minus the other cells. So
    complementary suppression hides more cells (``"*"``) until no hidden small
    count can be worked out exactly from what is shown: each time one could,
    the smallest non-zero shown cell of a line (row or column) that determines it
    is hidden too, or that line's total when the line has no other cell to hide.

    What a reader knows is modelled as a linear system: shown cells are exact;
    a ``"<t"`` cell lies in ``[1, t-1]``; a ``"*"`` cell is at least ``t``
    (every smaller non-zero count is already ``"<t"``); each line sums to its
    total. A hidden small count is safe when its least and greatest values
    under that system differ. Two-way tables with totals have a totally
    unimodular constraint matrix, so the linear-programming bounds are the
    integer ones (the audit in Cox 1980, "Suppression methodology and
    statistical disclosure control", JASA 75:370, and in tau-ARGUS).

    When every non-zero count is hidden and the markers alone still pin a
    cell (three cells of at least 1 under a total of ``"<4"`` are all 1),
    there is nothing left to hide: such a table says no more than its markers.

    Parameters
    ----------
    counts
        The table's cells, rows of non-negative integers of equal length.
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed.

    Returns
    -------
    SuppressedTable
        The cells and totals, each an ``int`` or a marker.

    Examples
    --------
    >>> t = suppress_table([[3, 40, 50], [20, 30, 60]])
    >>> t.cells
    [['<10', '*', 50], [20, 30, 60]]
    >>> t.column_totals
    [23, 70, 110]
    """
    grid = _extended(counts)
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    lines = [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]  # parts..., total last
    lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]
    hidden: dict[tuple[int, int], str] = {
        (r, c): SUPPRESSED.format(threshold=threshold)
        for r, row in enumerate(grid) for c, value in enumerate(row) if 0 < value < threshold
    }
    while True:
        exposed = _exposed(grid, hidden, lines, threshold)
        if exposed is None:
            break
        cell = _complement_for(grid, hidden, lines, exposed, threshold)
        if cell is None:  # everything that could cover it is hidden already
            break
        hidden[cell] = COMPLEMENTARY
    shown = [[hidden.get((r, c), value) for c, value in enumerate(row)] for r, row in enumerate(grid)]
    return SuppressedTable(
        cells=[row[:-1] for row in shown[:-1]],
        row_totals=[row[-1] for row in shown[:-1]],
        column_totals=shown[-1][:-1],
        grand_total=shown[-1][-1],
    )


def _extended(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [[int(v) for v in row] for row in counts]
    if not rows or not rows[0]:
        raise ValueError("a table needs at least one row and one column")
    if any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("every row of a table must have the same number of cells")
    if any(v < 0 for row in rows for v in row):
        raise ValueError("a count cannot be negative")
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(col) for col in zip(*grid)])
    return grid


def _exposed(grid: list[list[int]], hidden: dict[tuple[int, int], str], lines: list[list[tuple[int, int]]],
             threshold: int) -> tuple[int, int] | None:
    """The first hidden small count a reader could work out exactly, or None."""
    if threshold <= 2:  # "<2" can only be 1: the marker itself says so, there is nothing to protect
        return None
    for cell in sorted(c for c, mark in hidden.items() if mark != COMPLEMENTARY):
        if _determined(grid, hidden, lines, threshold, cell):
            return cell
    return None


def _determined(grid: list[list[int]], hidden: dict[tuple[int, int], str], lines: list[list[tuple[int, int]]],
                threshold: int, cell: tuple[int, int]) -> bool:
    """Whether a reader's linear system pins ``cell`` to one value."""
    from scipy.optimize import linprog

    unknown = sorted(hidden)
    index = {c: i for i, c in enumerate(unknown)}
    equations, rhs = [], []
    for line in lines:
        if not any(c in index for c in line):
            continue
        *parts, total = line
        row = [0.0] * len(unknown)
        known = 0
        for c, sign in [*((p, 1) for p in parts), (total, -1)]:
            if c in index:
                row[index[c]] += sign
            else:
                known += sign * grid[c[0]][c[1]]
        equations.append(row)
        rhs.append(-known)
    bounds = [(1, threshold - 1) if hidden[c] != COMPLEMENTARY else (threshold, None) for c in unknown]
    objective = [0.0] * len(unknown)
    objective[index[cell]] = 1.0
    low = linprog(objective, A_eq=equations, b_eq=rhs, bounds=bounds, method="highs")
    high = linprog([-x for x in objective], A_eq=equations, b_eq=rhs, bounds=bounds, method="highs")
    if low.status != 0 or high.status == 3:  # infeasible cannot happen on true data; 3: unbounded above
        return False
    return round(-high.fun) - round(low.fun) < 1


def _complement_for(grid: list[list[int]], hidden: dict[tuple[int, int], str],
                    lines: list[list[tuple[int, int]]], cell: tuple[int, int], threshold: int) -> tuple[int, int] | None:
    """The cell to hide next while ``cell`` can be worked out.

    Candidates are the non-zero shown cells of lines that hold a hidden cell,
    inner cells before totals, smallest first (ties by position). The first
    whose hiding makes ``cell`` undetermined is taken; when no single cell
    does, the first candidate is (a later round adds the rest)."""
    frontier = {c for line in lines if any(h in hidden for h in line) for c in line}
    candidates = sorted(
        (c for c in frontier if c not in hidden and grid[c[0]][c[1]] > 0),
        key=lambda c: (c[0] == len(grid) - 1 or c[1] == len(grid[0]) - 1, grid[c[0]][c[1]], c),
    )
    for candidate in candidates:
        if not _determined(grid, {**hidden, candidate: COMPLEMENTARY}, lines, threshold, cell):
            return candidate
    return candidates[0] if candidates else None
