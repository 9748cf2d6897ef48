"""School GIS layers and open-data school lists: enrollment, capacity, level, kind and place, with no map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest import _grades, _places
from kith.ingest.nces import ingest_schools
from tests.unit.ingest.conftest import write_csv
from tests.unit.ingest.exports import assert_nothing_lost, city_schools_csv, county_school_layer


def _by_name(store: MemoryStore) -> dict[str, dict]:
    return {row["name"]: row for row in store.nodes(Label.SCHOOL)}


def test_a_county_layer_with_codes_spans_and_a_flipped_property(tmp_path: Path) -> None:
    store = MemoryStore()
    report = ingest_schools(county_school_layer(tmp_path / "schools.geojson"), store, quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    table = report.table("schools.geojson")
    assert (table.rows_read, table.loaded, table.quarantined) == (5, 4, 1)
    assert table.reasons == {"geometry: not a point": 1}
    assert table.flags == {"coordinate properties disagree with the geometry: the geometry is used": 1}
    schools = _by_name(store)
    got = {
        name: (s["level"], s.get("enrollment"), s.get("capacity"), s.get("grade_low"), s.get("grade_high"))
        for name, s in schools.items()
    }
    assert got == {
        "Garfield Elementary": ("elementary", 412, 450, "K", "5"),
        "Hoover Middle School": ("middle", 655, 700, "6", "8"),
        "Lincoln High": ("high", 1480, 1600, "9", "12"),
        "Bay Academy": ("elementary", 230, None, "PK", "8"),  # NCES: lowest PK-3 and highest PK-8 is primary
    }
    assert (schools["Hoover Middle School"]["lat"], schools["Hoover Middle School"]["lon"]) == (37.8101, -122.2601)


def test_ids_derived_from_names_are_the_same_on_every_run(tmp_path: Path) -> None:
    path = county_school_layer(tmp_path / "schools.geojson")
    first, second = MemoryStore(), MemoryStore()
    ingest_schools(path, first)
    ingest_schools(path, second)
    assert sorted(r["id"] for r in first.nodes(Label.SCHOOL)) == sorted(r["id"] for r in second.nodes(Label.SCHOOL))
    assert "school-garfield-elementary" in {r["id"] for r in first.nodes(Label.SCHOOL)}


def test_a_city_list_with_the_place_inside_a_text_column(tmp_path: Path) -> None:
    store = MemoryStore()
    report = ingest_schools(city_schools_csv(tmp_path / "schools.csv"), store, quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    table = report.table("schools.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (5, 4, 1)
    assert list(table.reasons) == ['campus_location: not a point (give "lat, lon", POINT (lon lat) or [lon, lat])']
    schools = _by_name(store)
    alamo = schools["Alamo Elementary School"]
    assert (alamo["id"], alamo["lat"], alamo["lon"], alamo["level"]) == (
        "38684786040016",
        37.783,
        -122.483,
        "elementary",
    )
    assert (schools["Aptos Middle School"]["level"], schools["Balboa High School"]["level"]) == ("middle", "high")
    charter = schools["Creative Arts Charter"]
    assert (charter["kind"], charter["grade_low"], charter["grade_high"], charter["level"]) == (
        "charter",
        "K",
        "8",
        "elementary",
    )


def test_projected_coordinates_are_quarantined_never_taken_for_degrees(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "sites.csv",
        ["School_ID", "School_Name", "POINT_X", "POINT_Y"],
        [["1", "State Plane School", "6010452.5", "2112044.1"], ["2", "Degrees School", "-122.27", "37.80"]],
    )
    store = MemoryStore()
    report = ingest_schools(path, store, quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    assert report.table("sites.csv").reasons == {f"point_y,point_x: {_places.PROJECTED}": 1}
    assert [r["name"] for r in store.nodes(Label.SCHOOL)] == ["Degrees School"]


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("37.78, -122.42", (37.78, -122.42)),
        ("(37.78, -122.42)", (37.78, -122.42)),
        ("CA (37.78, -122.42)", (37.78, -122.42)),
        ("1 Main St\nOakland, CA 94607\n(37.80, -122.27)", (37.8, -122.27)),
        ("POINT (-122.42 37.78)", (37.78, -122.42)),
        ("SRID=4326;POINT(-122.42 37.78)", (37.78, -122.42)),
        ("[-122.42, 37.78]", (37.78, -122.42)),
        ('{"type": "Point", "coordinates": [-122.42, 37.78]}', (37.78, -122.42)),
        ("unknown", None),
        ("", None),
    ],
)
def test_places_in_every_common_form(text: str, point: tuple[float, float] | None) -> None:
    assert _places.parse_point(text) == point


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("E", "elementary"),
        ("M", "middle"),
        ("S", "high"),
        ("H", "high"),
        ("Elementary", "elementary"),
        ("Junior High", "middle"),
        ("High School", "high"),
        ("K-8", "elementary"),
        ("PK-5", "elementary"),
        ("6-8", "middle"),
        ("9-12", "high"),
        ("K-12", "other"),
        ("7-12", "high"),
        ("Grades 6 to 8", "middle"),
    ],
)
def test_levels_from_codes_words_and_spans(text: str, level: str) -> None:
    assert _grades.level_of_text(text) == level


def test_geojson_geometry_in_state_plane_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "layer.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [6010452.5, 2112044.1]},
                        "properties": {"NAME": "Projected School"},
                    }
                ],
            }
        )
    )
    report = ingest_schools(path, MemoryStore())
    assert report.table("layer.geojson").reasons == {f"geometry: {_places.PROJECTED}": 1}
