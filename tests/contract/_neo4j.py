"""Opening the Neo4j store for the contract suite (only when KITH_NEO4J_URI is set)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kith.graph.store import GraphStore


def empty_neo4j_store() -> Iterator[GraphStore]:
    """The Neo4j store of the environment's settings, refusing a database that holds data."""
    from kith.graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_settings

    store = Neo4jStore.from_settings(neo4j_settings())
    if any(store.counts().values()):
        store.close()
        pytest.fail("the Neo4j database of KITH_NEO4J_URI is not empty: the contract suite only uses an empty one")
    try:
        yield store
    finally:
        store.clear()
        store.close()
