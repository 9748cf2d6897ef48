"""The contract suite runs every test on every store.

The Neo4j run needs ``KITH_NEO4J_URI`` (for example after
``docker compose up neo4j``); without it those tests are skipped, and the
skip reason shows in the summary (``-ra``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.store import GraphStore

NEO4J_SKIP = "KITH_NEO4J_URI is not set: the Neo4j store contract was not run (docker compose up neo4j, then set it)"


@pytest.fixture(params=["memory", "neo4j"])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty store of each kind; the Neo4j one is wiped afterwards."""
    if request.param == "memory":
        yield MemoryStore()
        return
    if not os.environ.get("KITH_NEO4J_URI"):
        pytest.skip(NEO4J_SKIP)
    from tests.contract._neo4j import empty_neo4j_store

    yield from empty_neo4j_store()
