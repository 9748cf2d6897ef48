"""On the real engine: nodes and relationships written by CREATE into a label or type that was empty (see
``_Fresh`` in ``graph/neo4j_store.py``) are never written twice: not by a re-run after an interruption
inside such a phase, not by a pair sent twice, not by a transaction tried again after its first try
committed, not by another writer filling the label meanwhile."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import EnrolledIn, HasNeed, Label, NeedType, Rel, RelType, School, Student
from kith.graph.neo4j_store import Neo4jStore, rel_row, write_batch
from kith.graph.store import GraphStore
from tests.conftest import neo4j_settings

NEED = NeedType.model_validate({"id": "food", "code": "food", "domain": "family", "name": "Food"})


def _interrupted(items: Iterable[Any], at: int) -> Iterator[Any]:
    for i, item in enumerate(items):
        if i == at:
            raise KeyboardInterrupt
        yield item


def test_an_export_interrupted_inside_a_create_phase_and_run_again_equals_the_source(
    neo4j_store: GraphStore, small_city: Any, small_store: MemoryStore
) -> None:
    rels: list[Rel] = sorted(small_city.rels, key=lambda r: list(RelType).index(r.type))  # one type after another
    phase = RelType.ENROLLED_IN
    in_phase = [i for i, r in enumerate(rels) if r.type == phase]
    first = Neo4jStore.from_settings(neo4j_settings())
    with pytest.raises(KeyboardInterrupt):
        first.upsert_nodes(small_city.nodes)
        first.upsert_relationships(_interrupted(rels, in_phase[len(in_phase) // 2]), batch_size=100)
    first.abort()
    with Neo4jStore.from_settings(neo4j_settings()) as seen:
        written = seen.counts()[phase.value]
    assert 0 < written < small_store.counts()[phase.value]  # the interruption fell inside the phase

    again = Neo4jStore.from_settings(neo4j_settings())
    try:
        again.upsert_nodes(small_city.nodes)
        again.upsert_relationships(rels, batch_size=100)
        assert again.counts() == small_store.counts()  # nothing lost, nothing doubled
        assert again.relationships(phase) == small_store.relationships(phase)
        assert again.relationships(RelType.HAS_NEED) == small_store.relationships(RelType.HAS_NEED)
    finally:
        again.close()


def test_a_pair_sent_twice_into_an_empty_type_is_one_relationship_with_the_last_properties(
    neo4j_store: Neo4jStore,
) -> None:
    neo4j_store.upsert_nodes([Student(id="st1", grade="3"), Student(id="st2", grade="4"), NEED])
    neo4j_store.upsert_relationships(
        [HasNeed(source="st1", target="food", level=1), HasNeed(source="st1", target="food", level=2)]
    )
    neo4j_store.upsert_relationships([HasNeed(source="st2", target="food", level=1)], batch_size=1)
    neo4j_store.upsert_relationships(  # the same pairs in later batches of the same store
        [HasNeed(source="st2", target="food", level=3), HasNeed(source="st1", target="food", level=3)], batch_size=1
    )
    assert [(r["source"], r["level"]) for r in neo4j_store.relationships(RelType.HAS_NEED)] == [
        ("st1", 3),
        ("st2", 3),
    ]


def test_a_create_batch_tried_again_after_its_first_try_committed_writes_nothing_twice(
    neo4j_store: Neo4jStore,
) -> None:
    neo4j_store.upsert_nodes([Student(id=f"st{i}", grade="3") for i in range(5)] + [School(id="sc", name="S")])
    rows = [rel_row(EnrolledIn(source=f"st{i}", target="sc")) for i in range(5)]
    tries: list[str] = []  # one list for every try of the batch, as the driver passes it
    with neo4j_store._driver.session(database=neo4j_store.database) as session:
        for _ in range(2):  # the first try commits; the second is what a retry after a lost answer runs
            with session.begin_transaction() as tx:
                assert write_batch(tx, "create_enrolled_in", rows, "written", tries) == 5
                tx.commit()
    assert tries == ["create_enrolled_in", "upsert_enrolled_in"]
    assert neo4j_store.counts()[RelType.ENROLLED_IN.value] == 5


def test_nodes_created_into_a_label_another_writer_filled_meanwhile_go_by_merge(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert_nodes([Student(id="st1", grade="3")])  # the label was empty: by CREATE
    with Neo4jStore.from_settings(neo4j_settings()) as other:  # another writer, meanwhile
        other.upsert_nodes([Student(id="st2", grade="5")])
    # st2 is new to this store, so it goes by CREATE, which the id's constraint stops; the batch goes again by MERGE
    neo4j_store.upsert_nodes([Student(id="st2", grade="4"), Student(id="st3", grade="4")])
    assert [(n["id"], n["grade"]) for n in neo4j_store.nodes(Label.STUDENT)] == [
        ("st1", "3"),
        ("st2", "4"),
        ("st3", "4"),
    ]
    assert neo4j_store.written["nodes"] == 3
    assert neo4j_store._fresh._merging == {Label.STUDENT}  # the constraint stopped a CREATE: merges from now on
    assert neo4j_store._fresh.statement(Label.STUDENT, [{"id": "st9"}]) == "upsert_student"
