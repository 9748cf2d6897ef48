"""The embedded store's shortest paths (bidirectional per target, one search for many targets)
against NetworkX's all shortest paths, on random graphs with parallel relationships."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from kith.graph.memory import _BIDIRECTIONAL_UP_TO, MemoryStore
from kith.graph.model import Agency, CollaboratesWith, Label, NodeRef, PartnersWith, RelType, School

ORG = [RelType.PARTNERS_WITH, RelType.COLLABORATES_WITH]


def random_org(seed: int, schools: int = 12, agencies: int = 40, partners: int = 30, collabs: int = 60) -> MemoryStore:
    rng = np.random.default_rng(seed)
    store = MemoryStore()
    store.upsert_nodes([School(id=f"s{i:02d}", name="S") for i in range(schools)])
    store.upsert_nodes([Agency(id=f"a{i:02d}", name="A") for i in range(agencies)])
    store.upsert_relationships(
        PartnersWith(source=f"s{rng.integers(schools):02d}", target=f"a{rng.integers(agencies):02d}")
        for _ in range(partners)
    )
    for _ in range(collabs):  # both directions happen: parallel relationships between one pair
        a, b = rng.choice(agencies, size=2, replace=False)
        store.upsert_relationships([CollaboratesWith(source=f"a{a:02d}", target=f"a{b:02d}")])
    return store


def _multiplicity(view: nx.MultiDiGraph, nodes: list[NodeRef]) -> int:
    """How many relationship sequences (either direction) walk these nodes."""
    count = 1
    for u, v in zip(nodes, nodes[1:]):
        count *= view.number_of_edges(u, v) + view.number_of_edges(v, u)
    return count


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("many", [False, True])
def test_all_shortest_paths_agree_with_networkx(seed: int, many: bool) -> None:
    store = random_org(seed)
    view = store.project([Label.SCHOOL, Label.AGENCY], ORG)
    simple = nx.Graph(view)
    everyone = sorted(view.nodes)
    for source in everyone[::5]:
        targets = everyone if many else everyone[1::7]
        assert (len(targets) > _BIDIRECTIONAL_UP_TO) is many
        paths = store.shortest_paths(source, targets, rel_types=ORG, max_hops=4, k=10_000)
        lengths = nx.single_source_shortest_path_length(simple, source, cutoff=4)
        by_target: dict[NodeRef, list] = {}
        for p in paths:
            by_target.setdefault(p.nodes[-1], []).append(p)
            for step, u, v in zip(p.steps, p.nodes, p.nodes[1:]):
                assert {step.source, step.target} == {u, v} and view.has_edge(step.source, step.target, step.type)
        assert set(by_target) == {t for t in targets if t in lengths and t != source}
        for target, found in by_target.items():
            expected = [list(p) for p in nx.all_shortest_paths(simple, source, target)]
            assert {tuple(p.nodes) for p in found} == {tuple(p) for p in expected}
            assert len(found) == sum(_multiplicity(view, p) for p in expected)  # each parallel step its own path
            assert [p.sort_key() for p in found] == sorted(p.sort_key() for p in found)


def test_k_keeps_the_first_paths_in_the_port_order() -> None:
    store = random_org(3, collabs=120)
    source = NodeRef(Label.SCHOOL, "s00")
    everyone = [NodeRef(Label.AGENCY, f"a{i:02d}") for i in range(40)]
    full = store.shortest_paths(source, everyone, rel_types=ORG, k=10_000)
    two = store.shortest_paths(source, everyone, rel_types=ORG, k=2)
    for target in everyone:
        mine = [p for p in full if p.nodes[-1] == target]
        assert [p for p in two if p.nodes[-1] == target] == mine[:2]
    assert len(two) < len(full)


def test_hops_bound_is_inclusive_in_both_searches() -> None:
    store = MemoryStore()
    store.upsert_nodes([Agency(id=f"a{i}", name="A") for i in range(8)])
    store.upsert_relationships(CollaboratesWith(source=f"a{i}", target=f"a{i + 1}") for i in range(7))
    chain = [NodeRef(Label.AGENCY, f"a{i}") for i in range(8)]
    for targets in ([chain[5]], chain):  # one target: bidirectional; 8 < bound, so add more below
        got = store.shortest_paths(chain[0], targets, max_hops=5)
        assert [p.nodes[-1] for p in got if p.nodes[-1] in (chain[5], chain[6])] == [chain[5]]
    many = chain + [NodeRef(Label.AGENCY, f"x{i}") for i in range(_BIDIRECTIONAL_UP_TO)]  # absent ids are ignored
    assert [p.hops for p in store.shortest_paths(chain[0], many, max_hops=5)] == [1, 2, 3, 4, 5]
