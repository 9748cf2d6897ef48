"""Aggregate counts and population as demand: loaded by ``ingest_demand``, through the same 2SFCA
core (naive loop, PySAL ``access``), and suppressed like student counts (the LP audit)."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, AreaCount, DeliveredAt, Label, School, Service, Site, need_types
from kith.ingest.demand import ingest_demand
from kith.queries._demand import best_source, read_demand
from kith.queries._gapdata import supply_sites
from kith.queries.gaps import find_deserts, service_gaps
from kith.trust.suppression import is_suppressed
from tests._pysal import pysal_accessibility
from tests.unit.ingest.conftest import write_csv
from tests.unit.queries.test_analysis_privacy import _assert_safe, _pinned
from tests.unit.queries.test_fca import naive

SCHOOLS = [  # id, lat, lon, survey count of students with food insecurity
    ("s1", 42.300, -71.080, 40),
    ("s2", 42.310, -71.070, 4),
    ("s3", 42.320, -71.060, 25),
    ("s4", 42.330, -71.050, 2),
    ("s5", 42.450, -71.200, 17),
    ("s6", 42.340, -71.100, 0),
]


@pytest.fixture
def surveyed(tmp_path: Path) -> MemoryStore:
    store = MemoryStore()
    store.upsert_nodes(
        [
            *need_types(),
            *(School(id=i, name=f"School {i}", lat=la, lon=lo, enrollment=300) for i, la, lo, _ in SCHOOLS),
            Service(id="pantry", name="Pantry", capacity=50),
            Service(id="meals", name="Meals"),
            Site(id="p1", name="Pantry site", lat=42.305, lon=-71.075),
            Site(id="m1", name="Meal site", lat=42.335, lon=-71.055),
        ]
    )
    store.upsert_relationships(
        [
            Addresses(source="pantry", target="food"),
            Addresses(source="meals", target="food"),
            DeliveredAt(source="pantry", target="p1"),
            DeliveredAt(source="meals", target="m1"),
        ]
    )
    rows = [(i, "food", n, "District needs assessment", 2024) for i, _, _, n in SCHOOLS]
    rows.append(("s9", "food", 3, "District needs assessment", 2024))  # a school not in the graph
    counts = write_csv(tmp_path / "counts.csv", ["school_id", "need", "count", "source", "year"], rows)
    report = ingest_demand(counts, store)
    assert report.loaded == len(SCHOOLS) and report.quarantined == 1
    return store


def test_counts_are_the_default_when_there_are_no_student_records(surveyed: MemoryStore) -> None:
    assert best_source(surveyed, "food") == "counts"  # counts before the estimate the enrollment allows
    report = service_gaps(surveyed, "food", suppress_below=1)
    assert report.demand_source == "counts" and report.by == "school" and not report.estimate
    assert "District needs assessment" in report.demand_text and report.demand_years == ("2024",)
    assert {r.area_id: r.demand for r in report.rows} == {i: n for i, _, _, n in SCHOOLS}
    assert report.services_without_capacity == 1 and report.capacity == 51


@pytest.mark.parametrize("catchment", [1.0, 3.0, 8.0])
def test_counts_go_through_the_same_core_as_students(surveyed: MemoryStore, catchment: float) -> None:
    demand = read_demand(surveyed, "food", "school", source="counts").areas.table
    expected = naive(demand, supply_sites(surveyed, "food").table, catchment)
    report = service_gaps(surveyed, "food", demand="counts", catchment_km=catchment, suppress_below=1)
    assert {r.area_id for r in report.rows} == set(expected)
    for row in report.rows:
        assert row.accessibility == pytest.approx(expected[row.area_id], rel=1e-12, abs=1e-15)
    # with small counts hidden, accessibility comes from the counts as shown, its range holds the exact one
    for row in service_gaps(surveyed, "food", demand="counts", catchment_km=catchment).rows:
        assert row.accessibility_low * (1 - 1e-12) <= expected[row.area_id] <= row.accessibility_high * (1 + 1e-12)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_counts_agree_with_pysal_access(surveyed: MemoryStore) -> None:
    import pandas as pd

    demand = read_demand(surveyed, "food", "school", source="counts").areas.table
    supply = supply_sites(surveyed, "food").table
    reference = pysal_accessibility(demand, supply, 5.0).dropna()
    ours = pd.Series({r.area_id: r.accessibility for r in service_gaps(surveyed, "food", demand="counts").rows})
    assert len(reference) >= 4
    np.testing.assert_allclose(ours.loc[reference.index], reference, rtol=1e-9, atol=0)


@pytest.mark.parametrize("threshold", [3, 5, 10, 20])
def test_counts_are_suppressed_like_student_counts(surveyed: MemoryStore, threshold: int) -> None:
    report = service_gaps(surveyed, "food", demand="counts", suppress_below=threshold)
    _assert_safe(report.model_dump(), threshold)
    deserts = find_deserts(surveyed, "food", demand="counts", suppress_below=threshold, catchment_km=1.0)
    _assert_safe(deserts.model_dump(), threshold)
    shown = {r.area_id: r.demand for r in report.rows}
    shown["unlocated"], shown["total"] = report.students_unlocated, report.students
    lines = [([r.area_id for r in report.rows] + ["unlocated"], "total")]
    assert not _pinned(shown, lines, threshold), shown
    if threshold > 4:
        assert is_suppressed(shown["s2"]) and is_suppressed(shown["s4"]) and shown["unlocated"] == 0


def _cells() -> list[str]:
    base = h3.latlng_to_cell(42.33, -71.06, 8)
    return sorted(h3.grid_disk(base, 1))


def test_counts_by_cell_add_up_to_zip_areas_and_both_are_suppressed_together(tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert_nodes(
        [
            *need_types(),
            Service(id="v", name="Counselling", capacity=20),
            Site(id="x", name="Clinic", lat=42.33, lon=-71.06),
        ]
    )
    store.upsert_relationships(
        [Addresses(source="v", target="mental_health_counseling"), DeliveredAt(source="v", target="x")]
    )
    counts = [3, 14, 22, 1, 30, 12, 8]
    path = write_csv(
        tmp_path / "screening.csv",
        ["cell", "need", "count"],
        [(c, "mental_health_counseling", n) for c, n in zip(_cells(), counts)],
    )
    assert ingest_demand(path, store, source="Spring screening", year=2025).loaded == 7
    by_cell = service_gaps(store, "mental_health_counseling", demand="counts", suppress_below=10)
    by_zip = service_gaps(store, "mental_health_counseling", demand="counts", by="zip", suppress_below=10)
    assert by_cell.by == "cell" and by_zip.by == "zip"
    for report in (by_cell, by_zip):
        _assert_safe(report.model_dump(), 10)
    assert by_zip.students == by_cell.students
    cell_of_zip: dict[str, list[str]] = {}
    for r in by_cell.rows:
        cell_of_zip.setdefault(r.area_name[-6:-1], []).append(r.area_id)
    shown = {("cell", r.area_id): r.demand for r in by_cell.rows}
    shown.update({("zip", r.area_id): r.demand for r in by_zip.rows})
    shown["unlocated"], shown["total"] = by_zip.students_unlocated, by_zip.students
    lines = [([("cell", c) for c in cells], ("zip", z)) for z, cells in cell_of_zip.items()]
    lines.append(([("zip", z) for z in cell_of_zip] + ["unlocated"], "total"))
    assert not _pinned(shown, lines, 10), shown
    with pytest.raises(InputError, match="given by cell, not by school"):
        service_gaps(store, "mental_health_counseling", demand="counts", by="school")


def test_population_is_demand_per_resident_and_named(tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert_nodes(
        [
            *need_types(),
            Service(id="v", name="Clinic", capacity=10),
            Site(id="x", name="Clinic", lat=42.3398, lon=-71.0892),
        ]
    )
    store.upsert_relationships([Addresses(source="v", target="medical"), DeliveredAt(source="v", target="x")])
    path = write_csv(
        tmp_path / "acs.csv",
        ["zcta", "population", "source", "year"],
        [("02115", 4000, "ACS 5-year B01001", 2022), ("2118", 1000, "ACS 5-year B01001", 2022)],
    )
    assert ingest_demand(path, store, measure="population").loaded == 2
    assert {c["area"] for c in store.nodes(Label.AREA_COUNT)} == {"02115", "02118"}
    report = service_gaps(store, "medical", demand="population", catchment_km=10.0, suppress_below=10)
    assert report.demand_source == "population" and report.by == "zip"
    assert {r.area_id: r.demand for r in report.rows} == {"02115": 4000, "02118": 1000}
    assert all(r.accessibility == pytest.approx(10 / 5000) for r in report.rows)
    assert "residents" in report.demand_text and "ACS 5-year B01001" in report.demand_text


def test_rows_without_a_source_year_need_or_count_are_quarantined(tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert_nodes([*need_types(), School(id="s1", name="One", lat=42.3, lon=-71.1)])
    path = write_csv(
        tmp_path / "counts.csv",
        ["school_id", "need", "count", "source", "year"],
        [
            ("s1", "food", 12, "Survey", 2024),
            ("s1", "unicorns", 3, "Survey", 2024),
            ("s1", "dental", -1, "Survey", 2024),
            ("s1", "tutoring", 5, "", ""),
            ("s1", "Food assistance", 15, "Survey", 2024),
        ],
    )
    report = ingest_demand(path, store)
    # "Food assistance" is food's name: row 6 replaces row 2, which is quarantined as replaced
    assert (report.loaded, report.quarantined) == (1, 4)
    (stored,) = store.nodes(Label.AREA_COUNT)
    assert stored["count"] == 15 and stored["id"] == AreaCount.key("need", "school", "s1", "food")
    with pytest.raises(InputError, match="source"):
        ingest_demand(write_csv(tmp_path / "bare.csv", ["zip", "need", "count"], [("02118", "food", 3)]), store)
