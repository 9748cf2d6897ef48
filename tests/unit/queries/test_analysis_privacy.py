"""Property: no output of gaps, deserts or network holds a student count between 1 and the threshold,
and no hidden count can be worked out from the shown counts and the totals they add up to."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from kith.graph.model import NeedCode
from kith.queries._gapdata import Areas, suppress_demand
from kith.queries.gaps import find_deserts, gaps_geojson, service_gaps
from kith.queries.network import coalition_network
from kith.trust.suppression import COMPLEMENTARY, is_suppressed

STUDENT_COUNTS = {
    "demand",
    "students",
    "students_in_deserts",
    "students_in_deserts_before",
    "students_unlocated",
    "students_by_need",
}
ZIP_IN_NAME = re.compile(r"\((\d{5})\)$")


def _student_counts(value: Any, key: str | None = None):
    """Every student count in a JSON-like output, wherever it is nested."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _student_counts(v, k)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _student_counts(v, key)
    elif key in STUDENT_COUNTS and value is not None:
        yield value


def _assert_safe(output: Any, threshold: int) -> None:
    counts = list(_student_counts(output))
    assert counts, "the output should hold student counts"
    bad = [c for c in counts if isinstance(c, int) and 0 < c < threshold]
    assert not bad, bad
    assert all(c in (f"<{threshold}", COMPLEMENTARY) for c in counts if isinstance(c, str))


# ---------------------------------------------------------------- what a reader can work out


def _lp_pinned(shown: dict[Any, int | str], lines: list[tuple[list[Any], Any]], threshold: int) -> list[Any]:
    """The hidden small counts a reader pins to one value: every line a sum, '<t' in 1..t-1, '*' >= t,
    shown counts exact; the least and greatest value of each by linear programming (written here,
    independently of kith.trust.suppression)."""
    unknown = sorted((k for k, v in shown.items() if is_suppressed(v)), key=repr)
    if threshold <= 2 or not unknown:
        return []
    index = {k: i for i, k in enumerate(unknown)}
    a_eq, b_eq = [], []
    for parts, total in lines:
        row, rhs = np.zeros(len(unknown)), 0.0
        for k, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if k in index:
                row[index[k]] += sign
            else:
                rhs -= sign * shown[k]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
        else:
            assert abs(rhs) < 1e-9, "shown counts must add up to their shown total"
    bounds = [(threshold, None) if shown[k] == COMPLEMENTARY else (1, threshold - 1) for k in unknown]
    pinned = []
    for k in unknown:
        if shown[k] == COMPLEMENTARY:
            continue
        c = np.zeros(len(unknown))
        c[index[k]] = 1
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0, "the true counts are one answer"
        if high.status == 0 and round(-high.fun) == round(low.fun):
            pinned.append(k)
    return pinned


def _pinned(shown: dict[Any, int | str], lines: list[tuple[list[Any], Any]], threshold: int) -> list[Any]:
    """The hidden small counts pinned beyond what the markers of lines that show no count pin by
    themselves (two '<3' under a '<3' are 1 and 1): hiding anything else cannot change those."""
    pinned = _lp_pinned(shown, lines, threshold)
    quiet = [
        (parts, total)
        for parts, total in lines
        if all(is_suppressed(shown[k]) or shown[k] == 0 for k in (*parts, total))
    ]
    if pinned and quiet:
        by_markers = set(_lp_pinned(shown, quiet, threshold))
        pinned = [k for k in pinned if k not in by_markers]
    return pinned


def _need_lines(by_cell, by_zip, by_school) -> tuple[dict[Any, int | str], list[tuple[list[Any], Any]]]:
    """Everything the three gap reports of one need show, and the sums a reader knows hold between them."""
    shown: dict[Any, int | str] = {"total": by_cell.students}
    assert by_cell.students == by_zip.students == by_school.students, "one need, one total"
    assert by_cell.students_unlocated == by_zip.students_unlocated
    shown["unlocated-home"] = by_cell.students_unlocated
    shown["unlocated-school"] = by_school.students_unlocated
    in_zip = defaultdict(list)
    for r in by_cell.rows:
        shown[("cell", r.area_id)] = r.demand
        in_zip[ZIP_IN_NAME.search(r.area_name).group(1)].append(("cell", r.area_id))
    for r in by_zip.rows:
        shown[("zip", r.area_id)] = r.demand
    for r in by_school.rows:
        shown[("school", r.area_id)] = r.demand
    assert set(in_zip) == {r.area_id for r in by_zip.rows}, "a cell's name gives its ZIP area"
    lines = [(members, ("zip", z)) for z, members in in_zip.items()]
    lines.append(([*(("zip", z) for z in in_zip), "unlocated-home"], "total"))
    lines.append(([*(("cell", r.area_id) for r in by_cell.rows), "unlocated-home"], "total"))
    lines.append(([*(("school", r.area_id) for r in by_school.rows), "unlocated-school"], "total"))
    return shown, lines


# ---------------------------------------------------------------- random demand tables


@st.composite
def demand_tables(draw):
    """One need's students: each at a home cell (in a ZIP area) or none, and at a school or none."""
    n = draw(st.integers(1, 60))
    cells = draw(st.lists(st.sampled_from([f"c{i:02d}" for i in range(12)] + [None]), min_size=n, max_size=n))
    schools = draw(st.lists(st.sampled_from(["s1", "s2", "s3", "s4", None]), min_size=n, max_size=n))
    zip_of = {f"c{i:02d}": draw(st.sampled_from(["02118", "02119", "02120"])) for i in range(12)}
    return cells, schools, zip_of


def _areas(places: list[str | None], zip_of: dict[str, str] | None = None) -> Areas:
    ids = sorted({p for p in places if p is not None})
    table = pd.DataFrame({"id": ids, "lat": 0.0, "lon": 0.0, "demand": [places.count(p) for p in ids]})
    return Areas(table, ids, places.count(None), tuple(zip_of[p] for p in ids) if zip_of else ())


@settings(max_examples=60, deadline=None)
@given(demand_tables(), st.integers(3, 12))
def test_random_demand_tables_hide_every_small_count_for_good(table, threshold) -> None:
    homes, schools, zip_of = table
    cells = _areas(homes, zip_of)
    shown = suppress_demand(cells, _areas(schools), threshold)
    true = {("cell", c): homes.count(c) for c in set(homes) - {None}}
    for z in {zip_of[c] for c in set(homes) - {None}}:
        true[("zip", z)] = sum(1 for c in homes if c is not None and zip_of[c] == z)
    true.update({("school", s): schools.count(s) for s in set(schools) - {None}})
    true[("unlocated-home",)], true[("unlocated-school",)] = homes.count(None), schools.count(None)
    true[("total",)] = len(homes)
    assert set(shown) == set(true)
    for k, v in shown.items():
        assert v == true[k] if isinstance(v, int) else (v == f"<{threshold}") == (0 < true[k] < threshold), k
    zips = sorted({k[1] for k in true if k[0] == "zip"})
    lines = [([("cell", c) for c in sorted(set(homes) - {None}) if zip_of[c] == z], ("zip", z)) for z in zips]
    lines.append(([*(("zip", z) for z in zips), ("unlocated-home",)], ("total",)))
    lines.append(([*(k for k in true if k[0] == "cell"), ("unlocated-home",)], ("total",)))
    lines.append(([*(k for k in true if k[0] == "school"), ("unlocated-school",)], ("total",)))
    # a line never holds exactly one hidden count while its total is shown ...
    for parts, total in lines:
        hidden = [p for p in parts if is_suppressed(shown[p])]
        assert is_suppressed(shown[total]) or len(hidden) != 1, (parts, shown)
    # ... and no combination of lines pins a hidden small count
    assert not _pinned(shown, lines, threshold), shown


# ---------------------------------------------------------------- the reports of a small city


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    need=st.sampled_from([n.value for n in NeedCode]),
    rule=st.sampled_from(["none-in-reach", "below-ratio", "percentile"]),
    threshold=st.integers(1, 40),
    catchment=st.floats(0.5, 8.0),
    what_if=st.booleans(),
)
def test_gaps_and_deserts_never_show_a_small_count(small_store, need, rule, threshold, catchment, what_if) -> None:
    options = dict(
        rule=rule, catchment_km=catchment, suppress_below=threshold, add_sites=[(42.33, -71.08, 20)] if what_if else ()
    )
    reports = {by: service_gaps(small_store, need, by=by, **options) for by in ("cell", "zip", "school")}
    for by, report in reports.items():
        _assert_safe(report.model_dump(), threshold)
        if report.rows:
            _assert_safe(gaps_geojson(report), threshold)
        deserts = find_deserts(small_store, need, by=by, **options)
        _assert_safe(deserts.model_dump(), threshold)
        for chosen in (report, deserts):  # students in deserts: only what the desert rows show
            rows = [r for r in report.rows if r.desert]
            assert chosen.students_in_deserts == sum(r.demand for r in rows if isinstance(r.demand, int))
            assert chosen.desert_areas_hidden == sum(is_suppressed(r.demand) for r in rows)
        assert {r.area_id: r.demand for r in deserts.rows} == {
            r.area_id: r.demand for r in report.rows if r.desert or r.desert_before
        }
    shown, lines = _need_lines(reports["cell"], reports["zip"], reports["school"])
    assert not _pinned(shown, lines, threshold), shown


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(threshold=st.integers(1, 60), catchment=st.floats(1.0, 8.0), seed=st.integers(0, 5))
def test_network_never_shows_a_small_count_nor_one_the_gap_report_hides(
    small_store, threshold, catchment, seed
) -> None:
    report = coalition_network(small_store, seed=seed, suppress_below=threshold, catchment_km=catchment)
    _assert_safe(report.model_dump(), threshold)
    by_school = {}

    def at(school: str, need: str) -> int | str:
        if need not in by_school:
            gaps = service_gaps(small_store, need, by="school", suppress_below=threshold)
            by_school[need] = {r.area_id: r.demand for r in gaps.rows}
        return by_school[need].get(school, 0)

    for s in report.suggestions:
        assert s.students_by_need == tuple(at(s.school_id, n) for n in s.needs)
        if len(s.needs) == 1:
            assert s.students == s.students_by_need[0]
        elif threshold > 2:  # a union beside its parts would give away who has two needs
            assert is_suppressed(s.students)
    for f in report.single_points_of_failure:
        parts = [at(school, f.need) for school in f.school_ids]
        if all(isinstance(p, int) for p in parts):
            assert f.students == sum(parts)
        else:
            assert is_suppressed(f.students), (f, parts)
