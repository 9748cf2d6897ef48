"""The store port's contract, checked on every store with the same data."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from kith.graph.errors import NodeNotFound
from kith.graph.geo import HOME_CELL_RESOLUTION, cell_of, haversine_km
from kith.graph.model import (
    Addresses,
    Agency,
    CollaboratesWith,
    DeliveredAt,
    EnrolledIn,
    Family,
    HasNeed,
    Label,
    MemberOf,
    NodeRef,
    Offers,
    PartnersWith,
    RelType,
    School,
    Service,
    Site,
    Student,
    need_types,
)
from kith.graph.store import GraphStore


def _org_graph(store: GraphStore) -> None:
    """A little partner network: 3 schools, 5 agencies, a chain of collaborations."""
    store.upsert_nodes(
        [
            School(id="s1", name="Lincoln", lat=42.33, lon=-71.08),
            School(id="s2", name="Adams", lat=42.35, lon=-71.06),
            School(id="s3", name="Curley", lat=42.30, lon=-71.10),
            *[Agency(id=f"a{i}", name=f"Agency {i}") for i in range(1, 6)],
        ]
    )
    store.upsert_relationships(
        [
            PartnersWith(source="s1", target="a1", since=2019, mou=True, strength=0.9),
            PartnersWith(source="s2", target="a2", strength=0.4),
            PartnersWith(source="s2", target="a3", strength=0.8),
            CollaboratesWith(source="a1", target="a2", kind="referral"),
            CollaboratesWith(source="a3", target="a1", kind="co-location"),
            CollaboratesWith(source="a2", target="a4"),
        ]
    )


def test_upsert_twice_changes_nothing(store: GraphStore, small_city) -> None:
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    first = store.counts()
    schools = store.nodes(Label.SCHOOL)
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    assert store.counts() == first
    assert store.nodes(Label.SCHOOL) == schools
    assert all(first[label.value] > 0 for label in Label if label is not Label.AREA_COUNT)  # the city has no surveys


def test_upsert_merges_properties(store: GraphStore) -> None:
    store.upsert_nodes([Service(id="v1", name="Tutoring", capacity=20, cost="free")])
    store.upsert_nodes([Service(id="v1", name="Homework help", capacity=25)])
    (row,) = store.nodes(Label.SERVICE)
    assert row == {"id": "v1", "name": "Homework help", "capacity": 25, "cost": "free", "languages": []}


def test_relationships_need_both_endpoints(store: GraphStore) -> None:
    store.upsert_nodes([Agency(id="a1", name="A"), Service(id="v1", name="Food")])
    written = store.upsert_relationships([Offers(source="a1", target="v1"), Offers(source="a1", target="nope")])
    assert written == 1
    assert store.relationships(RelType.OFFERS) == [{"source": "a1", "target": "v1"}]


def test_nodes_and_relationships_filter_and_order(store: GraphStore) -> None:
    _org_graph(store)
    assert [n["id"] for n in store.nodes(Label.AGENCY)] == ["a1", "a2", "a3", "a4", "a5"]
    assert [n["id"] for n in store.nodes(Label.SCHOOL, ids=["s3", "s1", "zz"])] == ["s1", "s3"]
    assert [n["id"] for n in store.nodes(Label.SCHOOL, where={"name": "Adams"})] == ["s2"]
    partners = store.relationships(RelType.PARTNERS_WITH)
    assert [(r["source"], r["target"]) for r in partners] == [("s1", "a1"), ("s2", "a2"), ("s2", "a3")]
    assert partners[0]["since"] == 2019 and partners[0]["mou"] is True
    assert [r["target"] for r in store.relationships(RelType.PARTNERS_WITH, sources=["s2"])] == ["a2", "a3"]
    assert [r["source"] for r in store.relationships(RelType.COLLABORATES_WITH, targets=["a1"])] == ["a3"]
    counts = store.counts()
    assert counts["School"] == 3 and counts["COLLABORATES_WITH"] == 3 and counts["Student"] == 0


def test_within_matches_brute_force(store: GraphStore) -> None:
    rng = np.random.default_rng(3)
    lat, lon = 42.33 + rng.normal(0, 0.05, 300), -71.08 + rng.normal(0, 0.07, 300)
    store.upsert_nodes(
        Site(id=f"site{i:03d}", name="x", lat=round(a, 6), lon=round(b, 6)) for i, (a, b) in enumerate(zip(lat, lon))
    )
    store.upsert_nodes([Site(id="nowhere", name="no coordinates yet")])
    sites = store.nodes(Label.SITE)
    for centre, radius in [((42.33, -71.08), 2.0), ((42.40, -71.00), 5.0), ((42.33, -71.08), 0.0)]:
        got = store.within(*centre, radius)
        dist = {s["id"]: float(haversine_km(*centre, s["lat"], s["lon"])) for s in sites if "lat" in s}
        expected = sorted((d, i) for i, d in dist.items() if d <= radius)
        assert [i for i, _ in got] == [i for _, i in expected]
        assert np.allclose([d for _, d in got], [d for d, _ in expected], rtol=1e-9)
        for limit in (1, 5, 40, 1000):
            assert store.within(*centre, radius, limit=limit) == got[:limit]


def test_within_limit_is_exact_with_ties(store: GraphStore) -> None:
    # Twenty sites at one point and a ring of others: the cut of a limit falls inside the tie.
    store.upsert_nodes(Site(id=f"same{i:02d}", name="x", lat=42.35, lon=-71.05) for i in range(20))
    store.upsert_nodes(Site(id=f"ring{i:02d}", name="x", lat=42.35 + 0.001 * (i + 1), lon=-71.05) for i in range(30))
    everything = store.within(42.35, -71.05, 10.0)
    for limit in (1, 3, 19, 20, 21, 49, 50, 60):
        assert store.within(42.35, -71.05, 10.0, limit=limit) == everything[:limit]
    assert [i for i, _ in everything[:3]] == ["same00", "same01", "same02"]


def test_shortest_paths_agree_with_networkx(store: GraphStore) -> None:
    _org_graph(store)
    org = [RelType.PARTNERS_WITH, RelType.COLLABORATES_WITH]
    paths = store.shortest_paths(
        NodeRef(Label.SCHOOL, "s1"),
        [NodeRef(Label.AGENCY, "a4"), NodeRef(Label.AGENCY, "a5"), NodeRef(Label.SCHOOL, "s2")],
        rel_types=org,
        k=5,
    )
    view = nx.Graph(store.project([Label.SCHOOL, Label.AGENCY], org))
    by_target = {}
    for p in paths:
        by_target.setdefault(p.nodes[-1], []).append(p)
    assert NodeRef(Label.AGENCY, "a5") not in by_target  # isolated: unreachable
    for target, found in by_target.items():
        expected = sorted(
            tuple(str(n) for n in path) for path in nx.all_shortest_paths(view, NodeRef(Label.SCHOOL, "s1"), target)
        )
        assert sorted(tuple(str(n) for n in p.nodes) for p in found) == expected
        assert all(p.hops == nx.shortest_path_length(view, NodeRef(Label.SCHOOL, "s1"), target) for p in found)
    s1_a4 = by_target[NodeRef(Label.AGENCY, "a4")][0]
    assert [s.type for s in s1_a4.steps] == [
        RelType.PARTNERS_WITH,
        RelType.COLLABORATES_WITH,
        RelType.COLLABORATES_WITH,
    ]
    assert s1_a4.steps[0].properties["strength"] == 0.9
    # s1 reaches s2 two ways in 3 hops (via a1-a2 and via a1-a3); k limits and orders them.
    (first,) = store.shortest_paths(NodeRef(Label.SCHOOL, "s1"), [NodeRef(Label.SCHOOL, "s2")], rel_types=org)
    assert [str(n) for n in first.nodes] == ["School:s1", "Agency:a1", "Agency:a2", "School:s2"]


def test_shortest_paths_respect_hops_and_types(store: GraphStore) -> None:
    _org_graph(store)
    s1, a4 = NodeRef(Label.SCHOOL, "s1"), NodeRef(Label.AGENCY, "a4")
    assert store.shortest_paths(s1, [a4], max_hops=2) == []
    assert store.shortest_paths(s1, [a4], rel_types=[RelType.PARTNERS_WITH]) == []
    with pytest.raises(NodeNotFound):
        store.shortest_paths(NodeRef(Label.SCHOOL, "missing"), [a4])


def test_project_keeps_properties_and_only_asked_types(store: GraphStore) -> None:
    _org_graph(store)
    store.upsert_nodes([Service(id="v1", name="Food")])
    store.upsert_relationships([Offers(source="a1", target="v1"), DeliveredAt(source="v1", target="x")])
    view = store.project([Label.SCHOOL, Label.AGENCY], [RelType.PARTNERS_WITH, RelType.OFFERS])
    assert view.number_of_nodes() == 8 and view.number_of_edges() == 3
    assert view.nodes[NodeRef(Label.SCHOOL, "s1")]["name"] == "Lincoln"
    assert view.edges[NodeRef(Label.SCHOOL, "s1"), NodeRef(Label.AGENCY, "a1"), RelType.PARTNERS_WITH]["mou"] is True


def test_clear_empties(store: GraphStore) -> None:
    _org_graph(store)
    store.clear()
    assert not any(store.counts().values())


def test_paths_that_differ_only_in_direction_are_ordered_forward_first(store: GraphStore) -> None:
    store.upsert_nodes([Agency(id="a1", name="One"), Agency(id="a2", name="Two")])
    store.upsert_relationships(
        [
            CollaboratesWith(source="a2", target="a1", kind="referral"),
            CollaboratesWith(source="a1", target="a2", kind="co-location"),
        ]
    )
    paths = store.shortest_paths(NodeRef(Label.AGENCY, "a1"), [NodeRef(Label.AGENCY, "a2")], k=2)
    assert [p.steps[0].properties["kind"] for p in paths] == ["co-location", "referral"]
    assert paths == sorted(paths, key=lambda p: p.sort_key())


# ------------------------------------------------------------------ services_at


def _services_at_by_hand(store: GraphStore, site_ids: set[str]) -> list[dict]:
    """What services_at must answer, joined here from whole reads of nodes and relationships."""
    sites = {n["id"]: n for n in store.nodes(Label.SITE)}
    services = {n["id"]: n for n in store.nodes(Label.SERVICE)}
    agencies = {n["id"]: n for n in store.nodes(Label.AGENCY)}
    offers, addresses = store.relationships(RelType.OFFERS), store.relationships(RelType.ADDRESSES)
    rows = []
    for r in store.relationships(RelType.DELIVERED_AT):
        if r["target"] in site_ids:
            offering = sorted(o["source"] for o in offers if o["target"] == r["source"])
            rows.append(
                {
                    "site": sites[r["target"]],
                    "service": services[r["source"]],
                    "agency": agencies[offering[0]] if offering else None,
                    "needs": sorted(a["target"] for a in addresses if a["source"] == r["source"]),
                }
            )
    return sorted(rows, key=lambda row: (row["site"]["id"], row["service"]["id"]))


def _delivery_graph(store: GraphStore) -> None:
    """Three sites (x3 with no services, x4 with no location), services with two, one and no agencies."""
    store.upsert_nodes(need_types())
    store.upsert_nodes(
        [
            Site(id="x1", name="Library", lat=42.33, lon=-71.08, address="1 Main St"),
            Site(id="x2", name="Clinic", lat=42.34, lon=-71.07, zip="02119"),
            Site(id="x3", name="Empty hall", lat=42.35, lon=-71.06),
            Site(id="x4", name="Not located yet"),
            Agency(id="a2", name="Second", phone="555-0102"),
            Agency(id="a1", name="First", website="https://first.example.org"),
            Agency(id="a3", name="Third"),
            Service(id="v2", name="Drop-in", cost="free"),
            Service(id="v1", name="Pantry", languages=("en", "es"), hours="Mon 9:00-12:00"),
            Service(id="v3", name="Dental", min_age=5, max_age=18),
        ]
    )
    store.upsert_relationships(
        [
            Offers(source="a2", target="v1"),
            Offers(source="a1", target="v1"),
            Offers(source="a3", target="v3"),
            DeliveredAt(source="v2", target="x1"),
            DeliveredAt(source="v1", target="x2"),
            DeliveredAt(source="v1", target="x1"),
            DeliveredAt(source="v3", target="x2"),
            DeliveredAt(source="v3", target="x4"),
            Addresses(source="v1", target="housing"),
            Addresses(source="v1", target="food"),
            Addresses(source="v3", target="dental"),
        ]
    )


def test_services_at_joins_site_service_agency_and_needs(store: GraphStore) -> None:
    _delivery_graph(store)
    rows = store.services_at(["x2", "nope", "x3", "x1", "x4", "x1"])
    assert rows == _services_at_by_hand(store, {"x1", "x2", "x3", "x4"})
    assert [(r["site"]["id"], r["service"]["id"]) for r in rows] == [
        ("x1", "v1"),
        ("x1", "v2"),
        ("x2", "v1"),
        ("x2", "v3"),
        ("x4", "v3"),
    ]
    first = rows[0]
    assert first["site"] == {"id": "x1", "name": "Library", "lat": 42.33, "lon": -71.08, "address": "1 Main St"}
    assert first["service"] == {"id": "v1", "name": "Pantry", "languages": ["en", "es"], "hours": "Mon 9:00-12:00"}
    assert first["agency"] == {"id": "a1", "name": "First", "website": "https://first.example.org"}  # a1 before a2
    assert first["needs"] == ["food", "housing"]
    assert rows[1]["agency"] is None and rows[1]["needs"] == []  # v2: offered by no agency, addresses nothing
    assert rows[3]["agency"]["id"] == "a3" and rows[3]["needs"] == ["dental"]
    assert store.services_at(["x3"]) == [] and store.services_at(["nope"]) == [] and store.services_at([]) == []


def test_services_at_matches_the_whole_reads_on_the_small_city(store: GraphStore, small_city) -> None:
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    site_ids = [s["id"] for s in store.nodes(Label.SITE)]
    assert site_ids
    everything = store.services_at(site_ids)
    assert everything == _services_at_by_hand(store, set(site_ids))
    some = set(site_ids[::3])
    assert store.services_at(some) == [r for r in everything if r["site"]["id"] in some]


def test_nodes_by_ref_reads_several_labels_at_once(store: GraphStore) -> None:
    _delivery_graph(store)
    refs = [
        NodeRef(Label.SITE, "x2"),
        NodeRef(Label.AGENCY, "a1"),
        NodeRef(Label.SITE, "x1"),
        NodeRef(Label.SERVICE, "nope"),
        NodeRef(Label.NEED_TYPE, "food"),
        NodeRef(Label.SCHOOL, "x1"),  # a site's id, asked as a school: not found
        NodeRef(Label.AGENCY, "a1"),
    ]
    found = store.nodes_by_ref(refs)
    assert list(found) == sorted(set(refs) - {NodeRef(Label.SERVICE, "nope"), NodeRef(Label.SCHOOL, "x1")})
    for ref, props in found.items():
        assert props == store.nodes(ref.label, ids=[ref.id])[0]
    found[NodeRef(Label.SITE, "x1")]["name"] = "changed by a caller"
    assert store.nodes_by_ref([NodeRef(Label.SITE, "x1")])[NodeRef(Label.SITE, "x1")]["name"] == "Library"
    assert store.nodes_by_ref([]) == {}


def test_services_near_is_within_then_services_at(store: GraphStore) -> None:
    _delivery_graph(store)
    # Ties at the cut of a limit: ten sites at one point, the first with a service, and a ring around them.
    store.upsert_nodes(Site(id=f"same{i:02d}", name="x", lat=42.335, lon=-71.075) for i in range(10))
    store.upsert_nodes(Site(id=f"ring{i:02d}", name="x", lat=42.335 + 0.002 * (i + 1), lon=-71.075) for i in range(8))
    store.upsert_relationships([DeliveredAt(source="v2", target="same00"), DeliveredAt(source="v3", target="ring03")])
    for centre, radius in [((42.335, -71.075), 5.0), ((42.33, -71.08), 1.2), ((42.34, -71.07), 0.0), ((0.0, 0.0), 9)]:
        for limit in (1, 2, 9, 10, 11, 15, 100):
            sites, rows = store.services_near(*centre, radius, limit=limit)
            assert sites == store.within(*centre, radius, limit=limit)
            assert rows == store.services_at(site_id for site_id, _ in sites)
        everything = store.within(*centre, radius)
        joined = _services_at_by_hand(store, {site_id for site_id, _ in everything})
        for needs in (["food"], ["dental", "tutoring"], ["tutoring"], []):
            serving = {r["site"]["id"] for r in joined if set(r["needs"]) & set(needs)}
            for limit in (1, 2, 100):
                sites, rows = store.services_near(*centre, radius, limit=limit, needs=needs)
                assert sites == [s for s in everything if s[0] in serving][:limit]
                assert rows == store.services_at(site_id for site_id, _ in sites)
    sites, rows = store.services_near(42.335, -71.075, 5.0, limit=12)
    assert len(sites) == 12 and {"x1", "x2", "ring03"} - {i for i, _ in sites}  # the cut falls in the ring
    assert [r["service"]["id"] for r in rows if r["site"]["id"] == "same00"] == ["v2"]
    assert [i for i, _ in store.services_near(42.335, -71.075, 5.0, limit=3, needs=["food"])[0]] == ["x2", "x1"]
    assert store.services_near(42.335, -71.075, -1.0, limit=5) == ([], [])


def test_services_at_sees_every_write_and_keeps_no_change_a_caller_makes(store: GraphStore) -> None:
    _delivery_graph(store)
    before = store.services_at(["x1", "x3"])
    before[0]["site"]["name"] = "changed by a caller"
    before[0]["needs"].append("moonlight")
    before[1]["service"].clear()
    assert store.services_at(["x1", "x3"]) == _services_at_by_hand(store, {"x1", "x3"})
    store.upsert_nodes(
        [
            Site(id="x1", name="New library", lat=42.33, lon=-71.08),
            Agency(id="a0", name="Zeroth"),
            Service(id="v4", name="Tutoring"),
        ]
    )
    store.upsert_relationships(
        [
            Offers(source="a0", target="v1"),
            DeliveredAt(source="v4", target="x3"),
            Addresses(source="v2", target="tutoring"),
        ]
    )
    after = store.services_at(["x1", "x3"])
    assert after == _services_at_by_hand(store, {"x1", "x3"})
    assert after[0]["site"]["name"] == "New library" and after[0]["agency"]["id"] == "a0"
    assert after[1]["needs"] == ["tutoring"]
    assert [r["service"]["id"] for r in after if r["site"]["id"] == "x3"] == ["v4"]
    store.clear()
    assert store.services_at(["x1", "x3"]) == []


def test_service_areas_are_held_and_put_far_demand_in_reach(store: GraphStore) -> None:
    from kith.graph import areas
    from kith.queries.gaps import find_deserts

    box = areas.parse_extent(
        {
            "type": "Polygon",
            "coordinates": [[[-71.4, 42.0], [-70.7, 42.0], [-70.7, 42.6], [-71.4, 42.6], [-71.4, 42.0]]],
        }
    )
    store.upsert_nodes(
        [
            *need_types(),
            School(id="F", name="Far", level="elementary", enrollment=500, lat=42.57, lon=-71.06),
            Service(id="clinic", name="Clinic", capacity=40, area_zips=("02108", "02109"), area_geojson=box),
            Service(id="shelter", name="Shelter", area_zips=("02108",)),
            Site(id="S", name="Clinic", lat=42.30, lon=-71.06),
        ]
    )
    store.upsert_relationships([Addresses(source="clinic", target="dental"), DeliveredAt(source="clinic", target="S")])
    held = {s["id"]: s for s in store.nodes(Label.SERVICE)}
    assert list(held["clinic"]["area_zips"]) == ["02108", "02109"] and held["clinic"]["area_geojson"] == box
    assert list(held["shelter"]["area_zips"]) == ["02108"] and held["shelter"].get("area_geojson") is None
    assert find_deserts(store, "dental", catchment_km=5.0).rows == ()
    from kith.queries.network import coalition_network

    store.upsert_nodes([Agency(id="A", name="Harbor Dental")])
    store.upsert_relationships([Offers(source="A", target="clinic")])
    (suggested,) = coalition_network(store, demand="estimate", catchment_km=5.0).suggestions
    assert (suggested.school_id, suggested.agency_id, suggested.distance_km, suggested.serves_area) == (
        "F",
        "A",
        None,
        True,
    )


def _students_graph(store: GraphStore) -> tuple[str, str]:
    """Students with needs, schools and families, with the cases ``student_needs`` decides: two schools,
    two families (the later one without a home cell), no school, no family. Returns the two home cells."""
    here, there = cell_of(42.33, -71.08, HOME_CELL_RESOLUTION), cell_of(42.36, -71.05, HOME_CELL_RESOLUTION)
    store.upsert_nodes(
        [
            *need_types(),
            School(id="sch-a", name="A", lat=42.33, lon=-71.08),
            School(id="sch-b", name="B"),
            Family(id="f1", home_cell=here),
            Family(id="f2"),
            Family(id="f3", home_cell=there),
            *(Student(id=f"s{i}") for i in range(6)),
        ]
    )
    store.upsert_relationships(
        [
            HasNeed(source="s0", target="tutoring"),
            EnrolledIn(source="s0", target="sch-a"),
            HasNeed(source="s1", target="food", level=2),
            HasNeed(source="s1", target="tutoring"),
            EnrolledIn(source="s1", target="sch-b"),
            EnrolledIn(source="s1", target="sch-a"),
            MemberOf(source="s1", target="f1"),
            MemberOf(source="s1", target="f2"),  # the family of greatest id has no home cell
            HasNeed(source="s2", target="food"),  # no school
            MemberOf(source="s2", target="f1"),
            EnrolledIn(source="s3", target="sch-a"),  # no need
            MemberOf(source="s3", target="f3"),
            HasNeed(source="s4", target="dental"),
            EnrolledIn(source="s4", target="sch-b"),
            MemberOf(source="s4", target="f3"),
            MemberOf(source="s4", target="f1"),  # f3 is the greater id
        ]
    )
    return here, there


def test_student_needs_reads_each_student_once_with_school_cell_and_needs(store: GraphStore) -> None:
    here, there = _students_graph(store)
    assert store.student_needs(["food"]) == {"school": ["sch-b", None], "cell": [None, here], "needs": [["food"]] * 2}
    assert store.student_needs(["tutoring", "food", "food"]) == {
        "school": ["sch-a", "sch-b", None],
        "cell": [None, None, here],
        "needs": [["tutoring"], ["food", "tutoring"], ["food"]],
    }
    assert store.student_needs() == {
        "school": ["sch-a", "sch-b", None, "sch-b"],
        "cell": [None, None, here, there],
        "needs": [["tutoring"], ["food", "tutoring"], ["food"], ["dental"]],
    }
    nobody = {"school": [], "cell": [], "needs": []}
    assert store.student_needs([]) == nobody and store.student_needs(["housing"]) == nobody


def test_student_needs_match_the_whole_reads_on_the_small_city(store: GraphStore, small_city) -> None:
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    needs: dict[str, list[str]] = {}
    for r in store.relationships(RelType.HAS_NEED):
        needs.setdefault(r["source"], []).append(r["target"])
    school = {r["source"]: r["target"] for r in store.relationships(RelType.ENROLLED_IN)}  # the last by id
    family = {r["source"]: r["target"] for r in store.relationships(RelType.MEMBER_OF)}
    cell = {f["id"]: f.get("home_cell") for f in store.nodes(Label.FAMILY)}
    students = sorted(needs)
    assert len(students) > 100
    assert store.student_needs() == {
        "school": [school.get(s) for s in students],
        "cell": [cell.get(family.get(s, ""), None) for s in students],
        "needs": [sorted(needs[s]) for s in students],
    }
    for asked in (["food"], ["food", "mental_health_counseling"]):
        with_them = [s for s in students if set(needs[s]) & set(asked)]
        assert store.student_needs(asked) == {
            "school": [school.get(s) for s in with_them],
            "cell": [cell.get(family.get(s, ""), None) for s in with_them],
            "needs": [sorted(set(needs[s]) & set(asked)) for s in with_them],
        }
