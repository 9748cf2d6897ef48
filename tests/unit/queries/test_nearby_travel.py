"""Nearby in minutes: a travel matrix (origin = the place, destination = site, minutes) that reverses
the distance ranking reverses the list, and cuts it at the minutes; a stated estimate by mode is a km
radius of the minutes; every output names the travel measure it used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, DeliveredAt, School, Service, Site, need_types
from kith.queries._travel import MODES, read_travel
from kith.queries.nearby import find_nearby, find_nearby_by_travel, resolve_place
from kith.queries.referral import render_referral_list

KM = 1 / 111.195  # degrees of latitude per km


def _river(store: MemoryStore | None = None) -> MemoryStore:
    """School X; clinic A 1 km away across a river with no bridge (45 min), clinic B 6 km away on the
    highway (12 min), clinic C 3 km away that the matrix does not list."""
    store = MemoryStore() if store is None else store
    store.upsert_nodes(
        [
            *need_types(),
            School(id="X", name="Riverside Elementary", level="elementary", enrollment=300, lat=42.30, lon=-71.06),
            *(Service(id=f"dental-{s}", name=f"Dental {s}") for s in "ABC"),
            Site(id="A", name="Across the river", lat=42.30 + 1 * KM, lon=-71.06),
            Site(id="B", name="By the highway", lat=42.30 + 6 * KM, lon=-71.06),
            Site(id="C", name="Not in the matrix", lat=42.30 - 3 * KM, lon=-71.06),
        ]
    )
    store.upsert_relationships(
        [
            *(Addresses(source=f"dental-{s}", target="dental") for s in "ABC"),
            *(DeliveredAt(source=f"dental-{s}", target=s) for s in "ABC"),
        ]
    )
    return store


def _matrix(tmp_path: Path) -> Path:
    path = tmp_path / "osrm.csv"
    path.write_text("origin,destination,minutes\nX,A,45\nX,B,12.5\nY,C,1\n", encoding="utf-8")
    return path


def test_a_matrix_that_reverses_the_distance_ranking_reverses_the_list(tmp_path) -> None:
    store = _river()
    place = resolve_place(store, "school:X")
    assert [r.site_id for r in find_nearby(store, place.lat, place.lon, radius_km=10)] == ["A", "C", "B"]
    travel = read_travel(_matrix(tmp_path))
    rows, measure = find_nearby_by_travel(store, place, travel=travel, minutes=60, needs=["dental"])
    assert [(r.site_id, r.minutes) for r in rows] == [("B", 12.5), ("A", 45.0)]
    assert rows[0].distance_km == pytest.approx(6.0, rel=1e-3)  # the distance is kept beside the minutes
    assert measure == "travel matrix, 60 minutes from X"
    quick, measure = find_nearby_by_travel(store, place, travel=travel, needs=["dental"])  # 20 minutes
    assert [r.site_id for r in quick] == ["B"] and measure == "travel matrix, 20 minutes from X"
    with pytest.raises(InputError, match="no row from 02108"):
        find_nearby_by_travel(store, resolve_place(store, "02108"), travel=travel)


def test_a_walk_estimate_is_a_km_radius_of_the_minutes() -> None:
    store = _river()
    place = resolve_place(store, "school:X")
    walk = MODES["walk"]
    rows, measure = find_nearby_by_travel(store, place, mode="walk", minutes=20)  # 20/60 x 3.84 / 1.2 = 1.07 km
    assert [r.site_id for r in rows] == ["A"]
    assert rows[0].minutes == pytest.approx(round(1.0 * walk.detour / walk.speed_kmh * 60, 1), abs=0.05)
    assert "walk estimate: 20 minutes" in measure and "MUTCD" in measure
    drive, _ = find_nearby_by_travel(store, place, mode="drive", minutes=20)  # 8.3 km
    assert [r.site_id for r in drive] == ["A", "C", "B"]
    listed = render_referral_list(rows, place, reach=measure)
    assert "Reach: walk estimate" in listed and "19 min, 1.0 km" in listed  # 1 km x 1.2 / 3.84 km/h = 18.75 min


def test_the_command_line_ranks_in_minutes_and_says_the_measure(tmp_path) -> None:
    from tests.unit.test_cli import kith

    home = tmp_path / "home"
    home.mkdir()
    with MemoryStore.open(home / "graph.msgpack") as store:
        _river(store)
    matrix = _matrix(tmp_path)
    near = ("nearby", "--near", "school:X", "--need", "dental", "--format", "json")
    by_time = kith(*near, "--travel", str(matrix), "--minutes", "30", home=home)
    assert by_time.returncode == 0, by_time.stderr
    rows = json.loads(by_time.stdout)
    assert [(r["site_id"], r["minutes"], r["reach"]) for r in rows] == [("B", 12.5, "travel matrix, 30 minutes from X")]
    by_km = kith(*near, "--radius-km", "10", home=home)
    assert [r["site_id"] for r in json.loads(by_km.stdout)] == ["A", "C", "B"]
    table = kith("nearby", "--near", "school:X", "--need", "dental", "--mode", "walk", home=home)
    assert table.returncode == 0, table.stderr
    assert (
        "by walk estimate: 20 minutes" in table.stderr and "Dental A" in table.stdout and "Dental B" not in table.stdout
    )
    both = kith(*near, "--travel", str(matrix), "--mode", "walk", home=home)
    assert both.returncode != 0 and "not both" in both.stderr
