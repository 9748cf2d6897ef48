"""HSDS service areas (1.x ``service_area``, 3.x ``service_areas``, HSDS 3 JSON) onto the Service."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kith.graph import areas
from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest.hsds import ingest_hsds
from tests.unit.ingest.conftest import write_csv

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-72.0, 42.0], [-71.0, 42.0], [-71.0, 43.0], [-72.0, 43.0], [-72.0, 42.0]]],
}


def _package(folder: Path, area_header: list[str], area_rows: list[list[object]], *, v1: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "organizations.csv", ["id", "name"], [["o1", "Safe Harbor"]])
    write_csv(
        folder / "services.csv",
        ["id", "organization_id", "name", "status"],
        [["s1", "o1", "Shelter", "active"], ["s2", "o1", "Hotline", "active"]],
    )
    write_csv(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        [["l1", "o1", "Office", "42.36", "-71.06"]],
    )
    write_csv(
        folder / ("services_at_location.csv" if v1 else "service_at_location.csv"),
        ["id", "service_id", "location_id"],
        [["sal1", "s1", "l1"]],
    )
    write_csv(folder / ("service_area.csv" if v1 else "service_areas.csv"), area_header, area_rows)
    return folder


def _services(store: MemoryStore) -> dict[str, dict]:
    return {s["id"]: s for s in store.nodes(Label.SERVICE)}


def test_hsds3_zips_places_counties_and_extents(tmp_path: Path) -> None:
    folder = _package(
        tmp_path / "p",
        ["id", "service_id", "service_at_location_id", "name", "extent", "extent_type"],
        [
            ["a1", "s1", "", "02108, 02109", "", ""],
            ["a2", "s1", "", "Hampden County, MA", "", ""],
            ["a3", "", "sal1", "", json.dumps(SQUARE), "geojson"],
            ["a4", "s2", "", "Springfield", "", ""],  # in many states: quarantined
            ["a5", "s2", "", "", '{"type": "Point", "coordinates": [0, 0]}', "geojson"],
            ["a6", "s2", "", "", "<kml/>", "kml"],
            ["a7", "s9", "", "02108", "", ""],
            ["a8", "s2", "", "", "", ""],
        ],
    )
    store = MemoryStore()
    report = ingest_hsds(folder, store)
    table = report.table("service_areas.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (8, 3, 5)
    assert set(table.reasons) == {
        "name: names a place in more than one state (" + areas.place_zips("Springfield")[1].split("(", 1)[1],
        "extent: a Point geometry is no area (give a Polygon or MultiPolygon)",
        "extent_type: a kml extent kith does not read (give GeoJSON, ZIP codes or a place)",
        "service_id: points to no service",
        "service_area: missing",
    }
    s1, s2 = _services(store)["s1"], _services(store)["s2"]
    assert s1["area_zips"][:2] == ["02108", "02109"] and "01103" in s1["area_zips"]  # Springfield, Hampden County
    assert areas.covered(s1["area_geojson"], np.array([42.5, 41.0]), np.array([-71.5, -71.5])).tolist() == [True, False]
    assert list(s2.get("area_zips", [])) == [] and s2.get("area_geojson") is None


def test_hsds1_service_area_text(tmp_path: Path) -> None:
    folder = _package(
        tmp_path / "p",
        ["id", "service_id", "service_area", "description"],
        [["a1", "s1", "Suffolk County, MA", ""], ["a2", "s2", "Atlantis, ZZ", ""]],
        v1=True,
    )
    store = MemoryStore()
    report = ingest_hsds(folder, store)
    assert report.format == "hsds1-csv"
    assert report.table("service_area.csv").reasons == {
        "service_area: names no ZIP code, place or county kith knows": 1
    }
    assert "02108" in _services(store)["s1"]["area_zips"]


def test_hsds3_json_extent_as_an_object(tmp_path: Path) -> None:
    service = {
        "id": "s1",
        "name": "Shelter",
        "status": "active",
        "organization": {"id": "o1", "name": "Safe Harbor"},
        "service_areas": [{"id": "a1", "extent": SQUARE, "extent_type": "geojson"}, {"id": "a2", "name": "02139"}],
    }
    (tmp_path / "s.json").write_text(json.dumps(service))
    store = MemoryStore()
    ingest_hsds(tmp_path / "s.json", store)
    s1 = _services(store)["s1"]
    assert s1["area_zips"] == ["02139"]
    assert areas.covered(s1["area_geojson"], np.array([42.5]), np.array([-71.5])).tolist() == [True]


def test_a_hole_is_outside() -> None:
    ring = [[-72.0, 42.0], [-71.0, 42.0], [-71.0, 43.0], [-72.0, 43.0], [-72.0, 42.0]]
    hole = [[-71.6, 42.4], [-71.4, 42.4], [-71.4, 42.6], [-71.6, 42.6], [-71.6, 42.4]]
    extent = areas.parse_extent({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring, hole]}})
    assert areas.covered(extent, np.array([42.5, 42.1]), np.array([-71.5, -71.9])).tolist() == [False, True]


def test_a_confidential_shelter_is_found_by_area_and_never_located(tmp_path: Path) -> None:
    from kith.queries.nearby import find_nearby, find_serving_area

    folder = tmp_path / "p"
    folder.mkdir()
    write_csv(folder / "organizations.csv", ["id", "name"], [["o1", "Safe Harbor"]])
    write_csv(
        folder / "services.csv",
        ["id", "organization_id", "name", "status"],
        [["s1", "o1", "Emergency shelter", "active"], ["s2", "o1", "Safe house", "active"]],
    )
    write_csv(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude", "confidential"],
        [["l1", "o1", "Shelter", "42.36", "-71.06", "true"], ["l2", "o1", "Safe house", "", "", ""]],
    )
    write_csv(
        folder / "service_at_location.csv",
        ["id", "service_id", "location_id"],
        [["sal1", "s1", "l1"], ["sal2", "s2", "l2"]],
    )
    write_csv(
        folder / "service_areas.csv",
        ["id", "service_id", "name", "extent", "extent_type"],
        [["a1", "s1", "", json.dumps(SQUARE), "geojson"], ["a2", "s2", "Suffolk County, MA", "", ""]],
    )
    store = MemoryStore()
    report = ingest_hsds(folder, store)
    assert report.table("locations.csv").quarantined == 1  # the confidential one; the other is held without a place
    assert (
        "confidential: a confidential location: not stored (its services are found by their service area)"
        in report.table("locations.csv").reasons
    )
    assert [(s["id"], s.get("lat"), s.get("address")) for s in store.nodes(Label.SITE)] == [("l2", None, None)]
    assert {s["id"] for s in store.nodes(Label.SERVICE)} == {"s1", "s2"}
    assert find_nearby(store, 42.36, -71.06, radius_km=50) == []
    assert [r.service_id for r in find_serving_area(store, 42.36, -71.06)] == ["s1", "s2"]  # by name
    assert find_serving_area(store, 42.5, -71.5)[0].service_id == "s1"
