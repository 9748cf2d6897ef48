"""Small-cell suppression: the one place every aggregate count passes before it leaves kith.

Counts from 1 to ``threshold - 1`` are replaced by a marker (``"<10"`` for the
default threshold of 10), as US education data releases do; zero stays zero,
since "no student" discloses nobody.

Where counts are shown beside a total they add up to, hiding the small ones is
not enough: a row with one hidden cell gives it away as the total minus the
other cells. The rule kith follows, and that a planner can explain:

1. **Primary**: every count from 1 to ``threshold - 1`` is shown as ``"<10"``;
   zero stays zero.
2. **Complementary**: a *line* is a set of counts shown with the total they add
   up to (the areas of a gap report and their total of students; the cells of
   a ZIP area and the area's count). When a line has exactly one hidden count
   (its total included), the next-smallest non-zero count of the line is hidden
   too (``"*"``), a total only when the line has no other count left to hide.
   This repeats until no line has a lone hidden count.
3. **Audit**: a reader who knows the rule knows ``"<10"`` is 1..9 and ``"*"`` at
   least 10, and can combine lines; whenever the shown values still pin a
   small count to one value (two ``"<10"`` under a shown 18 are both 9), the
   next-smallest shown count of its line is hidden as well. The check is
   exact: the least and greatest value of each hidden small count under every
   line (linear programming; for one line it is worked out directly). A count
   that the markers of its own fully hidden lines pin by themselves (nine
   ``"<10"`` cells under a ``"<10"`` area are all 1) is left as it is: hiding
   other counts cannot change what the markers say.
4. **Chosen sets**: a total over areas that the question's options choose
   (students in deserts, before and after a what-if) is never shown exactly,
   since two choices that differ by one area would give that area's count by
   subtraction: it adds up only the counts the rows show, and says how many
   areas with a hidden count it leaves out.

5. **Released values**: any other number released for an area that a count
   enters (an accessibility, a ratio, a what-if's result) is computed from the
   shown counts, never the hidden ones: a hidden count enters as the range a
   reader can already work out (its marker, narrowed by its lines) and as a
   stand-in inside that range (its line's hidden remainder, shared evenly), see
   :func:`released_counts`. Two sets of counts that show the same give the
   same released values, whatever a reader asks, so those values can only
   repeat what the shown counts say.

The same counts are suppressed the same way whatever the options of the
question, so two reports of one need never show a count one of them hides.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar

SUPPRESSED = "<{threshold}"

#: The marker of a count hidden only so that a small count cannot be derived from a total.
COMPLEMENTARY = "*"

#: A line: counts (by key) shown beside the key of the total they add up to.
Line = tuple[Sequence[Hashable], Hashable]
#: The keys of counts: any hashable value (names, tuples, positions); a function keeps its caller's type.
K = TypeVar("K", bound=Hashable)


_K_contra = TypeVar("_K_contra", bound=Hashable, contravariant=True)


class _Counts(Protocol[_K_contra]):
    """Counts by key: a mapping, or a sequence by position."""

    def __getitem__(self, key: _K_contra, /) -> int: ...


def suppress(count: int, threshold: int = 10) -> int | str:
    """``count`` if it is safe to show, else the marker ``"<threshold"``."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    if 0 < count < threshold:
        return SUPPRESSED.format(threshold=threshold)
    return count


def is_suppressed(value: object) -> bool:
    """Whether a shown value is a marker (a small count, or a count hidden to protect one)."""
    return isinstance(value, str) and (value.startswith("<") or value == COMPLEMENTARY)


def hidden_like(count: int, threshold: int = 10) -> str:
    """The marker of a count that must be hidden: ``"<10"`` when small, else ``"*"``."""
    return SUPPRESSED.format(threshold=threshold) if 0 < count < threshold else COMPLEMENTARY


def shown_sum(values: Sequence[int | str]) -> tuple[int, int]:
    """(sum of the shown counts, how many are hidden): a total over a chosen set of rows that
    tells nothing the rows do not (rule 4)."""
    return (sum(v for v in values if isinstance(v, int)), sum(1 for v in values if is_suppressed(v)))


def at_least(shown: int | str | None, hidden: int, *, areas: str = "areas") -> str:
    """A total over rows some of whose counts are hidden, as a person should read it (rule 4):
    the shown sum alone when nothing is hidden, else "at least N", N counting one student for each
    area with a hidden count (each has at least one), and what is hidden.

    >>> at_least(25, 0)
    '25'
    >>> at_least(0, 46, areas="cells")
    'at least 46 (46 cells with a hidden count, at least 1 student each)'
    >>> at_least(25, 3)
    'at least 28 (25 in areas shown, plus 3 areas with a hidden count, at least 1 student each)'
    """
    base = shown if isinstance(shown, int) and not isinstance(shown, bool) else 0
    if not hidden:
        return f"{shown:,}" if isinstance(shown, int) else str(shown if shown is not None else 0)
    unit = areas if hidden != 1 else areas.rstrip("s")
    what = f"{hidden:,} {unit} with a hidden count, at least 1 student each"
    return f"at least {base + hidden:,} (" + (f"{base:,} in {areas} shown, plus {what}" if base else what) + ")"


# ---------------------------------------------------------------- counts in lines


def suppress_lines(
    values: Mapping[K, int], lines: Sequence[tuple[Sequence[K], K]], threshold: int = 10
) -> dict[K, int | str]:
    """Suppress counts that are shown with totals they add up to (rules 1-3 of the module).

    Parameters
    ----------
    values
        Every count, by key (parts and totals alike), each a non-negative integer.
    lines
        ``(parts, total)``: the keys of counts shown beside the key of their total.
        A line's total must equal the sum of its parts.
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed.

    Returns
    -------
    dict
        Each key's shown value: the count, ``"<threshold"`` or ``"*"``.

    Examples
    --------
    >>> shown = suppress_lines({"a": 3, "b": 40, "c": 50, "all": 93}, [(["a", "b", "c"], "all")])
    >>> [shown[k] for k in ("a", "b", "c", "all")]
    ['<10', '*', 50, 93]
    """
    counts = {k: int(v) for k, v in values.items()}
    if any(v < 0 for v in counts.values()):
        raise ValueError("a count cannot be negative")
    lines = [(tuple(parts), total) for parts, total in lines]
    for parts, total in lines:
        missing = [k for k in (*parts, total) if k not in counts]
        if missing:
            raise ValueError(f"a line names counts that are not given: {missing!r}")
        if sum(counts[p] for p in parts) != counts[total]:
            raise ValueError(f"the parts of line {total!r} do not add up to its total")
    small = SUPPRESSED.format(threshold=threshold)
    hidden: dict[K, str] = {k: small for k, v in counts.items() if 0 < v < threshold}
    if threshold > 2 and hidden:  # "<2" can only be 1: the marker itself says so, there is nothing to protect
        # The rules run on the counts' positions: small integers hash and compare faster than keys,
        # and a position is also the order in which ties are broken.
        keys = list(counts)
        position = {k: i for i, k in enumerate(keys)}
        hidden_at = {position[k]: mark for k, mark in hidden.items()}
        _complement(
            list(counts.values()),
            hidden_at,
            [(tuple(position[p] for p in parts), position[total]) for parts, total in lines],
            threshold,
        )
        hidden = {keys[i]: mark for i, mark in hidden_at.items()}
    return {k: hidden.get(k, v) for k, v in counts.items()}


def _complement(
    counts: list[int], hidden: dict[int, str], lines: list[tuple[tuple[int, ...], int]], threshold: int
) -> None:
    """Rules 2 and 3 on counts by position (``hidden``, by position, is completed in place)."""
    members_of = [(*parts, total) for parts, total in lines]
    lines_of: list[list[int]] = [[] for _ in counts]
    for i, members in enumerate(members_of):
        for k in members:
            lines_of[k].append(i)
    totals = {total for _, total in lines}
    rank = [(k in totals, count, k) for k, count in enumerate(counts)]
    hidden_in = [sum(k in hidden for k in members) for members in members_of]

    def hide(key: int) -> None:
        hidden[key] = COMPLEMENTARY
        for i in lines_of[key]:
            hidden_in[i] += 1

    by_rank = [sorted((k for k in members if counts[k] > 0), key=rank.__getitem__) for members in members_of]
    cursor = [0] * len(members_of)

    def line_next(i: int) -> int | None:
        """The count to hide next in line ``i``: its smallest non-zero shown part, else its total
        (a cursor over its members in rank order: counts are only ever hidden, so it only moves on)."""
        members, at = by_rank[i], cursor[i]
        while at < len(members) and members[at] in hidden:
            at += 1
        cursor[i] = at
        return members[at] if at < len(members) else None

    memo: dict[tuple, list[int]] = {}
    stuck: set[int] = set()
    while True:
        progressed = True
        while progressed:  # rule 2: no line with a lone hidden count
            progressed = False
            for i in [i for i, n in enumerate(hidden_in) if n == 1 and i not in stuck]:
                if hidden_in[i] != 1:
                    continue
                pick = line_next(i)
                if pick is None:  # nothing left to hide in it, now or later
                    stuck.add(i)
                else:
                    hide(pick)
                    progressed = True
        exposed = _exposed(counts, hidden, lines, threshold, memo)  # rule 3
        picked = False
        pool: list[int] | None = None  # shown counts of every line that hides something
        for cell in exposed:
            nexts = [(i, line_next(i)) for i in lines_of[cell]]
            quiet = [members_of[i] for i, p in nexts if p is None]  # lines that show no count
            if _pinned_by_markers(cell, hidden, quiet, threshold):
                continue  # its markers alone pin it (nine "<10" under a "<10" are all 1): hiding more cannot help
            pick = next((p for _, p in nexts if p is not None), None)
            if pick is None:  # everything around it is hidden already: the markers alone pin it
                if pool is None:
                    pool = [
                        k
                        for k in sorted(
                            {k for i, n in enumerate(hidden_in) if n for k in members_of[i]}, key=rank.__getitem__
                        )
                        if counts[k] > 0
                    ]
                    pool_at = 0
                while pool_at < len(pool) and pool[pool_at] in hidden:
                    pool_at += 1
                pick = pool[pool_at] if pool_at < len(pool) else None
            if pick is not None and pick not in hidden:
                hide(pick)
                picked = True
        if not picked:
            return


def _pinned_by_markers(cell: int, hidden: Mapping[int, str], lines: list[tuple[int, ...]], threshold: int) -> bool:
    """Whether ``cell`` takes one value under those of its lines whose counts are all hidden (or
    zero), knowing only their markers: a reader learns that from the markers whatever else is shown."""
    if not lines:
        return False
    keys = sorted({k for members in lines for k in members if k in hidden})
    index = {k: i for i, k in enumerate(keys)}
    equations = []
    for *parts, total in lines:
        coefs: dict[int, int] = {}
        for k, sign in [*((p, 1) for p in parts), (total, -1)]:
            if k in index:
                coefs[index[k]] = coefs.get(index[k], 0) + sign
        equations.append((coefs, 0))
    lo, hi = _propagate(equations, [_bounds(hidden[k], threshold) for k in keys])[index[cell]]
    return math.floor(hi) <= math.ceil(lo)


def _bounds(mark: str, threshold: int) -> tuple[float, float]:
    return (threshold, math.inf) if mark == COMPLEMENTARY else (1, threshold - 1)


def _exposed(
    counts: Sequence[int],
    hidden: Mapping[int, str],
    lines: Sequence[tuple[tuple[int, ...], int]],
    threshold: int,
    memo: dict[tuple, list[int]] | None = None,
) -> list[int]:
    """The hidden small counts (by position) a reader could work out exactly from what is shown.

    ``memo`` keeps each system's answer by its hidden keys and their markers: a system no new
    hidden count has joined has the same equations, so the same answer."""
    found = []
    memo = {} if memo is None else memo
    for unknowns, equations in _systems(counts, hidden, lines):
        key = tuple((k, hidden[k]) for k in unknowns)
        if key in memo:
            found += memo[key]
            continue
        bounds = [_bounds(hidden[k], threshold) for k in unknowns]
        small = [i for i, k in enumerate(unknowns) if hidden[k] != COMPLEMENTARY]
        if len(equations) == 1 or _is_forest(len(unknowns), equations):  # lines in lines: propagation is exact
            ranges = _propagate(equations, bounds)
            pinned = [i for i in small if math.floor(ranges[i][1]) <= math.ceil(ranges[i][0])]
        else:
            pinned = [i for i in small if _pinned(i, equations, bounds)]
        memo[key] = [unknowns[i] for i in pinned]
        found += memo[key]
    return sorted(found)


def _is_forest(n_unknowns: int, equations: list[tuple[dict[int, int], int]]) -> bool:
    """Whether unknowns and equations, joined where an unknown is in an equation, form no cycle
    (the system of a hierarchy: cells in ZIP areas in a total)."""
    parent = list(range(n_unknowns + len(equations)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for e, (coefs, _) in enumerate(equations):
        for i in coefs:
            a, b = root(i), root(n_unknowns + e)
            if a == b:
                return False
            parent[a] = b
    return True


def _propagate(
    equations: list[tuple[dict[int, int], int]], bounds: list[tuple[float, float]], rounds: int | None = None
) -> list[tuple[float, float]]:
    """The range of each unknown, by narrowing each one to what every equation leaves it until
    nothing changes (or for at most ``rounds`` passes: each pass only drops values no solution has).
    On a system without cycles this is the exact range (Freuder 1982: a tree-structured problem that
    is arc consistent is globally consistent; sums of intervals are intervals); one equation needs
    one pass."""
    ranges = [(float(lo), float(hi)) for lo, hi in bounds]
    if len(equations) == 1:
        _narrow(*equations[0], ranges)
        return ranges
    changed = True
    while changed and (rounds is None or rounds > 0):
        rounds = None if rounds is None else rounds - 1
        changed = False
        for coefs, rhs in equations:
            changed = _narrow(coefs, rhs, ranges) or changed
    return ranges


def _narrow(coefs: dict[int, int], rhs: int, ranges: list[tuple[float, float]]) -> bool:
    """Narrow each unknown of ``sum(coef * x) == rhs`` to what the others' ranges leave it
    (``c * x_i = rhs - sum(others)``: the others at their most give the least of it, and back).
    Returns whether a range changed."""
    inf = math.inf
    terms = []  # (unknown, coefficient, least and most of its term)
    least_sum = most_sum = 0.0  # finite parts of the sums; the infinite terms are counted apart:
    least_inf = most_inf = 0  # a least is only ever -inf, a most only +inf (bounds are [lo >= 1, hi])
    for j, c in coefs.items():
        if c == 0:
            continue
        lo, hi = ranges[j]
        least, most = (c * lo, c * hi) if c > 0 else (c * hi, c * lo)
        terms.append((j, c, least, most))
        if least == -inf:
            least_inf += 1
        else:
            least_sum += least
        if most == inf:
            most_inf += 1
        else:
            most_sum += most
    changed = False
    for j, c, least, most in terms:
        if most == inf:
            others_most = inf if most_inf > 1 else most_sum
        else:
            others_most = inf if most_inf else most_sum - most
        if least == -inf:
            others_least = -inf if least_inf > 1 else least_sum
        else:
            others_least = -inf if least_inf else least_sum - least
        lo, hi = rhs - others_most, rhs - others_least
        if c < 0:
            lo, hi = -hi, -lo
        if c not in (1, -1):
            lo, hi = lo / abs(c), hi / abs(c)
        old_lo, old_hi = ranges[j]
        new = (max(old_lo, math.ceil(lo) if lo > -inf else lo), min(old_hi, math.floor(hi) if hi < inf else hi))
        if new != ranges[j]:
            ranges[j] = new
            changed = True
    return changed


def _systems(
    counts: _Counts[K], hidden: Mapping[K, str], lines: Sequence[tuple[Sequence[K], K]]
) -> list[tuple[list[K], list[tuple[dict[int, int], int]]]]:
    """What a reader knows, as independent linear systems: each a list of unknown (hidden) keys and
    equations ``sum(coef * x) == rhs`` over their positions."""
    parent: dict[K, K] = {k: k for k in hidden}

    def root(k: K) -> K:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    touching = []
    for parts, total in lines:
        members = [k for k in (*parts, total) if k in hidden]
        if members:
            touching.append((parts, total))
            for k in members[1:]:
                parent[root(k)] = root(members[0])
    groups: dict[K, list[K]] = {}
    for k in hidden:
        groups.setdefault(root(k), []).append(k)
    systems: dict[K, tuple[list[K], list[tuple[dict[int, int], int]]]] = {r: (keys, []) for r, keys in groups.items()}
    index = {k: i for keys in groups.values() for i, k in enumerate(keys)}
    for parts, total in touching:
        coefs: dict[int, int] = {}
        rhs = 0
        for k, sign in [*((p, 1) for p in parts), (total, -1)]:
            if k in hidden:
                coefs[index[k]] = coefs.get(index[k], 0) + sign
            else:
                rhs -= sign * counts[k]
        first = next(k for k in (*parts, total) if k in hidden)
        systems[root(first)][1].append((coefs, rhs))
    return list(systems.values())


def _pinned(i: int, equations: list[tuple[dict[int, int], int]], bounds: list[tuple[float, float]]) -> bool:
    """Whether unknown ``i`` takes a single value under the equations and bounds."""
    mine = [eq for eq in equations if i in eq[0]]
    if not mine:
        return False
    if len(equations) == 1:  # one line: the range is worked out directly
        coefs, rhs = equations[0]
        lo = hi = float(rhs)  # coefs[i] * x_i = rhs - sum(others)
        for j, c in coefs.items():
            if j != i:
                low, high = bounds[j]
                lo -= c * (high if c > 0 else low)
                hi -= c * (low if c > 0 else high)
        if coefs[i] < 0:
            lo, hi = -hi, -lo
        lo, hi = max(lo, bounds[i][0]), min(hi, bounds[i][1])
        return math.floor(hi) <= math.ceil(lo)
    from scipy.optimize import linprog

    a_eq = [[float(coefs.get(j, 0)) for j in range(len(bounds))] for coefs, _ in equations]
    b_eq = [float(rhs) for _, rhs in equations]
    lp_bounds = [(low, None if high == math.inf else high) for low, high in bounds]
    objective = [0.0] * len(bounds)
    objective[i] = 1.0
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=lp_bounds, method="highs")
    high = linprog([-x for x in objective], A_eq=a_eq, b_eq=b_eq, bounds=lp_bounds, method="highs")
    if low.status != 0 or high.status == 3:  # infeasible cannot happen on true data; 3: unbounded above
        return False
    return round(-high.fun) - round(low.fun) < 1


# ---------------------------------------------------------------- what other values may use


class Released(NamedTuple):
    """A count as a released value may use it: the least and most a reader can work out from the
    shown counts, and a stand-in between them (all three the count itself when it is shown)."""

    least: float
    stand_in: float
    most: float


def released_counts(
    shown: Mapping[K, int | str], lines: Sequence[tuple[Sequence[K], K]], threshold: int = 10
) -> dict[K, Released]:
    """Each count as values computed from counts may use it (rule 5), from what is shown alone.

    A shown count is itself. A hidden count's least and most are what its
    marker (``"<10"``: 1 to 9; ``"*"``: at least 10) and the lines leave it,
    as a reader who adds up the lines works them out; its stand-in shares its
    line's hidden remainder (the line's total, or the total's stand-in, less
    the line's shown counts) evenly among the line's hidden counts, each kept
    within its range. A count in no line with a known total stands in as the
    middle of its range (its least, when the range has no end).

    Parameters
    ----------
    shown
        Every count as it leaves kith (:func:`suppress_lines`): an ``int`` or a marker.
    lines
        The lines they were suppressed with.
    threshold
        The threshold they were suppressed with.

    Examples
    --------
    >>> shown = suppress_lines({"a": 3, "b": 40, "c": 50, "all": 93}, [(["a", "b", "c"], "all")])
    >>> released = released_counts(shown, [(["a", "b", "c"], "all")])
    >>> released["a"], released["b"].stand_in, released["c"]
    (Released(least=1.0, stand_in=9.0, most=9.0), 34.0, Released(least=50.0, stand_in=50.0, most=50.0))
    """
    lines = [(tuple(parts), total) for parts, total in lines]
    hidden = {k: str(v) for k, v in shown.items() if is_suppressed(v)}
    values = {k: (0 if k in hidden else int(v)) for k, v in shown.items()}  # hidden counts are never read
    ranges = {k: (float(v), float(v)) for k, v in values.items() if k not in hidden}
    for unknowns, equations in _systems(values, hidden, lines):
        bounds = [_bounds(hidden[k], threshold) for k in unknowns]
        exact = len(equations) == 1 or _is_forest(len(unknowns), equations)
        for k, got in zip(unknowns, _propagate(equations, bounds, rounds=None if exact else 64)):
            ranges[k] = got  # exact on a hierarchy; elsewhere wider than exact, never narrower
    stand_in = {k: lo for k, (lo, hi) in ranges.items() if lo == hi}
    pending = list(lines)
    while pending:
        ready = [line for line in pending if line[1] in stand_in]
        if not ready:  # no line's total is known: the outermost totals stand in by their own ranges
            inner = {p for line_parts, _ in pending for p in line_parts}
            for _, total in pending:
                if total not in inner:
                    stand_in[total] = _middle(*ranges[total])
            ready = [line for line in pending if line[1] in stand_in]
            if not ready:  # lines in a cycle of hidden totals: any one of them
                stand_in[pending[0][1]] = _middle(*ranges[pending[0][1]])
                ready = [pending[0]]
        for line in ready:
            pending.remove(line)
            parts, total = line
            open_parts = [p for p in dict.fromkeys(parts) if p not in stand_in]
            rest = stand_in[total] - sum(stand_in[p] for p in parts if p in stand_in and p not in open_parts)
            stand_in.update(zip(open_parts, _share(rest, [ranges[p] for p in open_parts])))
    return {k: Released(lo, stand_in.get(k, _middle(lo, hi)), hi) for k, (lo, hi) in ranges.items()}


def _middle(lo: float, hi: float) -> float:
    return lo if hi == math.inf else (lo + hi) / 2


def _share(rest: float, ranges: list[tuple[float, float]]) -> list[float]:
    """``rest`` shared as evenly as the ranges allow: each gets one level, kept within its range (all
    at their least or their most when ``rest`` is out of reach). The sum is piecewise linear in the
    level, with a break at each end of a range: the level is solved for on the piece that holds it."""
    if not ranges:
        return []
    if rest <= sum(lo for lo, _ in ranges):
        return [float(lo) for lo, _ in ranges]
    if rest >= sum(hi for _, hi in ranges):
        return [float(hi) for _, hi in ranges]

    def filled(level: float) -> float:
        return sum(min(max(level, lo), hi) for lo, hi in ranges)

    ends = sorted({lo for lo, _ in ranges} | {hi for _, hi in ranges if hi < math.inf})
    start = ends[0]
    for end in [*ends[1:], math.inf]:
        if filled(end) >= rest:
            free = sum(1 for lo, hi in ranges if lo <= start and hi >= end)
            level = start + (rest - filled(start)) / free
            break
        start = end
    return [float(min(max(level, lo), hi)) for lo, hi in ranges]


# ---------------------------------------------------------------- tables with totals


class SuppressedTable(NamedTuple):
    """A table of counts ready to leave kith: cells, row totals, column totals and the grand total,
    each an ``int`` or a marker (``"<10"`` for a small count, ``"*"`` for a complementary cell)."""

    cells: list[list[int | str]]
    row_totals: list[int | str]
    column_totals: list[int | str]
    grand_total: int | str


def suppress_table(counts: Sequence[Sequence[int]], threshold: int = 10) -> SuppressedTable:
    """Suppress a table of counts shown with its row, column and grand totals (:func:`suppress_lines`).

    Every row and every column (totals included) is a line. Two-way tables with
    totals have a totally unimodular constraint matrix, so the audit's
    linear-programming bounds are the integer ones (Cox 1980, "Suppression
    methodology and statistical disclosure control", JASA 75:370; tau-ARGUS).
    When every non-zero count is hidden and the markers alone still pin a cell
    (three cells of at least 1 under a total of ``"<4"`` are all 1), there is
    nothing left to hide: such a table says no more than its markers.

    Examples
    --------
    >>> t = suppress_table([[3, 40, 50], [20, 30, 60]])
    >>> t.cells
    [['<10', '*', 50], ['*', '*', 60]]
    >>> t.column_totals
    [23, 70, 110]
    """
    grid = _extended(counts)
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    lines: list[tuple[Sequence[tuple[int, int]], tuple[int, int]]] = [
        ([(r, c) for c in range(n_cols)], (r, n_cols)) for r in range(n_rows + 1)
    ]
    lines += [([(r, c) for r in range(n_rows)], (n_rows, c)) for c in range(n_cols + 1)]
    values = {(r, c): v for r, row in enumerate(grid) for c, v in enumerate(row)}
    shown = suppress_lines(values, lines, threshold)
    table = [[shown[(r, c)] for c in range(n_cols + 1)] for r in range(n_rows + 1)]
    return SuppressedTable(
        cells=[row[:-1] for row in table[:-1]],
        row_totals=[row[-1] for row in table[:-1]],
        column_totals=table[-1][:-1],
        grand_total=table[-1][-1],
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
