"""Nearby: services whose service area holds the place, after those within the radius, as "serves
this area", never with a location (a confidential shelter is found by its area and reached by phone)."""

from __future__ import annotations

from kith.graph import areas
from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, Agency, DeliveredAt, Offers, Service, Site, need_types
from kith.queries.nearby import Place, find_nearby, find_serving_area
from kith.queries.referral import render_referral_list
from tests.unit.queries.test_service_area_reach import COUNTY, KM


def _store(store: MemoryStore | None = None) -> MemoryStore:
    store = MemoryStore() if store is None else store
    store.upsert_nodes(
        [
            *need_types(),
            Agency(id="a", name="Safe Harbor", phone="617-555-0199"),
            Service(id="shelter", name="Emergency shelter", area_geojson=areas.parse_extent(COUNTY), cost="free"),
            Service(id="clinic", name="Clinic", area_zips=("02108",)),
            Service(id="pantry", name="Pantry"),
            Site(id="S", name="Clinic site", address="1 Main St", lat=42.30, lon=-71.06),
        ]
    )
    store.upsert_relationships(
        [
            Offers(source="a", target="shelter"),
            Offers(source="a", target="clinic"),
            Offers(source="a", target="pantry"),
            Addresses(source="shelter", target="housing"),
            Addresses(source="clinic", target="housing"),
            Addresses(source="pantry", target="food"),
            DeliveredAt(source="clinic", target="S"),
            DeliveredAt(source="pantry", target="S"),
        ]
    )
    return store


def test_a_confidential_shelter_is_found_by_its_area_without_a_location() -> None:
    store = _store()
    far = (42.30 + 30 * KM, -71.06)
    assert find_nearby(store, *far, radius_km=5.0) == []
    rows = find_serving_area(store, *far, needs=["housing"])
    assert [(r.service_id, r.distance, r.phone) for r in rows] == [("shelter", "serves this area", "617-555-0199")]
    dumped = rows[0].model_dump()
    assert not {"lat", "lon", "address", "site_id", "distance_km"} & set(dumped)
    text = render_referral_list([], Place(lat=far[0], lon=far[1], label="far"), area_rows=rows)
    assert "Serves this area" in text and "Address" not in text
    assert find_serving_area(store, *far, needs=["food"]) == []
    assert find_serving_area(store, 10.0, 10.0) == []


def test_area_rows_come_after_the_radius_rows_and_leave_out_what_they_list() -> None:
    store = _store()
    boston = (42.3588, -71.0707)  # ZIP 02108's neighbourhood, about 6.5 km from the site
    near = find_nearby(store, 42.30, -71.06, radius_km=5.0, needs=["housing"])
    assert [r.service_id for r in near] == ["clinic"]
    after = find_serving_area(store, 42.30, -71.06, needs=["housing"], besides=[r.service_id for r in near])
    assert [r.service_id for r in after] == ["shelter"]
    assert {r.service_id for r in find_serving_area(store, *boston)} >= {"shelter"}


def test_the_command_line_lists_area_rows_after_and_hides_them_when_asked(tmp_path) -> None:
    import json

    from tests.unit.test_cli import kith

    home = tmp_path / "home"
    home.mkdir()
    with MemoryStore.open(home / "graph.msgpack") as store:
        _store(store)
    near = ("nearby", "--near", "42.30,-71.06", "--need", "housing", "--format", "json")
    shown = kith(*near, home=home)
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    assert [(r["service_id"], r["distance_km"]) for r in rows] == [("clinic", 0.0), ("shelter", "serves this area")]
    assert not {"lat", "lon", "address", "site_id"} & set(rows[1])
    hidden = kith(*near, "--no-service-areas", home=home)
    assert [r["service_id"] for r in json.loads(hidden.stdout)] == ["clinic"]
    table = kith("nearby", "--near", "42.30,-71.06", "--need", "housing", home=home)
    assert table.returncode == 0 and "serves this area" in table.stdout
