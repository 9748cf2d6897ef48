"""Warm-handoff paths: hop counts agree with NetworkX on the projection; ranking, explanations
and privacy by hand-worked cases."""

from __future__ import annotations

import networkx as nx
import pytest

from kith.graph import geo
from kith.graph.errors import InputError, NodeNotFound
from kith.graph.memory import MemoryStore
from kith.graph.model import (
    Addresses,
    Agency,
    CollaboratesWith,
    DeliveredAt,
    EnrolledIn,
    Family,
    Label,
    MemberOf,
    NodeRef,
    Offers,
    PartnersWith,
    RelType,
    School,
    Service,
    Site,
    Staff,
    Student,
    WorksAt,
    need_types,
)
from kith.queries.nearby import find_nearby
from kith.queries.paths import ORGANISATIONAL, NeedTarget, default_via, parse_target, parse_via, warm_handoffs

NORTH_KM = 6371.0088 * 3.141592653589793 / 180 * 0.01  # 0.01° of latitude


@pytest.fixture
def org() -> MemoryStore:
    """Lincoln (s1) partners weakly with a1 and strongly with a2; both reach a3, which offers Tutoring (v1).
    a2 itself offers Homework help (v2, 3 km away) and Reading club (v4, 2 km away); a4, partner of Adams
    (s2) only, offers Study hall (v3) next door to Lincoln. Student st1 is at Lincoln; st2 at Lincoln and Adams."""
    store = MemoryStore()
    store.upsert_nodes(need_types())
    store.upsert_nodes(
        [
            School(id="s1", name="Lincoln Elementary", lat=42.30, lon=-71.0),
            School(id="s2", name="Adams Middle", lat=42.50, lon=-71.0),
            Agency(id="a1", name="Boys & Girls Club"),
            Agency(id="a2", name="Family Network"),
            Agency(id="a3", name="Health Center"),
            Agency(id="a4", name="Far Agency"),
            Agency(id="a5", name="Alone"),
            Service(id="v1", name="Tutoring"),
            Service(id="v2", name="Homework help"),
            Service(id="v3", name="Study hall"),
            Service(id="v4", name="Reading club"),
            Site(id="p1", name="One", lat=42.30 + 0.01, lon=-71.0),
            Site(id="p2", name="Two", lat=42.30 + 0.03, lon=-71.0),
            Site(id="p3", name="Three", lat=42.30 + 0.005, lon=-71.0),
            Site(id="p4", name="Four", lat=42.30 + 0.02, lon=-71.0),
            Student(id="st1"),
            Student(id="st2"),
            Family(id="f1", home_cell=geo.cell_of(42.30, -71.0)),
            Staff(id="w1", role="school_social_worker"),
        ]
    )
    store.upsert_relationships(
        [
            PartnersWith(source="s1", target="a1", since=2021, mou=True, strength=0.3),
            PartnersWith(source="s1", target="a2", since=2019, mou=False, strength=0.9),
            PartnersWith(source="s2", target="a4", strength=0.5),
            CollaboratesWith(source="a1", target="a3", kind="referral", since=2015, strength=0.8),
            CollaboratesWith(source="a3", target="a2", kind="co-location", since=2018, strength=0.8),
            Offers(source="a3", target="v1"),
            Offers(source="a2", target="v2"),
            Offers(source="a4", target="v3"),
            Offers(source="a2", target="v4"),
            *(DeliveredAt(source=v, target=p) for v, p in (("v1", "p1"), ("v2", "p2"), ("v3", "p3"), ("v4", "p4"))),
            *(Addresses(source=v, target="tutoring") for v in ("v1", "v2", "v3", "v4")),
            EnrolledIn(source="st1", target="s1"),
            EnrolledIn(source="st2", target="s1"),
            EnrolledIn(source="st2", target="s2"),
            MemberOf(source="st1", target="f1"),
            WorksAt(source="w1", target="s1"),
        ]
    )
    return store


def test_ties_go_to_the_stronger_weakest_link_and_explanations_name_every_hop(org: MemoryStore) -> None:
    paths = warm_handoffs(org, "school:s1", "service:v1", k=5)
    assert [p.nodes for p in paths] == [
        ("School:s1", "Agency:a2", "Agency:a3", "Service:v1"),  # weakest link 0.8: first, though a1 < a2
        ("School:s1", "Agency:a1", "Agency:a3", "Service:v1"),  # weakest link 0.3
    ]
    assert [p.strength for p in paths] == [0.8, 0.3]
    assert paths[0].rels == ("PARTNERS_WITH", "COLLABORATES_WITH", "OFFERS")
    assert paths[0].explanation == (
        "Lincoln Elementary partners with Family Network (since 2019, strength 0.90), which collaborates with "
        "Health Center (co-located since 2018, strength 0.80), which offers the service “Tutoring”."
    )
    assert paths[1].explanation.startswith(
        "Lincoln Elementary partners with Boys & Girls Club (MOU since 2021, strength 0.30), which collaborates "
        "with Health Center (referral partners since 2015, strength 0.80)"
    )
    assert [p.nodes for p in warm_handoffs(org, "school:s1", "service:v1", k=1)] == [paths[0].nodes]


def test_a_need_finds_the_nearest_services_shortest_first_then_by_distance(org: MemoryStore) -> None:
    paths = warm_handoffs(org, "school:s1", "need:tutoring", k=5)
    # v3 (0.6 km) is unreachable: its agency partners only with Adams. v4 and v2 are 2 hops (same link):
    # nearer first. v1 is 3 hops, though nearest of the reachable ones.
    assert [p.nodes[-1] for p in paths] == ["Service:v4", "Service:v2", "Service:v1"]
    assert [p.hops for p in paths] == [2, 2, 3]
    assert [round(p.distance_km, 6) for p in paths] == [round(d * NORTH_KM, 6) for d in (2, 3, 1)]
    assert [p.nodes[-1] for p in warm_handoffs(org, "school:s1", NeedTarget("tutoring"), k=2)] == [
        "Service:v4",
        "Service:v2",
    ]
    # The nearby filters apply: within 1.5 km only v1 (and the unreachable v3) are candidates.
    assert [p.nodes[-1] for p in warm_handoffs(org, "school:s1", "need:tutoring", radius_km=1.5)] == ["Service:v1"]
    assert warm_handoffs(org, "school:s1", "need:food") == []


def test_from_a_student_the_explanation_never_names_the_student(org: MemoryStore) -> None:
    paths = warm_handoffs(org, "student:st1", "need:tutoring", k=3)
    assert [p.nodes[:2] for p in paths] == [("Student:st1", "School:s1")] * 3
    assert paths[0].explanation.startswith("The student attends Lincoln Elementary, which partners with Family Network")
    assert all("st1" not in p.explanation and "st2" not in p.explanation for p in paths)
    # The search starts from the family's home cell: distances as from there.
    (family,) = org.nodes(Label.FAMILY, ids=["f1"])
    assert paths[0].distance_km == pytest.approx(geo.distance_km(family["lat"], family["lon"], 42.32, -71.0))


def test_paths_never_run_through_another_student(org: MemoryStore) -> None:
    # st2 is enrolled at Lincoln and Adams: Lincoln-st2-Adams-a4-v3 would be a path, through a student.
    via = [RelType.ENROLLED_IN, *ORGANISATIONAL]
    assert warm_handoffs(org, "school:s1", "service:v3", via=via) == []
    assert warm_handoffs(org, "student:st1", "service:v3") == []
    assert [p.nodes for p in warm_handoffs(org, "student:st2", "service:v3")] == [
        ("Student:st2", "School:s2", "Agency:a4", "Service:v3")
    ]


def test_a_family_and_a_staff_member_are_named_by_role(org: MemoryStore) -> None:
    (family,) = warm_handoffs(org, "family:f1", "school:s1")
    assert family.explanation == "The student's family includes the student, who attends Lincoln Elementary."
    (staff,) = warm_handoffs(org, "staff:w1", "agency:a2")
    assert staff.explanation == (
        "The school social worker works at Lincoln Elementary, which partners with "
        "Family Network (since 2019, strength 0.90)."
    )


def test_max_hops_and_via_limit_the_search(org: MemoryStore) -> None:
    assert warm_handoffs(org, "school:s1", "service:v1", max_hops=2) == []
    assert len(warm_handoffs(org, "school:s1", "service:v1", max_hops=3)) == 2
    assert warm_handoffs(org, "school:s1", "service:v1", via=[RelType.PARTNERS_WITH, RelType.OFFERS]) == []
    assert warm_handoffs(org, "school:s1", "agency:a5") == []


@pytest.mark.parametrize(
    ("source", "target", "error", "message"),
    [
        ("school:s1", "need:nope", InputError, "unknown need code 'nope'"),
        ("school:s1", "school:s1", InputError, "FROM and TO are the same node"),
        ("needtype:food", "school:s1", InputError, "cannot start from a need type"),
        ("school:missing", "school:s2", NodeNotFound, "School:missing is not in the graph"),
        ("lincoln", "school:s2", InputError, "is not label:id"),
        ("school:s1", "planet:x", InputError, "or need:CODE"),
    ],
)
def test_bad_input_is_named(org: MemoryStore, source: str, target: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        warm_handoffs(org, source, target)


def test_parse_helpers() -> None:
    assert parse_target("need:Food") == NeedTarget("food") and parse_target("NeedType:food") == NeedTarget("food")
    assert parse_target("agency:a1") == NodeRef(Label.AGENCY, "a1")
    assert parse_via("partners_with, OFFERS") == (RelType.PARTNERS_WITH, RelType.OFFERS)
    assert parse_via(None) is None
    with pytest.raises(InputError, match="unknown relationship type"):
        parse_via("KNOWS")
    assert default_via(Label.STUDENT) == (RelType.ENROLLED_IN, *ORGANISATIONAL)
    assert default_via(Label.SCHOOL) == ORGANISATIONAL


# ---------------------------------------------------------------- against NetworkX, on the small city


@pytest.fixture(scope="module")
def org_view(small_store: MemoryStore) -> nx.Graph:
    return nx.Graph(small_store.project([Label.SCHOOL, Label.AGENCY, Label.SERVICE], ORGANISATIONAL))


def test_hops_agree_with_networkx_on_the_projection(small_store: MemoryStore, org_view: nx.Graph) -> None:
    schools = [NodeRef(Label.SCHOOL, s["id"]) for s in small_store.nodes(Label.SCHOOL)]
    targets = [NodeRef(Label.AGENCY, a["id"]) for a in small_store.nodes(Label.AGENCY)]
    targets += [NodeRef(Label.SERVICE, s["id"]) for s in small_store.nodes(Label.SERVICE)][::3]
    reached = 0
    for school in schools:
        lengths = nx.single_source_shortest_path_length(org_view, school)
        for target in targets:
            found = warm_handoffs(small_store, school, target, k=50)
            expected = lengths.get(target)
            if expected is None or expected > 6:
                assert found == [], (school, target)
                continue
            reached += 1
            assert {p.hops for p in found} == {expected}, (school, target)
            assert sorted(p.nodes for p in found) == sorted(
                tuple(map(str, p)) for p in nx.all_shortest_paths(org_view, school, target)
            )
            assert [p.strength for p in found] == sorted((p.strength for p in found), reverse=True)
    assert reached > 300  # the comparison is not vacuous


def test_need_paths_agree_with_networkx(small_store: MemoryStore, org_view: nx.Graph) -> None:
    for school in small_store.nodes(Label.SCHOOL):
        source = NodeRef(Label.SCHOOL, school["id"])
        lengths = nx.single_source_shortest_path_length(org_view, source, cutoff=6)
        for need in ("tutoring", "food", "mental_health_counseling"):
            paths = warm_handoffs(small_store, source, f"need:{need}", k=10)
            candidates = {
                f"Service:{r.service_id}": r.distance_km
                for r in find_nearby(small_store, school["lat"], school["lon"], needs=[need])
            }
            reachable = {t for t in candidates if NodeRef.parse(t) in lengths}
            assert {p.nodes[-1] for p in paths} == reachable
            for p in paths:
                assert p.hops == lengths[NodeRef.parse(p.nodes[-1])]
                assert p.distance_km == pytest.approx(candidates[p.nodes[-1]])
            assert [p.hops for p in paths] == sorted(p.hops for p in paths)


def test_student_paths_agree_with_networkx(small_store: MemoryStore) -> None:
    via = default_via(Label.STUDENT)
    view = nx.Graph(small_store.project([Label.STUDENT, Label.SCHOOL, Label.AGENCY, Label.SERVICE], via))
    students = [s["id"] for s in small_store.nodes(Label.STUDENT)][::400]
    agencies = [NodeRef(Label.AGENCY, a["id"]) for a in small_store.nodes(Label.AGENCY)]
    for student in students:
        source = NodeRef(Label.STUDENT, student)
        mine = view.subgraph(n for n in view if n.label is not Label.STUDENT or n == source)
        lengths = nx.single_source_shortest_path_length(mine, source, cutoff=6)
        for target in agencies:
            found = warm_handoffs(small_store, source, target, k=1)
            assert [p.hops for p in found] == ([lengths[target]] if target in lengths else [])
            assert all("stu-" not in p.explanation for p in found)
