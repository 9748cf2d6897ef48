"""The contract suite runs every test on every store.

The Neo4j run needs ``KITH_NEO4J_URI``: ``make test`` starts a fresh Neo4j
engine and sets it (``tools/neo4j/run-with-neo4j``); by hand, ``make neo4j`` or
``docker compose up neo4j``. Without it those tests are skipped with the reason
in the summary (``-ra``), except under ``CI=true``, where a skipped Neo4j test
fails (``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.store import GraphStore
from tests.conftest import neo4j_env


@pytest.fixture(params=["memory", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty store of each kind; the Neo4j one is wiped afterwards."""
    if request.param == "memory":
        yield MemoryStore()
        return
    neo4j_env()
    from tests.contract._neo4j import empty_neo4j_store

    yield from empty_neo4j_store()
