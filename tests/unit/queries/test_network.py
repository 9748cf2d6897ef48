"""The coalition network on the small demo city, against NetworkX and brute force."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pytest

from kith.graph.geo import distance_km
from kith.graph.memory import MemoryStore
from kith.graph.model import (
    Addresses,
    Agency,
    CollaboratesWith,
    DeliveredAt,
    EnrolledIn,
    HasNeed,
    Label,
    NodeRef,
    Offers,
    PartnersWith,
    School,
    Site,
)
from kith.ingest import demo_city
from kith.queries import _centrality, network
from kith.queries.network import coalition_network, organisation_graph


@pytest.fixture(scope="module")
def report(small_store):
    return coalition_network(small_store, seed=3, suppress_below=1)


@pytest.fixture(scope="module")
def reference(small_city) -> nx.Graph:
    """The organisation network built straight from the city's relationships."""
    graph = nx.Graph()
    graph.add_nodes_from(NodeRef(Label.SCHOOL, n.id) for n in small_city.nodes if isinstance(n, School))
    graph.add_nodes_from(NodeRef(Label.AGENCY, n.id) for n in small_city.nodes if isinstance(n, Agency))
    for r in small_city.rels:
        if isinstance(r, PartnersWith):
            graph.add_edge(NodeRef(Label.SCHOOL, r.source), NodeRef(Label.AGENCY, r.target))
        elif isinstance(r, CollaboratesWith):
            graph.add_edge(NodeRef(Label.AGENCY, r.source), NodeRef(Label.AGENCY, r.target))
    return graph


def test_the_projection_is_the_city_network(small_store, reference) -> None:
    graph = organisation_graph(small_store)
    assert set(graph.nodes) == set(reference.nodes)
    assert {frozenset(e) for e in graph.edges} == {frozenset(e) for e in reference.edges}


def test_measures_agree_with_networkx(report, reference) -> None:
    rows = {NodeRef(Label(r.label), r.id): r for r in report.nodes}
    degree = nx.degree_centrality(reference)
    betweenness = nx.betweenness_centrality(reference)
    eigenvector = nx.eigenvector_centrality(reference, max_iter=5000, tol=1e-12)
    for node, row in rows.items():
        assert row.degree == reference.degree(node)
        assert row.degree_centrality == pytest.approx(degree[node], abs=1e-12)
        assert row.betweenness == pytest.approx(betweenness[node], abs=1e-9)
        assert row.eigenvector == pytest.approx(eigenvector[node], abs=1e-5)
    assert report.density == pytest.approx(nx.density(reference))
    assert report.components == nx.number_connected_components(reference)
    assert report.largest_component == max(len(c) for c in nx.connected_components(reference))
    assert {r.id for r in report.isolates} == {n.id for n in nx.isolates(reference)}
    top = sorted(betweenness, key=lambda n: (-betweenness[n], -reference.degree(n), n.label.value, n.id))
    assert [r.id for r in report.brokers] == [n.id for n in top[: len(report.brokers)]]


def test_eigenvector_left_to_arpack_when_power_iteration_has_not_settled(small_store, reference, monkeypatch) -> None:
    graph = organisation_graph(small_store)
    settled = network._measures(graph, 0).eigenvector
    monkeypatch.setattr(_centrality, "EIGENVECTOR_STEPS", 1)
    arpack = network._measures(graph, 0).eigenvector
    expected = nx.eigenvector_centrality(reference, max_iter=5000, tol=1e-12)
    assert arpack == pytest.approx([expected[node] for node in graph.nodes], abs=1e-5)
    assert arpack == pytest.approx(settled, abs=1e-6)


def test_communities_are_seeded_louvain(small_store, report) -> None:
    again = coalition_network(small_store, seed=3, suppress_below=1)
    assert [c.model_dump() for c in again.communities] == [c.model_dump() for c in report.communities]
    assert [r.community for r in again.nodes] == [r.community for r in report.nodes]
    members = defaultdict(set)
    for r in report.nodes:
        members[r.community].add(NodeRef(Label(r.label), r.id))
    graph = organisation_graph(small_store)
    expected = nx.community.louvain_communities(graph, weight="weight", seed=3)
    assert {frozenset(m) for m in members.values()} == {frozenset(c) for c in expected}
    assert report.modularity == pytest.approx(nx.community.modularity(graph, expected, weight="weight"))
    assert sum(c.size for c in report.communities) == report.organisations


def test_a_large_network_is_measured_in_a_second_process_with_the_same_answers(
    small_store, report, monkeypatch, caplog
) -> None:
    import subprocess

    started = []

    class Watched(subprocess.Popen):
        def __init__(self, args, **kwargs):
            started.append(args[-1])
            super().__init__(args, **kwargs)

    monkeypatch.setattr(network, "PARALLEL_FROM", 0)  # the small city counts as large
    monkeypatch.setattr(subprocess, "Popen", Watched)
    with caplog.at_level("DEBUG", logger="kith.queries._beside"):
        again = coalition_network(small_store, seed=3, suppress_below=1)
    assert started == ["from kith.queries._beside import serve; serve()"]
    assert not caplog.records, "every job was answered by the second process"
    assert again.model_dump() == report.model_dump()


def _city_facts(city, catchment_km: float = 5.0):
    """Brute force: partners, needs per school, and agencies offering each need within reach of each school."""
    schools = {n.id: n for n in city.nodes if isinstance(n, School)}
    sites = {n.id: n for n in city.nodes if isinstance(n, Site)}
    agencies_of = defaultdict(set)
    for r in city.rels:
        if isinstance(r, Offers):
            agencies_of[r.target].add(r.source)
    needs_of = defaultdict(set)
    for r in city.rels:
        if isinstance(r, Addresses):
            needs_of[r.source].add(r.target)
    partners = defaultdict(set)
    for r in city.rels:
        if isinstance(r, PartnersWith):
            partners[r.source].add(r.target)
    offers = defaultdict(set)
    for service, agencies in agencies_of.items():
        for agency in agencies:
            offers[agency] |= needs_of[service]
    in_reach = defaultdict(set)  # (school, need) -> agencies
    for r in city.rels:
        if isinstance(r, DeliveredAt):
            site = sites[r.target]
            for school in schools.values():
                if distance_km(school.lat, school.lon, site.lat, site.lon) <= catchment_km:
                    for need in needs_of[r.source]:
                        in_reach[(school.id, need)] |= agencies_of[r.source]
    school_of = {r.source: r.target for r in city.rels if isinstance(r, EnrolledIn)}
    students = defaultdict(set)
    for r in city.rels:
        if isinstance(r, HasNeed):
            students[(school_of[r.source], r.target)].add(r.source)
    return partners, offers, in_reach, students


def test_suggestions_close_unmet_needs_with_agencies_in_reach(small_city, report) -> None:
    partners, offers, in_reach, students = _city_facts(small_city)
    assert report.suggestions
    for s in report.suggestions:
        assert s.agency_id not in partners[s.school_id]
        for need in s.needs:
            assert students[(s.school_id, need)], "a need of the school's students"
            assert not any(need in offers[a] for a in partners[s.school_id]), "unmet by every partner"
            assert s.agency_id in in_reach[(s.school_id, need)], "offered nearby"
        assert s.students == len(set().union(*(students[(s.school_id, n)] for n in s.needs)))
    per_school = defaultdict(list)
    for s in report.suggestions:
        per_school[s.school_id].append(s.students)
    assert all(len(v) <= 3 and v == sorted(v, reverse=True) for v in per_school.values())


def test_single_points_of_failure_are_the_only_provider_in_reach(small_city, report) -> None:
    _, _, in_reach, students = _city_facts(small_city)
    expected = defaultdict(set)
    for (school, need), agencies in in_reach.items():
        if len(agencies) == 1:
            expected[(need, next(iter(agencies)))].add(school)
    got = {(r.need, r.agency_id): set(r.school_ids) for r in report.single_points_of_failure}
    assert got == dict(expected)
    for r in report.single_points_of_failure:
        assert r.students == sum(len(students[(s, r.need)]) for s in r.school_ids)


def test_a_service_offered_by_two_agencies_is_no_single_point_of_failure(small_city, report) -> None:
    lone = report.single_points_of_failure[0]
    services = {r.source for r in small_city.rels if isinstance(r, Addresses) and r.target == lone.need}
    theirs = sorted(
        r.target
        for r in small_city.rels
        if isinstance(r, Offers) and r.source == lone.agency_id and r.target in services
    )
    city = demo_city.City(
        nodes=[*small_city.nodes, Agency(id="agy-partner", name="Partner Agency")],
        rels=[*small_city.rels, *(Offers(source="agy-partner", target=v) for v in theirs)],
    )
    store = MemoryStore()
    store.upsert_nodes(city.nodes)
    store.upsert_relationships(city.rels)
    again = coalition_network(store, seed=3, suppress_below=1)
    failures = {(r.need, r.agency_id): set(r.school_ids) for r in again.single_points_of_failure}
    assert (lone.need, lone.agency_id) not in failures, "the partner agency offers it too"
    _, offers, in_reach, _ = _city_facts(city)
    assert lone.need in offers["agy-partner"]
    expected = defaultdict(set)
    for (school, need), agencies in in_reach.items():
        if len(agencies) == 1:
            expected[(need, next(iter(agencies)))].add(school)
    assert failures == dict(expected)
