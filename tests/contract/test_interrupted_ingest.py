"""On every store: the demo city's mark lasts only until the next write, and an ingest interrupted
half-way, then run again, gives the same graph as one run that was never interrupted (embedded: the
interrupted run wrote nothing; Neo4j: it resumes over the batches it had committed, idempotently)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kith.graph.memory import GRAPH_FILE, MemoryStore
from kith.graph.model import Agency, Label, RelType
from kith.graph.store import GraphStore


def test_the_demo_mark_lasts_until_the_next_write(store: GraphStore) -> None:
    assert store.demo_city() is None
    store.upsert_nodes([Agency(id="a", name="A")])
    store.mark_demo_city("small")
    assert store.demo_city() == "small"
    store.upsert_nodes([Agency(id="a", name="A")])  # the same again: still a write after the city was built
    assert store.demo_city() is None
    store.mark_demo_city("district")
    store.clear()
    assert store.demo_city() is None
    assert not any(store.counts().values())  # the mark is not part of the graph


def _interrupted(items: Iterable[Any], at: int) -> Iterator[Any]:
    for i, item in enumerate(items):
        if i == at:
            raise KeyboardInterrupt
        yield item


def _opener(store: GraphStore, tmp_path: Path) -> Callable[[], GraphStore]:
    """Opens the store that ``store`` is (persisted), as each run of an ingest opens it."""
    if isinstance(store, MemoryStore):
        return lambda: MemoryStore.open(tmp_path / GRAPH_FILE)
    from kith.graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_settings

    return lambda: Neo4jStore.from_settings(neo4j_settings())


def test_an_interrupted_ingest_run_again_gives_the_whole_graph(
    store: GraphStore, small_city, small_store, tmp_path: Path
) -> None:
    open_again = _opener(store, tmp_path)
    first = open_again()
    with pytest.raises(KeyboardInterrupt):
        first.upsert_nodes(small_city.nodes)
        first.upsert_relationships(_interrupted(small_city.rels, len(small_city.rels) // 2), batch_size=500)
    first.abort()
    again = open_again()
    try:
        again.upsert_nodes(small_city.nodes)
        again.upsert_relationships(small_city.rels, batch_size=500)
        assert again.counts() == small_store.counts()
        for label in (Label.AGENCY, Label.STUDENT):
            assert again.nodes(label) == small_store.nodes(label)
        for t in (RelType.OFFERS, RelType.HAS_NEED):
            assert again.relationships(t) == small_store.relationships(t)
    finally:
        again.close()
