"""The linear-programming audit of the counts, extended to ratios and what-ifs.

A planner may ask for the three gap reports of a need (by cell, ZIP area and school) and for any
what-if: a site of a chosen capacity at a chosen place, with a chosen catchment and decay. The
attacker here asks, for every area whose count is hidden, for a site at its centre with a catchment
that reaches nothing else (plain 2SFCA, and E2SFCA with a Gaussian decay), and for a site between it
and its nearest neighbour reaching both. Each what-if adds ``capacity * w_i / sum_k(w_k * d_k)`` to
area ``i``'s accessibility, where ``d_k`` are the demands in the site's reach; so each released
before and after range of area ``i`` (``accessibility_low`` .. ``accessibility_high``, or the one
number when a report gives no range) bounds ``sum_k(w_k * d_k)``: a linear inequality on the hidden
counts, which joins the sums of the counts' lines and the markers' ranges in one linear programme.
The least and most of every hidden count under all of it must be at least two values apart.
(The baseline accessibility is not linear in the counts; each row's range contains it, and is
worked out from the shown counts, so it cannot narrow a count further than they do.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from kith.graph.geo import haversine_km
from kith.queries._gapdata import AddSite, demand_areas, supply_sites, with_what_if
from kith.queries.gaps import accessibility, decay_named, service_gaps
from kith.trust.suppression import COMPLEMENTARY, is_suppressed
from tests.unit.queries.test_analysis_privacy import _lp_pinned, _need_lines

BY = ("cell", "zip", "school")
CAPACITY = 1000.0


def _range(row: dict[str, Any]) -> tuple[float, float]:
    """The accessibility a row releases, as the least and most the true value can be."""
    low, high = row.get("accessibility_low"), row.get("accessibility_high")
    point = row["accessibility"]
    return (point if low is None else low, point if high is None else high)


class Attacker:
    """Everything one planner can ask about one need, and what it tells about the hidden counts."""

    def __init__(self, store: Any, need: str, threshold: int) -> None:
        self.store, self.need, self.threshold = store, need, threshold
        self.reports = {by: service_gaps(store, need, by=by, suppress_below=threshold) for by in BY}
        self.shown, self.lines = _need_lines(self.reports["cell"], self.reports["zip"], self.reports["school"])
        self.inequalities: list[tuple[dict[Any, float], float, float]] = []  # low <= sum(w * x) <= high
        self.baselines: dict[tuple, dict[str, dict[str, Any]]] = {}
        self.asked = 0

    def ask(self, by: str, lat: float, lon: float, catchment: float, decay: str, target: str) -> None:
        """A what-if with one new site, read at ``target``: one inequality on the demand in its reach."""
        options = dict(by=by, catchment_km=catchment, decay=decay, suppress_below=self.threshold)
        key = (by, catchment, decay)
        if key not in self.baselines:
            report = service_gaps(self.store, self.need, **options)
            self.baselines[key] = {r.area_id: r.model_dump() for r in report.rows}
            self.asked += 1
        before = self.baselines[key]
        report = service_gaps(self.store, self.need, add_sites=[(lat, lon, CAPACITY)], **options)
        after = {r.area_id: r.model_dump() for r in report.rows}
        self.asked += 1
        rows = self.reports[by].rows
        distance = haversine_km(np.array([r.lat for r in rows]), np.array([r.lon for r in rows]), lat, lon)
        weight_of = decay_named(decay, catchment)
        weights = np.where(distance <= catchment, 1.0 if weight_of is None else weight_of(distance), 0.0)
        reach = {(by, r.area_id): float(w) for r, w in zip(rows, weights) if w > 0}
        w_target = reach[(by, target)]
        (low, high), (low_after, high_after) = _range(before[target]), _range(after[target])
        gain_least, gain_most = max(low_after - high, 0.0), high_after - low  # capacity * w / sum(w * d)
        least = CAPACITY * w_target / gain_most if gain_most > 0 else math.inf
        most = CAPACITY * w_target / gain_least if gain_least > 0 else math.inf
        self.inequalities.append((reach, least * (1 - 1e-9), most * (1 + 1e-9)))

    def probe_every_hidden_area(self) -> None:
        for by in BY:
            rows = self.reports[by].rows
            for row in rows:
                if not is_suppressed(row.demand):
                    continue
                self.ask(by, row.lat, row.lon, 0.1, "none", row.area_id)
                self.ask(by, row.lat, row.lon, 0.1, "gaussian", row.area_id)
                others = [r for r in rows if r.area_id != row.area_id]
                if others:
                    near = min(others, key=lambda r: float(haversine_km(row.lat, row.lon, r.lat, r.lon)))
                    half = float(haversine_km(row.lat, row.lon, near.lat, near.lon)) / 2
                    if half > 0:
                        self.ask(
                            by, (row.lat + near.lat) / 2, (row.lon + near.lon) / 2, half * 1.02, "none", row.area_id
                        )

    def bounds(self, *, ratios: bool = True) -> dict[Any, tuple[float, float]]:
        """The least and most of every hidden count under the lines, the markers and every inequality
        (``ratios=False``: the lines and markers alone, today's audit of the counts)."""
        unknown = sorted((k for k, v in self.shown.items() if is_suppressed(v)), key=repr)
        index = {k: i for i, k in enumerate(unknown)}
        a_eq, b_eq = [], []
        for parts, total in self.lines:
            row, rhs = np.zeros(len(unknown)), 0.0
            for k, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
                if k in index:
                    row[index[k]] += sign
                else:
                    rhs -= sign * self.shown[k]
            if row.any():
                a_eq.append(row)
                b_eq.append(rhs)
        a_ub, b_ub = [], []
        for reach, least, most in self.inequalities if ratios else ():
            row, known = np.zeros(len(unknown)), 0.0
            for k, w in reach.items():
                if k in index:
                    row[index[k]] += w
                else:
                    known += w * self.shown[k]
            if not row.any():
                continue
            if most < math.inf:
                a_ub.append(row)
                b_ub.append(most - known)
            a_ub.append(-row)
            b_ub.append(known - least)
        t = self.threshold
        limits = [(t, None) if self.shown[k] == COMPLEMENTARY else (1, t - 1) for k in unknown]
        found = {}
        for k in unknown:
            c = np.zeros(len(unknown))
            c[index[k]] = 1
            args = dict(
                A_eq=a_eq or None,
                b_eq=b_eq or None,
                A_ub=a_ub or None,
                b_ub=b_ub or None,
                bounds=limits,
                method="highs",
            )
            low, high = linprog(c, **args), linprog(-c, **args)
            assert low.status == 0, "the true counts are one answer"
            found[k] = (low.fun, -high.fun if high.status == 0 else math.inf)
        return found

    def quiet_pinned(self) -> set[Any]:
        """Counts the markers of lines that show no count pin by themselves (two '<3' under a '<3')."""
        quiet = [
            (parts, total)
            for parts, total in self.lines
            if all(is_suppressed(self.shown[k]) or self.shown[k] == 0 for k in (*parts, total))
        ]
        return set(_lp_pinned(self.shown, quiet, self.threshold)) if quiet else set()


def _values(lo: float, hi: float) -> float:
    """How many whole values lie in [lo, hi]."""
    return math.inf if hi == math.inf else math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) + 1


@pytest.mark.parametrize(("need", "threshold"), [("food", 10), ("tutoring", 30)])
def test_no_ratio_or_what_if_pins_a_hidden_count(small_store, need: str, threshold: int) -> None:
    attacker = Attacker(small_store, need, threshold)
    attacker.probe_every_hidden_area()
    bounds, by_counts = attacker.bounds(), attacker.bounds(ratios=False)
    assert bounds, "the need should have hidden counts"
    spared = attacker.quiet_pinned()
    values = {k: _values(*b) for k, b in bounds.items() if k not in spared}
    pinned = sorted((k for k, n in values.items() if n < 2), key=repr)
    finite = [n for n in values.values() if n < math.inf]
    narrowed = sorted((k for k in values if values[k] < _values(*by_counts[k])), key=repr)
    print(
        f"\n{need}, threshold {threshold}: {attacker.asked} reports asked, {len(values)} hidden counts; "
        f"narrowest {min(values.values())} values, widest finite {max(finite) if finite else '-'} values, "
        f"{len(values) - len(finite)} with no upper end; {len(narrowed)} narrower than the counts alone leave"
    )
    assert not pinned, {k: bounds[k] for k in pinned}
    # the ratios are worked out from the shown counts: they narrow no count beyond what those tell
    assert not narrowed, {k: (bounds[k], by_counts[k]) for k in narrowed}


@pytest.mark.parametrize("by", BY)
@pytest.mark.parametrize("decay", ["none", "gaussian"])
def test_every_released_range_holds_the_true_accessibility(small_store, by: str, decay: str) -> None:
    """The audit reads each range as the least and most the true value can be: so it must be."""
    for catchment, site in ((5.0, ()), (0.1, ((42.3555954, -71.1021434, CAPACITY),))):
        report = service_gaps(small_store, "food", by=by, catchment_km=catchment, decay=decay, add_sites=site)
        true = demand_areas(small_store, "food", by).table
        supply, _ = with_what_if(supply_sites(small_store, "food"), [AddSite(*s) for s in site], {})
        exact = accessibility(
            true, supply.table, catchment_km=catchment, decay=decay_named(decay, catchment)
        ).set_index("id")["accessibility"]
        for row in report.rows:
            assert row.accessibility_low <= exact[row.area_id] * (1 + 1e-9) + 1e-12
            assert exact[row.area_id] <= row.accessibility_high * (1 + 1e-9) + 1e-12
            assert row.accessibility_low <= row.accessibility <= row.accessibility_high
