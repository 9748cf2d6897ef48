"""Nearby help: exact against a brute-force haversine over every site, by hand, and its filters."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from kith.graph.errors import InputError, NodeNotFound
from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, Agency, DeliveredAt, Label, Offers, RelType, School, Service, Site, need_types
from kith.queries.nearby import NearbyService, find_nearby, resolve_place

R = 6371.0088  # the mean Earth radius the issue asks for


def great_circle(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine written out here, independent of graph.geo."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(a))


def brute_force(
    store, lat, lon, *, needs=(), radius_km=5.0, limit=10, language=None, free=False, age=None, open_at=None
):
    """Every site, every service delivered there, filtered, sorted: what find_nearby must equal."""
    from kith.queries._hours import is_open

    services = {s["id"]: s for s in store.nodes(Label.SERVICE)}
    addressed: dict[str, set[str]] = {}
    for r in store.relationships(RelType.ADDRESSES):
        addressed.setdefault(r["source"], set()).add(r["target"])
    at_site: dict[str, list[str]] = {}
    for r in store.relationships(RelType.DELIVERED_AT):
        at_site.setdefault(r["target"], []).append(r["source"])
    rows = []
    for site in store.nodes(Label.SITE):
        if "lat" not in site:
            continue
        d = great_circle(lat, lon, site["lat"], site["lon"])
        if d > radius_km:
            continue
        for sid in at_site.get(site["id"], []):
            s = services[sid]
            if needs and not set(needs) & addressed.get(sid, set()):
                continue
            if language and language not in s.get("languages", []):
                continue
            if free and s.get("cost") != "free":
                continue
            if age is not None and not (s.get("min_age", 0) <= age <= s.get("max_age", 999)):
                continue
            if open_at is not None and is_open(s.get("hours"), open_at) is False:
                continue
            rows.append((d, sid, site["id"]))
    rows.sort()
    return rows[:limit]


def same(got: list[NearbyService], expected: list[tuple[float, str, str]]) -> None:
    assert [(r.service_id, r.site_id) for r in got] == [(s, t) for _, s, t in expected]
    assert np.allclose([r.distance_km for r in got], [d for d, _, _ in expected], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"limit": 1},
        {"limit": 200, "radius_km": 3.0},
        {"needs": ["food"], "limit": 5},
        {"needs": ["tutoring", "mentoring"], "radius_km": 8.0},
        {"language": "es", "free": True, "limit": 25},
        {"age": 16, "radius_km": 2.0, "limit": 50},
        {"radius_km": 0.0},
        {"open_at": dt.datetime(2025, 3, 8, 11, 0), "limit": 30},  # a Saturday morning
    ],
)
def test_matches_brute_force_on_the_small_city(small_store: MemoryStore, filters: dict) -> None:
    centres = [(s["lat"], s["lon"]) for s in small_store.nodes(Label.SCHOOL)] + [(42.36, -71.06), (42.25, -71.2)]
    for lat, lon in centres:
        kwargs = {k: v for k, v in filters.items() if k != "open_at"}
        got = find_nearby(small_store, lat, lon, open_now=filters.get("open_at"), **kwargs)
        same(got, brute_force(small_store, lat, lon, **filters))


@pytest.fixture(scope="module")
def crowded() -> MemoryStore:
    """Many sites, some sharing a point, some with several services: ties of every kind."""
    rng = np.random.default_rng(11)
    store = MemoryStore()
    n = 1500
    lat, lon = 42.33 + rng.normal(0, 0.04, n), -71.08 + rng.normal(0, 0.05, n)
    lat[100:130], lon[100:130] = 42.33, -71.08  # thirty sites on one point: the centre of a query below
    store.upsert_nodes([Agency(id="ag", name="Agency", phone="555")])
    store.upsert_nodes(
        Site(id=f"site{i:04d}", name=f"Site {i}", lat=round(float(a), 6), lon=round(float(b), 6))
        for i, (a, b) in enumerate(zip(lat, lon))
    )
    services, rels = [], []
    for i in range(n):
        for j in range(int(rng.integers(0, 4))):
            sid = f"svc{int(rng.integers(0, 10**6)):06d}-{i}-{j}"
            services.append(
                Service(
                    id=sid,
                    name="S",
                    cost=str(rng.choice(["free", "fee"])),
                    languages=("en", "es") if rng.random() < 0.3 else ("en",),
                )
            )
            rels += [
                Offers(source="ag", target=sid),
                DeliveredAt(source=sid, target=f"site{i:04d}"),
                Addresses(source=sid, target=str(rng.choice(["food", "housing", "tutoring"]))),
            ]
    store.upsert_nodes(services)
    store.upsert_relationships(rels)
    return store


@pytest.mark.parametrize("centre", [(42.33, -71.08), (42.30, -71.02), (42.40, -71.15), (42.0, -70.0)])
@pytest.mark.parametrize(
    "filters",
    [
        {"limit": 1},
        {"limit": 7},
        {"limit": 40},
        {"limit": 500, "radius_km": 1.5},
        {"needs": ["housing"], "language": "es", "limit": 12},
        {"free": True, "limit": 3, "radius_km": 20.0},
    ],
)
def test_matches_brute_force_with_ties_and_dense_sites(crowded: MemoryStore, centre, filters) -> None:
    same(find_nearby(crowded, *centre, **filters), brute_force(crowded, *centre, **filters))


@pytest.fixture
def line() -> MemoryStore:
    """Three sites due north of (42, -71), 0.01° apart: 1.111950 km each at R = 6371.0088 km."""
    store = MemoryStore()
    store.upsert_nodes(need_types())
    store.upsert_nodes([Agency(id="a", name="Boys & Girls Club", phone="(617) 555-0100")])
    store.upsert_nodes(
        [
            Site(id=f"p{i}", name=f"Place {i}", lat=42 + 0.01 * i, lon=-71.0, address=f"{i} Main St", zip="02119")
            for i in (1, 2, 3)
        ]
    )
    store.upsert_nodes(
        [
            Service(id="s1", name="Food pantry", cost="free", languages=("en", "es"), hours="Mon-Fri 9:00-17:00"),
            Service(id="s2", name="Tutoring", cost="fee", min_age=5, max_age=12, hours="by appointment"),
            Service(id="s3", name="Clinic", cost="sliding", hours="Sat 10:00-14:00"),
            Service(id="s0", name="Also at p2", cost="free"),
        ]
    )
    store.upsert_relationships([Offers(source="a", target=s) for s in ("s0", "s1", "s2", "s3")])
    store.upsert_relationships(
        [
            DeliveredAt(source="s1", target="p1"),
            DeliveredAt(source="s2", target="p2"),
            DeliveredAt(source="s0", target="p2"),
            DeliveredAt(source="s3", target="p3"),
        ]
    )
    store.upsert_relationships([Addresses(source="s1", target="food"), Addresses(source="s2", target="tutoring")])
    return store


def test_hand_worked_distances_order_and_radius(line: MemoryStore) -> None:
    km = R * math.radians(0.01)
    rows = find_nearby(line, 42.0, -71.0, radius_km=2 * km + 1e-9)
    assert [(r.service_id, r.site_id) for r in rows] == [("s1", "p1"), ("s0", "p2"), ("s2", "p2")]  # tie by id
    assert rows[0].distance_km == pytest.approx(km, rel=1e-9)
    assert rows[1].distance_km == pytest.approx(2 * km, rel=1e-9)
    first = rows[0]
    assert (first.agency_name, first.phone, first.address, first.needs, first.cost) == (
        "Boys & Girls Club",
        "(617) 555-0100",
        "1 Main St",
        ("food",),
        "free",
    )
    assert find_nearby(line, 42.0, -71.0, radius_km=km * 0.999) == []
    assert [r.service_id for r in find_nearby(line, 42.0, -71.0, limit=2)] == ["s1", "s0"]


def test_row_fields_named_like_a_property_are_taken_from_their_own_node() -> None:
    # _rows spreads the agency's, the site's and the service's properties into a row by name: each field of
    # the row so named must belong to one of them only, the one it describes.
    fields = set(NearbyService.model_fields)
    assert fields & set(Agency.model_fields) == {"phone", "website"}
    assert fields & set(Site.model_fields) == {"lat", "lon", "address", "zip"}
    assert fields & set(Service.model_fields) == {
        "capacity",
        "waitlist",
        "cost",
        "languages",
        "min_age",
        "max_age",
        "eligibility",
        "hours",
    }


def test_a_service_offered_by_two_agencies_shows_the_first_by_id(line: MemoryStore) -> None:
    line.upsert_nodes([Agency(id="0-first", name="Family Center", phone="(617) 555-0199")])
    line.upsert_relationships([Offers(source="0-first", target="s1")])
    (row,) = find_nearby(line, 42.0, -71.0, needs=["food"])
    assert (row.agency_id, row.agency_name, row.phone) == ("0-first", "Family Center", "(617) 555-0199")
    assert find_nearby(line, 42.0, -71.0, limit=1)[0].agency_id == "0-first"  # the store saw the write


def test_a_service_no_agency_offers_has_none() -> None:
    store = MemoryStore()
    store.upsert_nodes([Site(id="p", name="Hall", lat=42.0, lon=-71.0), Service(id="s", name="Drop-in")])
    store.upsert_relationships([DeliveredAt(source="s", target="p")])
    (row,) = find_nearby(store, 42.0, -71.0)
    assert (row.agency_id, row.agency_name, row.phone, row.needs) == (None, None, None, ())


def test_filters_by_hand(line: MemoryStore) -> None:
    ids = lambda **kw: [r.service_id for r in find_nearby(line, 42.0, -71.0, **kw)]  # noqa: E731
    assert ids(needs=["food"]) == ["s1"]
    assert ids(needs=["tutoring", "food"]) == ["s1", "s2"]
    assert ids(language="ES") == ["s1"]
    assert ids(free=True) == ["s1", "s0"]
    assert ids(age=13) == ["s1", "s0", "s3"]  # s2 is for ages 5-12; no range recorded: kept
    assert ids(age=12) == ["s1", "s0", "s2", "s3"]


def test_open_now_keeps_unknown_hours_marked(line: MemoryStore) -> None:
    monday_ten = dt.datetime(2025, 3, 3, 10, 0)
    rows = find_nearby(line, 42.0, -71.0, open_now=monday_ten)
    assert [(r.service_id, r.open_now) for r in rows] == [("s1", True), ("s0", None), ("s2", None)]
    saturday_noon = dt.datetime(2025, 3, 8, 12, 0)
    assert [(r.service_id, r.open_now) for r in find_nearby(line, 42.0, -71.0, open_now=saturday_noon)] == [
        ("s0", None),
        ("s2", None),
        ("s3", True),
    ]
    assert all(r.open_now is None for r in find_nearby(line, 42.0, -71.0))  # not asked


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"needs": ["food", "moonlight"]}, "unknown need code 'moonlight'"),
        ({"limit": 0}, "limit must be at least 1"),
        ({"radius_km": -1}, "radius_km must be zero or more"),
        ({"radius_km": float("inf")}, "radius_km must be zero or more"),
        ({"radius_km": float("nan")}, "radius_km must be zero or more"),
        ({"age": 200}, "age must be between 0 and 120"),
    ],
)
def test_bad_input_is_named(line: MemoryStore, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        find_nearby(line, 42.0, -71.0, **kwargs)
    with pytest.raises(InputError, match="latitude"):
        find_nearby(line, 91.0, -71.0)


def test_resolve_place(small_store: MemoryStore) -> None:
    school = small_store.nodes(Label.SCHOOL)[0]
    place = resolve_place(small_store, f"School:{school['id']}")
    assert (place.lat, place.lon, place.label, place.kind) == (school["lat"], school["lon"], school["name"], "school")
    assert resolve_place(small_store, " 42.35, -71.06 ").model_dump() == {
        "lat": 42.35,
        "lon": -71.06,
        "label": "42.35000, -71.06000",
        "kind": "point",
    }
    by_zip = resolve_place(small_store, "02119")
    assert by_zip.kind == "zip" and great_circle(by_zip.lat, by_zip.lon, 42.32, -71.08) < 3
    address = resolve_place(small_store, "40 Dimock St, Roxbury, MA 02119-1234")
    assert (address.lat, address.lon, address.kind) == (by_zip.lat, by_zip.lon, "address")
    agency = small_store.nodes(Label.AGENCY)[0]
    assert resolve_place(small_store, f"agency:{agency['id']}").kind == "agency"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("somewhere nice", InputError, "could not understand the place 'somewhere nice'"),
        ("00000", InputError, "ZIP code 00000 is not in the offline ZIP table"),
        ("1 Main St, Nowhere 00000", InputError, "could not locate the address .* its ZIP code 00000 is not in"),
        ("95.0, 10", InputError, "latitude must be within"),
        ("school:nope", NodeNotFound, "School:nope is not in the graph"),
        ("", InputError, "no place given"),
        ("school: ", InputError, "names no school: write school:ID"),
    ],
)
def test_resolve_place_says_what_it_could_not_understand(small_store, text, error, message) -> None:
    with pytest.raises(error, match=message):
        resolve_place(small_store, text)


def test_a_school_without_a_point_is_a_clear_error() -> None:
    store = MemoryStore()
    store.upsert_nodes([School(id="x", name="Nowhere School")])
    with pytest.raises(InputError, match="School:x has no location"):
        resolve_place(store, "school:x")
