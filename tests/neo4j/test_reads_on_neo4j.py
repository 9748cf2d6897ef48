"""The reads each question makes of the real engine. Every read is a round trip, and a read that
returns a row per student or per relationship costs seconds on a state's graph (the driver decodes
rows one by one), so the questions ask for what they need in few reads: a path search finds its ends
in the same read as its paths, and the gap and network questions read the students with needs once,
as columns of one row. The answers are the embedded store's."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from kith._cli_export import copy_graph
from kith.graph.errors import NodeNotFound
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, NodeRef, RelType
from kith.graph.neo4j_store import Neo4jStore
from kith.queries.gaps import service_gaps
from kith.queries.network import coalition_network
from kith.queries.paths import NeedTarget, default_via, warm_handoffs
from tests.contract.test_questions_same_on_every_store import _differences, _dump

#: The reads of students, families and their relationships one by one, which the questions no longer make.
ROW_BY_ROW = {
    *(f"fetch_{t}{end}" for t in ("has_need", "member_of", "enrolled_in") for end in ("", "_from", "_to")),
    *(f"fetch_{label}{end}" for label in ("student", "family") for end in ("", "_by_id")),
}


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


def test_gaps_read_the_students_with_the_need_once(
    small_store: MemoryStore, neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_graph(small_store, neo4j_store)
    reads = _counted(neo4j_store, monkeypatch)
    for by in ("cell", "school", "zip"):
        expected = service_gaps(small_store, "food", by=by)
        reads.clear()
        _same(expected, service_gaps(neo4j_store, "food", by=by))
        assert reads["fetch_student_needs"] == 1, reads
        assert not ROW_BY_ROW & set(reads), reads


def test_the_network_reads_the_students_with_needs_once(
    small_store: MemoryStore, neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_graph(small_store, neo4j_store)
    assert small_store.relationships(RelType.HAS_NEED)
    reads = _counted(neo4j_store, monkeypatch)
    _same(coalition_network(small_store, seed=0), coalition_network(neo4j_store, seed=0))
    assert reads["fetch_student_needs"] == 1, reads
    assert not ROW_BY_ROW & set(reads), reads
