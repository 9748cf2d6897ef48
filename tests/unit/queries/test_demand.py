"""Demand sources of the gaps: the estimate (enrollment × a cited rate) worked by hand, the same
2SFCA core as student counts (against the naive loop and PySAL ``access``), the default source,
the prevalence table as data, and supply with no stated capacity."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import (
    Addresses,
    Agency,
    DeliveredAt,
    NeedCode,
    Offers,
    PartnersWith,
    School,
    Service,
    Site,
    need_types,
)
from kith.queries._demand import Rate, best_source, prevalence, rate_for, read_demand
from kith.queries.gaps import accessibility, find_deserts, gaps_geojson, service_gaps
from kith.queries.network import coalition_network
from tests._pysal import pysal_accessibility
from tests.unit.queries.test_fca import naive

KM_PER_DEGREE = np.pi * 6371.0088 / 180


def _north(km: float, lat: float = 42.0) -> float:
    return lat + km / KM_PER_DEGREE


@pytest.fixture
def two_schools() -> MemoryStore:
    """School A (elementary, 400 enrolled) at 0 km, B (high, 250) at 3 km, C (middle, 100) at 30 km and
    D (no enrollment) at 1 km, on one meridian; one dental service (30 places) at 1 km and one with no
    stated capacity at 29 km."""
    store = MemoryStore()
    store.upsert_nodes(
        [
            *need_types(),
            School(id="A", name="Adams Elementary", level="elementary", enrollment=400, lat=_north(0), lon=-71.0),
            School(id="B", name="Baldwin High", level="high", enrollment=250, lat=_north(3), lon=-71.0),
            School(id="C", name="Curley Middle", level="middle", enrollment=100, lat=_north(30), lon=-71.0),
            School(id="D", name="Dever (no enrollment)", level="other", lat=_north(1), lon=-71.0),
            Service(id="svc-1", name="Dental van", capacity=30),
            Service(id="svc-2", name="Dental clinic (capacity unknown)"),
            Site(id="site-1", name="Clinic one", lat=_north(1), lon=-71.0),
            Site(id="site-2", name="Clinic two", lat=_north(29), lon=-71.0),
        ]
    )
    store.upsert_relationships(
        [
            Addresses(source="svc-1", target="dental"),
            Addresses(source="svc-2", target="dental"),
            DeliveredAt(source="svc-1", target="site-1"),
            DeliveredAt(source="svc-2", target="site-2"),
        ]
    )
    return store


def test_the_estimate_of_a_hand_worked_school(two_schools: MemoryStore) -> None:
    # Shipped rates (CDC, NHANES 2011-2016): dental 20% at elementary, 13% at middle and high schools.
    # A: 400 x 0.20 = 80; B: 250 x 0.13 = 32.5 (shown 33: whole students, half up); C: 100 x 0.13 = 13.
    # svc-1 (30 places at 1 km) reaches A (1 km) and B (2 km): R1 = 30 / (80 + 32.5) = 0.2667.
    # svc-2 (no capacity: 1 place assumed, at 29 km) reaches C only (1 km): R2 = 1 / 13.
    report = service_gaps(two_schools, "dental", demand="estimate", catchment_km=5.0)
    rows = {r.area_id: r for r in report.rows}
    assert set(rows) == {"A", "B", "C"}  # D has no enrollment: no estimate
    assert (rows["A"].demand, rows["B"].demand, rows["C"].demand) == (80, 33, 13)
    assert rows["A"].accessibility == pytest.approx(30 / 112.5, rel=1e-12)
    assert rows["B"].accessibility == pytest.approx(30 / 112.5, rel=1e-12)
    assert rows["C"].accessibility == pytest.approx(1 / 13, rel=1e-12)
    assert report.by == "school" and report.demand_source == "estimate" and report.estimate
    assert report.students == 126  # 80 + 32.5 + 13 = 125.5, rounded half up
    assert report.demand_years == ("2011-2016",)
    assert any("20.0%" in r and "elementary" in r for r in report.demand_rates)
    assert any("13.0%" in r and "high" in r for r in report.demand_rates)
    assert "not a count of students" in report.demand_text
    assert report.capacity == 31 and report.capacity_assumed == 1 and report.services_without_capacity == 1
    assert "1 of 2 service(s) state no capacity" in report.capacity_text


def test_an_estimate_is_not_suppressed_but_a_count_of_students_is(two_schools: MemoryStore) -> None:
    # An estimate of 13 at C is shown under a threshold of 20: public enrollment times a published rate.
    report = service_gaps(two_schools, "dental", demand="estimate", suppress_below=20)
    assert {r.area_id: r.demand for r in report.rows}["C"] == 13


def test_a_district_replaces_a_rate_and_the_reports_say_so(two_schools: MemoryStore, tmp_path) -> None:
    own = tmp_path / "rates.csv"
    own.write_text(
        "need,share,level,source,year,note\ndental,0.5,high,District screening,2024,every second high-school student\n",
        encoding="utf-8",
    )
    rates = prevalence(own)
    assert rate_for(rates, "dental", "high")[0] == 0.5
    assert rate_for(rates, "dental", "elementary")[0] == 0.20  # the shipped row stays
    report = service_gaps(two_schools, "dental", demand="estimate", prevalence=rates)
    assert {r.area_id: r.demand for r in report.rows}["B"] == 125
    assert any("District screening" in r for r in report.demand_rates)


def test_every_problem_of_a_prevalence_file_is_reported_at_once(tmp_path) -> None:
    bad = tmp_path / "rates.csv"
    bad.write_text(
        "need,share,level,source,year\nunicorns,0.1,all,x,2020\nfood,1.5,all,x,2020\n"
        "food,0.1,kindergarten,x,2020\ndental,0.1,all,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        prevalence(bad)
    for part in ("row 2: unknown need", "row 3: share", "row 4: level", "row 5: every rate needs its source"):
        assert part in str(err.value)


def test_the_shipped_table_cites_every_row() -> None:
    text = resources.files("kith.graph").joinpath("prevalence.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows and list(rows[0]) == ["need", "share", "level", "source", "year", "note"]
    for row in rows:
        assert row["need"] in {c.value for c in NeedCode}
        assert 0 < float(row["share"]) < 1
        assert len(row["source"]) > 20 and row["year"][:4].isdigit() and row["note"]
    assert len(prevalence()) == len(rows)


def test_an_estimate_and_student_counts_go_through_the_same_core(small_store: MemoryStore) -> None:
    for demand in ("students", "estimate"):
        wanted = read_demand(small_store, "food", "school", source=demand)
        report = service_gaps(small_store, "food", demand=demand, by="school", suppress_below=1)
        from kith.queries._gapdata import supply_sites

        expected = accessibility(
            wanted.areas.table, supply_sites(small_store, "food").table, catchment_km=5.0
        ).set_index("id")
        for row in report.rows:
            assert row.accessibility == pytest.approx(expected.loc[row.area_id, "accessibility"], rel=1e-12)


@pytest.mark.parametrize("by", ["school", "zip", "cell"])
def test_the_estimate_matches_the_naive_loop(small_store: MemoryStore, by: str) -> None:
    wanted = read_demand(small_store, "mental_health_counseling", by, source="estimate")
    from kith.queries._gapdata import supply_sites

    supply = supply_sites(small_store, "mental_health_counseling").table
    report = service_gaps(small_store, "mental_health_counseling", demand="estimate", by=by, catchment_km=4.0)
    expected = naive(wanted.areas.table, supply, 4.0)
    assert {r.area_id for r in report.rows} == set(expected)
    for row in report.rows:
        assert row.accessibility == pytest.approx(expected[row.area_id], rel=1e-12, abs=1e-15)
    assert sum(wanted.areas.table["demand"]) == pytest.approx(
        sum(s["enrollment"] * 0.094 for s in small_store.nodes("School") if s.get("enrollment")), rel=1e-12
    )


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_estimate_agrees_with_pysal_access(small_store: MemoryStore) -> None:
    from kith.queries._gapdata import supply_sites

    demand = read_demand(small_store, "food", "school", source="estimate").areas.table
    supply = supply_sites(small_store, "food").table
    reference = pysal_accessibility(demand, supply, 8.0).dropna()
    report = service_gaps(small_store, "food", demand="estimate", by="school", catchment_km=8.0)
    ours = pd.Series({r.area_id: r.accessibility for r in report.rows})
    assert len(reference) > 0
    np.testing.assert_allclose(ours.loc[reference.index], reference, rtol=1e-9, atol=0)


def test_the_default_source_is_the_best_the_graph_holds(small_store: MemoryStore, two_schools: MemoryStore) -> None:
    assert best_source(small_store, "food") == "students"
    assert service_gaps(small_store, "food").demand_source == "students"
    assert best_source(two_schools, "dental") == "estimate"
    deserts = find_deserts(two_schools, "dental", catchment_km=0.5)
    assert deserts.demand_source == "estimate" and deserts.by == "school"
    assert {r.area_id for r in deserts.rows} == {"A", "B", "C"}
    assert best_source(two_schools, "tutoring") == "students"  # no rate: the (empty) student count


def test_the_geojson_names_the_demand_source(two_schools: MemoryStore) -> None:
    props = gaps_geojson(service_gaps(two_schools, "dental", demand="estimate"))["properties"]
    assert props["demand_source"] == "estimate" and props["estimate"] is True
    assert props["demand_years"] == ["2011-2016"] and props["demand_rates"]


def test_a_need_without_a_rate_is_refused_with_the_needs_that_have_one(two_schools: MemoryStore) -> None:
    with pytest.raises(InputError, match="no rate for tutoring.*dental"):
        service_gaps(two_schools, "tutoring", demand="estimate")


def test_unknown_capacity_is_a_stated_default_never_zero(two_schools: MemoryStore) -> None:
    three = service_gaps(two_schools, "dental", demand="estimate", default_capacity=3.0)
    assert three.capacity_assumed == 3 and {r.area_id: r.accessibility for r in three.rows}["C"] == pytest.approx(
        3 / 13
    )
    with pytest.raises(InputError, match="default capacity"):
        service_gaps(two_schools, "dental", demand="estimate", default_capacity=0)


def test_rates_of_levels_without_a_row() -> None:
    rates = (Rate("dental", 0.2, "elementary", "s", "2020"), Rate("dental", 0.1, "high", "s", "2020"))
    share, text = rate_for(rates, "dental", "other")
    assert share == pytest.approx(0.15) and "mean of the levels" in text
    assert rate_for(rates, "food", "high") is None


def test_the_network_suggests_partners_and_finds_single_points_of_failure_from_the_estimate(
    two_schools: MemoryStore,
) -> None:
    # ag1 offers svc-1 (1 km from A, 2 km from B); ag2 offers svc-2 (1 km from C). Only D partners with ag1.
    two_schools.upsert_nodes([Agency(id="ag1", name="Smiles"), Agency(id="ag2", name="Far Dental")])
    two_schools.upsert_relationships(
        [
            Offers(source="ag1", target="svc-1"),
            Offers(source="ag2", target="svc-2"),
            PartnersWith(source="D", target="ag1"),
        ]
    )
    report = coalition_network(two_schools, catchment_km=5.0, suppress_below=20)
    assert report.demand_source == "estimate" and "estimates from enrollment" in report.demand_text
    suggested = {(s.school_id, s.agency_id): s.students for s in report.suggestions}
    assert suggested == {("A", "ag1"): 80, ("B", "ag1"): 33, ("C", "ag2"): 13}  # estimates are not suppressed
    failures = {(f.agency_id, f.school_ids): f.students for f in report.single_points_of_failure}
    assert failures == {("ag1", ("A", "B", "D")): 113, ("ag2", ("C",)): 13}  # D is in reach, with no estimate
    assert coalition_network(two_schools, catchment_km=5.0, demand="students").suggestions == ()
