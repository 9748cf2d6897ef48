"""The reads each question makes of the real engine. Every read is a round trip, so the questions ask
for what they need in few reads: a path search finds its ends in the same read as its paths. The
answers are the embedded store's."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from kith._cli_export import copy_graph
from kith.graph.errors import NodeNotFound
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, NodeRef
from kith.graph.neo4j_store import Neo4jStore
from kith.queries.paths import NeedTarget, default_via, warm_handoffs
from tests.contract.test_questions_same_on_every_store import _differences, _dump


def _counted(store: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The statements ``store`` runs from now on, counted by name."""
    reads: Counter[str] = Counter()
    read = store._read

    def counting(name: str, **parameters: Any) -> list[Any]:
        reads[name] += 1
        return read(name, **parameters)

    monkeypatch.setattr(store, "_read", counting)
    return reads


def _same(expected: Any, got: Any) -> None:
    problems = list(_differences(_dump(expected), _dump(got)))
    assert not problems, "\n".join(problems[:10])


def test_a_path_search_finds_its_ends_in_the_same_read(
    small_store: MemoryStore, neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_graph(small_store, neo4j_store)
    reads = _counted(neo4j_store, monkeypatch)
    school = NodeRef(Label.SCHOOL, small_store.nodes(Label.SCHOOL)[0]["id"])
    targets = [NodeRef(Label.AGENCY, a["id"]) for a in small_store.nodes(Label.AGENCY)[::7]]
    targets += [NodeRef(Label.AGENCY, "not-in-the-graph"), school]
    types = default_via(Label.SCHOOL)
    found = []
    for hops in (2, 6, 14):
        expected = small_store.shortest_paths(school, targets, rel_types=types, max_hops=hops, k=3)
        reads.clear()
        got = neo4j_store.shortest_paths(school, targets, rel_types=types, max_hops=hops, k=3)
        assert got == expected
        found += got
        assert sum(reads.values()) == 1, reads
    assert found
    reads.clear()
    with pytest.raises(NodeNotFound):
        neo4j_store.shortest_paths(NodeRef(Label.SCHOOL, "not-in-the-graph"), targets, rel_types=types)
    assert sum(reads.values()) == 1, reads
    reads.clear()
    _same(
        warm_handoffs(small_store, school, NeedTarget("food"), k=3),
        warm_handoffs(neo4j_store, school, NeedTarget("food"), k=3),
    )
    assert reads["find_shortest_paths_6"] == 1 and reads["fetch_nodes_by_ref"] == 2, reads  # its start, its names
