"""Every question of ``queries/`` gives the same answer on every store, on the ``small`` demo city.

The reference is the embedded store loaded as the demo city is generated. The
store under test is loaded as ``kith export`` copies, by label and type and
then by id, which is also the order Neo4j returns rows in: so on the embedded
store too, an answer that depends on the order a store hands rows over fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kith._cli_export import copy_graph
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, NodeRef, RelType
from kith.graph.store import GraphStore
from kith.ingest import demo_city
from kith.queries.gaps import find_deserts, service_gaps
from kith.queries.nearby import find_nearby
from kith.queries.network import coalition_network
from kith.queries.paths import NeedTarget, warm_handoffs

#: Needs the questions are asked about (the small city has students with each).
NEEDS = ("food", "tutoring", "mental_health_counseling")


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    return value


def _questions(city: demo_city.City) -> dict[str, Callable[[GraphStore], Any]]:
    """Each question, by name, as a call on a store (the same places, people and needs every time)."""
    schools = sorted((n for n in city.nodes if n.label is Label.SCHOOL), key=lambda n: n.id)
    agencies = sorted(n.id for n in city.nodes if n.label is Label.AGENCY)
    students = sorted({r.source for r in city.rels if r.type is RelType.HAS_NEED})
    questions: dict[str, Callable[[GraphStore], Any]] = {}
    for school in schools[:4]:
        questions[f"find_nearby {school.id}"] = lambda s, p=school: find_nearby(s, p.lat, p.lon, radius_km=4, limit=30)
        for need in NEEDS:
            questions[f"find_nearby {school.id} {need}"] = lambda s, p=school, n=need: find_nearby(
                s, p.lat, p.lon, needs=[n], radius_km=8, limit=10
            )
        questions[f"find_nearby {school.id} free es"] = lambda s, p=school: find_nearby(
            s, p.lat, p.lon, radius_km=8, limit=10, language="es", free=True
        )
    for school in schools[:3]:
        for need in NEEDS:
            questions[f"warm_handoffs {school.id} → {need}"] = lambda s, a=school.id, n=need: warm_handoffs(
                s, NodeRef(Label.SCHOOL, a), NeedTarget(n), k=3
            )
        for agency in agencies[::8]:
            questions[f"warm_handoffs {school.id} → {agency}"] = lambda s, a=school.id, b=agency: warm_handoffs(
                s, NodeRef(Label.SCHOOL, a), NodeRef(Label.AGENCY, b), k=5
            )
    for student in students[:5]:
        questions[f"warm_handoffs {student} → food"] = lambda s, a=student: warm_handoffs(
            s, NodeRef(Label.STUDENT, a), NeedTarget("food"), k=3, max_hops=8
        )
    for need in NEEDS:
        for by in ("cell", "school", "zip"):
            questions[f"service_gaps {need} by {by}"] = lambda s, n=need, b=by: service_gaps(s, n, by=b)
        questions[f"service_gaps {need} gaussian"] = lambda s, n=need: service_gaps(s, n, decay="gaussian")
        questions[f"service_gaps {need} what-if"] = lambda s, n=need: service_gaps(  # released from shown counts
            s, n, by="school", catchment_km=0.1, add_sites=[(schools[0].lat, schools[0].lon, 1000)]
        )
        questions[f"find_deserts {need} below-ratio"] = lambda s, n=need: find_deserts(s, n, rule="below-ratio")
    questions["coalition_network seed 0"] = lambda s: coalition_network(s, seed=0)
    questions["coalition_network seed 3"] = lambda s: coalition_network(s, seed=3)
    return questions


def _differences(expected: Any, got: Any, where: str = "") -> Iterator[str]:
    """Where two answers differ; floats may differ in their last bits (sums in another order)."""
    if isinstance(expected, float) and isinstance(got, (float, int)) and not isinstance(got, bool):
        if not math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12):
            yield f"{where}: {expected!r} != {got!r}"
    elif isinstance(expected, dict) and isinstance(got, dict):
        if list(expected) != list(got):
            yield f"{where}: keys {list(expected)} != {list(got)}"
        for key in expected:
            if key in got:
                yield from _differences(expected[key], got[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            yield f"{where}: {len(expected)} rows != {len(got)} rows"
        for i, (a, b) in enumerate(zip(expected, got)):
            yield from _differences(a, b, f"{where}[{i}]")
    elif expected != got or type(expected) is not type(got):
        yield f"{where}: {expected!r} != {got!r}"


@pytest.fixture(scope="module")
def questions(small_city: demo_city.City) -> dict[str, Callable[[GraphStore], Any]]:
    return _questions(small_city)


@pytest.fixture(scope="module")
def reference(small_store: MemoryStore, questions: dict[str, Callable[[GraphStore], Any]]) -> dict[str, Any]:
    return {name: _dump(ask(small_store)) for name, ask in questions.items()}


def _load(store: GraphStore, small_store: MemoryStore) -> None:
    """Copy the city as ``kith export`` does: by label and type, each by id (the order Neo4j returns rows in)."""
    copy_graph(small_store, store)
    copy_graph(small_store, store)  # twice: changes nothing
    assert store.counts() == small_store.counts()


def test_every_question_answers_the_same(
    store: GraphStore,
    small_store: MemoryStore,
    questions: dict[str, Callable[[GraphStore], Any]],
    reference: dict[str, Any],
) -> None:
    _load(store, small_store)
    answered = {name.split()[0] for name, answer in reference.items() if answer}
    assert answered == {name.split()[0] for name in reference}  # every question has something to compare
    problems = []
    for name, ask in questions.items():
        found = list(_differences(reference[name], _dump(ask(store)), name))
        problems += found[:5]
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems)
