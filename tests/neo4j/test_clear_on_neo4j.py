"""Clearing a big graph on the real engine: no transaction holds more than a batch of anything, however
many relationships one node has (a need of a state city has hundreds of thousands)."""

from __future__ import annotations

import pytest

from kith.graph import neo4j_store as module
from kith.graph.model import HasNeed, NeedType, Student
from kith.graph.neo4j_store import Neo4jStore


def test_a_batch_deletes_at_most_batch_size_relationships_and_clear_empties_a_hub(
    neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    students = [Student(id=f"st{i}", grade="5") for i in range(300)]
    neo4j_store.upsert_nodes([NeedType(id="food", code="food", domain="family", name="Food"), *students])
    neo4j_store.upsert_relationships([HasNeed(source=s.id, target="food") for s in students])
    assert neo4j_store.counts()["HAS_NEED"] == 300

    text = neo4j_store._statement("delete_relationships_batch", {"batch_size": 100})
    with neo4j_store._session() as session:
        deleted = session.execute_write(lambda tx: tx.run(text, batch_size=100).single()["deleted"])
    counts = neo4j_store.counts()
    # one batch: 100 relationships, and the hub still there (a DETACH DELETE of it took all 300 at once)
    assert deleted == 100 and counts["HAS_NEED"] == 200 and counts["NeedType"] == 1

    monkeypatch.setattr(module, "DELETE_BATCH", 70)
    neo4j_store.clear()
    assert not any(neo4j_store.counts().values())
