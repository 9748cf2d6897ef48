"""Questions on the real engine beyond the contract suite's: what-if on the small city, and nearby,
paths and gaps on the district city, each the same on Neo4j as on the embedded store."""

from __future__ import annotations

from typing import Any

import pytest

from kith._cli_export import copy_graph
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, NodeRef, RelType
from kith.graph.neo4j_store import Neo4jStore
from kith.ingest import demo_city
from kith.queries.gaps import service_gaps
from kith.queries.nearby import find_nearby
from kith.queries.paths import NeedTarget, warm_handoffs
from tests.contract.test_questions_same_on_every_store import _differences, _dump


def _same(questions: dict[str, Any], expected: MemoryStore, got: Neo4jStore) -> None:
    problems, answered = [], set()
    for name, ask in questions.items():
        answer = _dump(ask(expected))
        if answer:
            answered.add(name.split()[0])
        problems += list(_differences(answer, _dump(ask(got)), name))[:5]
    assert answered == {name.split()[0] for name in questions}  # each kind has answers to compare
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems)


def test_what_if_is_the_same_on_neo4j(small_store: MemoryStore, neo4j_store: Neo4jStore) -> None:
    copy_graph(small_store, neo4j_store)
    schools = small_store.nodes(Label.SCHOOL)[:3]
    services = [r["source"] for r in small_store.relationships(RelType.ADDRESSES, targets=["food"])][:3]
    questions = {
        f"what-if food by {by}": lambda s, by=by: service_gaps(
            s,
            "food",
            by=by,
            add_sites=[(p["lat"], p["lon"], 40.0) for p in schools],
            add_capacity={v: 25.0 for v in services},
        )
        for by in ("cell", "school")
    }
    _same(questions, small_store, neo4j_store)


@pytest.mark.slow
def test_nearby_paths_and_gaps_on_the_district_city_are_the_same_on_neo4j(neo4j_store: Neo4jStore) -> None:
    district = MemoryStore()
    demo_city.build(district, "district", seed=7)
    copy_graph(district, neo4j_store)
    assert neo4j_store.counts() == district.counts()
    schools = district.nodes(Label.SCHOOL)[::15][:4]
    agencies = [a["id"] for a in district.nodes(Label.AGENCY)][::20][:3]
    students = sorted({r["source"] for r in district.relationships(RelType.HAS_NEED)})[:2]
    questions: dict[str, Any] = {}
    for p in schools:
        questions[f"nearby {p['id']}"] = lambda s, p=p: find_nearby(s, p["lat"], p["lon"], radius_km=4, limit=30)
        questions[f"nearby {p['id']} food"] = lambda s, p=p: find_nearby(
            s, p["lat"], p["lon"], needs=["food"], radius_km=8, limit=10
        )
        questions[f"path {p['id']} need:tutoring"] = lambda s, p=p: warm_handoffs(
            s, NodeRef(Label.SCHOOL, p["id"]), NeedTarget("tutoring"), k=3
        )
        for a in agencies:
            questions[f"path {p['id']} {a}"] = lambda s, p=p, a=a: warm_handoffs(
                s, NodeRef(Label.SCHOOL, p["id"]), NodeRef(Label.AGENCY, a), k=3
            )
    for student in students:
        questions[f"path {student} need:food"] = lambda s, x=student: warm_handoffs(
            s, NodeRef(Label.STUDENT, x), NeedTarget("food"), k=3, max_hops=8
        )
    for need in ("food", "mental_health_counseling"):
        for by in ("cell", "school"):
            questions[f"gaps {need} by {by}"] = lambda s, n=need, b=by: service_gaps(s, n, by=b)
    _same(questions, district, neo4j_store)
