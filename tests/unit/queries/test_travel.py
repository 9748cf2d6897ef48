"""Reach by travel time: a travel matrix that reverses the distance ranking reverses the deserts; a
stated estimate by mode is a km catchment of minutes × speed / detour, said in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, DeliveredAt, School, Service, Site, need_types
from kith.queries._travel import MODES, read_travel
from kith.queries.gaps import find_deserts, service_gaps

KM = 1 / 111.195  # degrees of latitude per km


@pytest.fixture
def river() -> MemoryStore:
    """Near school N 1 km from the clinic (across a river, no bridge), far school F 10 km away (a highway)."""
    store = MemoryStore()
    store.upsert_nodes(
        [
            *need_types(),
            School(id="N", name="Near", level="elementary", enrollment=500, lat=42.30 + 1 * KM, lon=-71.06),
            School(id="F", name="Far", level="elementary", enrollment=500, lat=42.30 + 10 * KM, lon=-71.06),
            Service(id="clinic", name="Dental clinic", capacity=40),
            Site(id="S", name="Clinic", lat=42.30, lon=-71.06),
        ]
    )
    store.upsert_relationships([Addresses(source="clinic", target="dental"), DeliveredAt(source="clinic", target="S")])
    return store


def _matrix(tmp_path: Path) -> Path:
    path = tmp_path / "osrm.csv"
    path.write_text("origin,destination,minutes\nN,S,45.0\nF,S,12.5\n", encoding="utf-8")
    return path


def test_a_matrix_that_reverses_the_distance_ranking_reverses_the_deserts(river: MemoryStore, tmp_path) -> None:
    by_km = find_deserts(river, "dental", catchment_km=5.0)
    assert [r.area_id for r in by_km.rows] == ["F"] and by_km.travel.startswith("straight-line")
    travel = read_travel(_matrix(tmp_path))
    by_time = find_deserts(river, "dental", travel=travel, minutes=20)
    assert [r.area_id for r in by_time.rows] == ["N"]
    assert by_time.catchment_min == 20 and by_time.catchment_km is None
    assert by_time.travel == "travel matrix, 20 minutes"
    assert "within 20 min (travel matrix)" in by_time.rows[0].desert_rule
    both = service_gaps(river, "dental", travel=travel, minutes=60)  # both in reach: 40 places / 200 students
    assert {r.area_id: r.accessibility for r in both.rows} == {"N": pytest.approx(0.2), "F": pytest.approx(0.2)}
    what_if = service_gaps(river, "dental", travel=travel, minutes=20, add_sites=[(42.30 + 1 * KM, -71.06, 10)])
    assert {r.area_id: r.desert for r in what_if.rows}["N"]  # a new site has no minutes in the matrix


def test_a_walk_estimate_is_a_stated_km_catchment(river: MemoryStore) -> None:
    walk = MODES["walk"]
    assert walk.speed_kmh == pytest.approx(3.5 * 0.3048 * 3.6) and walk.detour == 1.2
    twenty = service_gaps(river, "dental", mode="walk", minutes=20)  # 20 min = 20/60 x 3.84 / 1.2 = 1.07 km
    assert {r.area_id: r.desert for r in twenty.rows} == {"N": False, "F": True}
    assert twenty.catchment_km == pytest.approx(20 / 60 * walk.speed_kmh / 1.2)
    assert "walk estimate" in twenty.travel and "MUTCD" in twenty.travel and "Ballou" in twenty.travel
    fifteen = service_gaps(river, "dental", mode="walk", minutes=15)  # 0.8 km: N is out of reach
    assert {r.area_id: r.desert for r in fifteen.rows} == {"N": True, "F": True}
    drive = service_gaps(river, "dental", mode="drive", minutes=20)  # 20/60 x 30 / 1.2 = 8.3 km
    assert {r.area_id: r.desert for r in drive.rows} == {"N": False, "F": True}


def test_travel_problems_are_said(river: MemoryStore, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("from,to\nN,S\n", encoding="utf-8")
    with pytest.raises(InputError, match="no origin column.*no minutes column"):
        read_travel(bad)
    with pytest.raises(InputError, match="not both"):
        service_gaps(river, "dental", mode="walk", travel=read_travel(_matrix(tmp_path)))
    with pytest.raises(InputError, match="unknown mode"):
        service_gaps(river, "dental", mode="bike")
